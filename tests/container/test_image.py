"""The container image, built and run on this machine with Podman/Buildah (see ../shared/CONTAINERS.md).

The image runs with `--network host` against a local feed server and a local fake Discord: it must become
healthy (its own HEALTHCHECK too), post the reported events to the subscribed channel, keep the token (given
as a Docker-secret file) out of its logs, and stop cleanly on `podman stop`. Skipped with the reason where
podman or buildah is missing. Run by `.ci/run` as `pytest -m container -p no:xdist -rs tests/container`.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from bot.storage.db import upgrade
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import EVENTS_CHANNEL, STRIKES_CHANNEL, TOKEN
from tests.feeds.feed_docs import rss2
from tests.feeds.feed_server import FeedServer, Route
from tests.scaleout.harness import feed_items, free_port, healthy, seed_store, serve_feeds, utcnow, wait_until

ROOT = Path(__file__).resolve().parents[2]
BASE = "localhost/python-base:3.11"
IMAGE = "localhost/sitrep:test"
PODMAN = ["podman", "--runtime", "runc"]
RUN_FLAGS = ["--network", "host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]

pytestmark = [pytest.mark.container, pytest.mark.timeout(900)]


def _missing_tools() -> str | None:
    missing = [tool for tool in ("podman", "buildah", "runc") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (apt-get install podman buildah runc debootstrap)"
    return None


def _sh(args: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)


def _ensure_base_image() -> None:
    """The local stand-in for the official Python image, made once per machine and reused (about a minute)."""
    if _sh(["podman", "image", "exists", BASE], 60).returncode == 0:
        return
    if shutil.which("debootstrap") is None:
        pytest.skip(f"no {BASE} image and no debootstrap to make one")
    rootfs = Path(tempfile.mkdtemp(prefix="sitrep-base-")) / "rootfs"
    try:
        steps = [
            ["debootstrap", "--variant=minbase", "bookworm", str(rootfs)],
            ["chroot", str(rootfs), "sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get "
             "install -y -qq --no-install-recommends python3 python3-venv python3-pip ca-certificates"],
            ["sh", "-c", f"tar -C '{rootfs}' -c . | podman import - {BASE}"],
        ]
        for step in steps:
            result = _sh(step, 600)
            if result.returncode != 0:
                pytest.skip(f"cannot make the base image ({step[0]} failed): {result.stderr[-500:]}")
    finally:
        shutil.rmtree(rootfs.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def image() -> str:
    if reason := _missing_tools():
        pytest.skip(reason)
    _ensure_base_image()
    build = ["buildah", "bud", "--layers", "--format", "docker", "--isolation", "chroot", "--network", "host",
             "-v", "/etc/ssl/certs:/hostcerts:ro", "--build-arg", f"BASE_IMAGE={BASE}",
             "--build-arg", "PIP_CERT=/hostcerts/ca-certificates.crt", "-t", IMAGE, str(ROOT)]
    result = _sh(build, 840)
    assert result.returncode == 0, f"image build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return IMAGE


@pytest.fixture
async def servers():
    feeds, fake = FeedServer(), FakeDiscord()
    await feeds.start()
    await fake.start()
    yield feeds, fake
    await fake.close()
    await feeds.stop()


async def test_image_becomes_healthy_posts_an_event_and_stops_cleanly(image, servers, tmp_path):
    feeds, fake = servers
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)  # the image runs as its own non-root user
    url = f"sqlite+aiosqlite:///{data / 'sitrep.db'}"
    await upgrade(url)
    scenario = serve_feeds(feeds, 4, utcnow())
    for index, path in enumerate(scenario.items):  # every feed reports one incident
        scenario.items[path] = feed_items(index, scenario.now, relevant_every=1)
        feeds.routes[path] = Route(body=rss2(f"Desk {index}", scenario.items[path]))
    await seed_store(url, feeds, scenario, {EVENTS_CHANNEL: ["militia_attack", "us_strike"],
                                            STRIKES_CHANNEL: ["us_strike"]})
    for path in data.iterdir():
        path.chmod(0o666)
    secret = tmp_path / "discord_token"
    secret.write_text(TOKEN + "\n")
    secret.chmod(0o644)
    port = free_port()
    name = f"sitrep-test-{uuid.uuid4().hex[:8]}"
    env = {
        "SITREP_DISCORD_TOKEN_FILE": "/run/secrets/discord_token",
        "SITREP_DISCORD_API_BASE": fake.rest_base,
        "SITREP_DISCORD_GATEWAY_URL": fake.gateway_url,
        "SITREP_POLL__ALLOW_PRIVATE": '["127.0.0.1"]',
        "SITREP_POLL__TICK_SECONDS": "2",
        "SITREP_PUBLISH__DIGEST_TIME": "",  # no job at a time of day: the result must not depend on the hour
        "SITREP_SERVICE__HTTP_PORT": str(port),
        "SITREP_SERVICE__HTTP_HOST": "127.0.0.1",
    }
    run = [*PODMAN, "run", "-d", "--name", name, *RUN_FLAGS, "-v", f"{data}:/data",
           "-v", f"{secret}:/run/secrets/discord_token:ro", *[f"--env={k}={v}" for k, v in env.items()], image]
    started = await _podman(run, 60)
    assert started.returncode == 0, started.stderr
    try:
        await wait_until(lambda: healthy(port), 180, what="the container's /healthz to answer 200")
        check = await _podman([*PODMAN, "healthcheck", "run", name], 60)
        assert check.returncode == 0, f"image HEALTHCHECK failed: {check.stdout} {check.stderr}"

        async def posted() -> list:
            return fake.posted(EVENTS_CHANNEL)

        await wait_until(posted, 180, what="an event posted to the fake Discord")
        message = fake.posted(EVENTS_CHANNEL)[0]
        assert message["embeds"], message  # a rendered event, not a bare text line
        # SIGTERM with 10 s of grace: past that podman sends SIGKILL and the exit code would be 137, not 0.
        stop = await _podman([*PODMAN, "stop", "-t", "10", name], 60)
        assert stop.returncode == 0, stop.stderr
        inspected = json.loads((await _podman([*PODMAN, "inspect", name], 60)).stdout)[0]
        assert inspected["State"]["ExitCode"] == 0, inspected["State"]
        assert inspected["Config"]["User"] == "sitrep"  # never root
        logs = await _podman([*PODMAN, "logs", name], 60)
        output = logs.stdout + logs.stderr
        assert TOKEN not in output
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        assert any(line["message"] == "stopped" for line in lines), output[-2000:]
    finally:
        await _podman([*PODMAN, "rm", "-f", name], 60)


async def _podman(args: list[str], limit_s: float) -> subprocess.CompletedProcess[str]:
    """Run podman off the event loop, so the fake servers keep answering the container meanwhile."""
    return await asyncio.to_thread(_sh, args, limit_s)
