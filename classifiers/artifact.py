"""The model artifact: a skops file plus `metadata.json`, written atomically and checked at load.

Loading never unpickles: skops rebuilds only the types it is told to trust. We trust skops' defaults plus the
short list below, and refuse a file that asks for anything else. The metadata records the sha256 of the model
file, so a file changed after training is refused, and the scikit-learn version, so a model built by another
version (whose internals may differ) is refused with a message that says to retrain.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy
import scipy
import sklearn
import skops
import skops.io as sio
from sklearn.pipeline import Pipeline

from classifiers.errors import ModelLoadError

__all__ = ["ModelLoadError"]  # re-exported: callers that load models catch it from here

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
FORMAT_VERSION = 1
# Types beyond skops' built-in safe set that our pipeline may contain. Empty today: every part of the pipeline is
# on skops' default list. Anything a file asks for outside skops' defaults and this list is refused.
EXTRA_TRUSTED_TYPES: frozenset[str] = frozenset()
EXPECTED_STEPS = ("features", "clf")


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over the target."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_artifact(pipeline: Pipeline, metadata: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Write the model and its metadata into `out_dir`; return the metadata as written (with the file hash)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    blob = sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED)
    untrusted = sorted(set(sio.get_untrusted_types(data=blob)) - EXTRA_TRUSTED_TYPES)
    if untrusted:
        # Refuse to write what we would refuse to read.
        raise ValueError(f"pipeline contains types outside the trusted list: {', '.join(untrusted)}")
    meta = dict(metadata)
    meta.update(
        format_version=FORMAT_VERSION,
        model_file=MODEL_FILE,
        model_sha256=hashlib.sha256(blob).hexdigest(),
        model_bytes=len(blob),
        libraries=library_versions(),
    )
    # Model first, metadata second: an interrupted run leaves a hash mismatch, which load refuses.
    _atomic_write(out_dir / MODEL_FILE, blob)
    _atomic_write(out_dir / METADATA_FILE, (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return meta


def read_metadata(model_dir: Path) -> dict[str, Any]:
    """Read and sanity-check `metadata.json`; raise ModelLoadError (missing/corrupt) otherwise."""
    meta_path = model_dir / METADATA_FILE
    if not (model_dir / MODEL_FILE).is_file() or not meta_path.is_file():
        raise ModelLoadError(
            f"no model artifact in {model_dir} (need {MODEL_FILE} and {METADATA_FILE}); run `sitrep train`",
            "missing",
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{meta_path} is unreadable or not JSON ({exc}); run `sitrep train`", "corrupt") from None
    needed = ("format_version", "model_sha256", "labels", "libraries", "version")
    if not isinstance(meta, dict) or any(k not in meta for k in needed):
        raise ModelLoadError(f"{meta_path} lacks required keys {needed}; run `sitrep train`", "corrupt")
    return meta


def check_versions(meta: dict[str, Any], model_dir: Path) -> None:
    """Refuse an artifact from another format or scikit-learn version (pickled internals differ between them)."""
    if meta["format_version"] != FORMAT_VERSION:
        raise ModelLoadError(
            f"model in {model_dir} has artifact format {meta['format_version']}, this code reads {FORMAT_VERSION}; "
            "run `sitrep train` to rebuild it",
            "version",
        )
    trained_with = (meta.get("libraries") or {}).get("scikit-learn")
    if trained_with != sklearn.__version__:
        raise ModelLoadError(
            f"model in {model_dir} was trained with scikit-learn {trained_with}, but {sklearn.__version__} is "
            "installed; run `sitrep train` to retrain it with this version",
            "version",
        )


def load_artifact(model_dir: Path) -> tuple[Pipeline, dict[str, Any]]:
    """Load and verify the artifact in `model_dir`; raise ModelLoadError with a clear message on any problem."""
    meta = read_metadata(model_dir)
    check_versions(meta, model_dir)
    model_path = model_dir / MODEL_FILE
    blob = model_path.read_bytes()
    if hashlib.sha256(blob).hexdigest() != meta["model_sha256"]:
        raise ModelLoadError(
            f"{model_path} does not match the sha256 in {METADATA_FILE}: the file was modified after training "
            "(or a training run was interrupted); refusing to load it. Run `sitrep train` to rebuild it",
            "tampered",
        )
    try:
        untrusted = set(sio.get_untrusted_types(data=blob))
    except Exception as exc:  # skops raises many types on a malformed zip/schema
        message = f"{model_path} is not a readable skops file ({exc}); run `sitrep train`"
        raise ModelLoadError(message, "corrupt") from None
    unexpected = sorted(untrusted - EXTRA_TRUSTED_TYPES)
    if unexpected:
        raise ModelLoadError(
            f"{model_path} asks to load types outside the trusted list ({', '.join(unexpected)}); refusing",
            "untrusted",
        )
    try:
        pipeline = sio.loads(blob, trusted=sorted(untrusted))
    except Exception as exc:
        raise ModelLoadError(f"{model_path} could not be loaded ({exc}); run `sitrep train`", "corrupt") from None
    if not isinstance(pipeline, Pipeline) or tuple(pipeline.named_steps) != EXPECTED_STEPS:
        raise ModelLoadError(f"{model_path} does not hold the expected pipeline {EXPECTED_STEPS}", "corrupt")
    return pipeline, meta
