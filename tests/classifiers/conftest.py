"""One model per test session, trained on the repository corpus into a temporary directory, and a small corpus
copy for tests that train or evaluate again (CLI, ensure_model)."""

from __future__ import annotations

import fcntl
import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

from classifiers.corpus import DEFAULT_CORPUS_DIR, corpus_files
from classifiers.model import Classifier
from classifiers.training import train


def _shared_root(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _train_once(tmp_path_factory, name: str, corpus: Path) -> Path:
    """Train into a directory shared by the xdist workers of this run, so the model is trained once, not per worker.

    Under xdist every worker's base temp dir sits inside the run's own directory; without xdist the base temp
    dir is already per run.
    """
    root = _shared_root(tmp_path_factory)
    out = root / f"classifier-{name}"
    with open(root / f"classifier-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits here while the first one trains
        if not (out / "metadata.json").exists():
            train(corpus, out, tune=False)
    return out


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """The repository corpus, trained once without the C search (the defaults are the tuned values)."""
    return _train_once(tmp_path_factory, "full", DEFAULT_CORPUS_DIR)


@pytest.fixture(scope="session")
def classifier(model_dir) -> Classifier:
    return Classifier.load(model_dir)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """The first 25 incidents of every corpus file: whole incidents, every label and form, quick to train on."""
    root = _shared_root(tmp_path_factory)
    out = root / "classifier-small-corpus"
    with open(root / "classifier-small-corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not out.exists():
            tmp = root / "classifier-small-corpus.tmp"
            tmp.mkdir()
            for path in corpus_files(DEFAULT_CORPUS_DIR):
                (tmp / path.name).write_text(_first_incidents(path, 25), encoding="utf-8")
            tmp.rename(out)
    return out


def _first_incidents(path: Path, n: int) -> str:
    by_incident: dict[str, list[str]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            by_incident[json.loads(line)["incident"]].append(line)
    return "".join(line + "\n" for incident in list(by_incident)[:n] for line in by_incident[incident])


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory, small_corpus) -> Path:
    return _train_once(tmp_path_factory, "small", small_corpus)
