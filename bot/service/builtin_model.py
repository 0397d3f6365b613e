"""The model an image was built with, put in place at start-up when the image is newer than the model folder.

A deployment keeps `model.path` on a volume so that retrained models survive restarts (compose.yaml: the `models`
volume). Docker and Podman fill a named volume from the image only when it is empty, so after an upgrade the old
image's model would stay there for good. With `model.builtin_path` set (the image sets it), start-up compares the
image's model with the one it last installed (recorded beside `model.path`): a new image's model replaces the one
in use (kept as `<dir>.previous`); the same image keeps whatever retraining put there.
"""

from __future__ import annotations

import fcntl
import logging
import shutil
from pathlib import Path

from bot.service.retrain import swap_in
from classifiers.artifact import ModelLoadError, read_metadata

log = logging.getLogger(__name__)


def marker_path(model_dir: Path) -> Path:
    return model_dir.with_name(model_dir.name + ".builtin-version")


def install_builtin_model(builtin: Path, model_dir: Path) -> bool:
    """Copy the image's model to `model_dir` when it is not the one installed last; True when it did."""
    try:
        version = str(read_metadata(builtin)["version"])
    except ModelLoadError as exc:
        log.warning("built-in model not used: %s", exc)
        return False
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    marker = marker_path(model_dir)
    # Every process of a deployment starts with this; one copies, the others then find the marker written.
    with (model_dir.parent / f".{model_dir.name}.install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        installed = marker.read_text().strip() if marker.exists() else None
        if installed == version and model_dir.exists():
            return False
        candidate = model_dir.with_name(model_dir.name + ".builtin-candidate")
        shutil.rmtree(candidate, ignore_errors=True)
        shutil.copytree(builtin, candidate)
        swap_in(candidate, model_dir)
        marker.write_text(version + "\n")
    log.info("model %s from the image installed in %s (it was built with the image; the one before is kept in "
             "%s.previous)", version, model_dir, model_dir.name)
    return True
