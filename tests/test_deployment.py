"""Deployment facts a test can reach without building the image: unique worker ids, secrets never copied into
git or the image, the image's pins and settings, compose's bind address and replica mode."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_worker_ids_differ_between_processes_on_one_host_with_the_same_pid(monkeypatch):
    # Containers with host networking share the host name, and each runs sitrep as PID 1.
    monkeypatch.setattr("os.getpid", lambda: 1)
    ids = {load_settings().worker_id for _ in range(20)}
    assert len(ids) == 20
    assert all(i.startswith(f"{__import__('os').uname().nodename}-1-") for i in ids)


def test_secrets_are_kept_out_of_git_and_the_image():
    assert "/secrets/" in (ROOT / ".gitignore").read_text().splitlines()
    assert "secrets" in (ROOT / ".dockerignore").read_text().splitlines()


def test_the_image_is_pinned_and_locked():
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^ARG BASE_IMAGE=(\S+)$", dockerfile, re.M)
    assert base and re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base.group(1)), "base image: a patch release"
    uv = re.search(r"^ARG UV_VERSION=(\S+)$", dockerfile, re.M)
    assert uv and re.fullmatch(r"\d+\.\d+\.\d+", uv.group(1)) and '"uv==${UV_VERSION}"' in dockerfile
    syncs = re.findall(r"uv sync ([^\n]*)", dockerfile)
    assert syncs and all("--locked" in s and "--frozen" not in s for s in syncs)
    # The dependency layer's cache key is the lock, not the README.
    assert "COPY pyproject.toml uv.lock ./" in dockerfile
    assert "MPLCONFIGDIR=/app/mplconfig" in dockerfile  # the font cache is built once, not at every start
    assert "HEALTHCHECK" in dockerfile


def test_compose_binds_the_bot_endpoint_to_this_host_and_names_the_replica_mode():
    compose = (ROOT / "compose.yaml").read_text()
    assert '"127.0.0.1:8081:8080"' in compose
    assert re.search(r"mode: replicated\s.*\n\s+replicas: 2", compose)
