"""An upgraded image's model replaces the one on the models volume; the same image keeps a retrained model."""

from __future__ import annotations

import json
import shutil

from bot.service.builtin_model import install_builtin_model, marker_path
from classifiers.artifact import read_metadata


def image_model(src, dest, version: str):
    shutil.copytree(src, dest)
    meta = json.loads((dest / "metadata.json").read_text())
    meta["version"] = version
    (dest / "metadata.json").write_text(json.dumps(meta))
    return dest


def test_a_new_image_model_replaces_the_volume_model_and_the_same_image_keeps_a_retrained_one(
        tmp_path, shared_model_dir):
    volume = tmp_path / "models"
    current = volume / "current"
    old_image = image_model(shared_model_dir, tmp_path / "image-1", "image-1")
    assert install_builtin_model(old_image, current)  # an empty volume gets the image's model
    assert read_metadata(current)["version"] == "image-1"
    assert marker_path(current).read_text().strip() == "image-1"
    assert not install_builtin_model(old_image, current)  # a restart changes nothing

    shutil.rmtree(current)  # retraining swapped in its own model meanwhile
    image_model(shared_model_dir, current, "retrained-here")
    assert not install_builtin_model(old_image, current)  # same image: the retrained model stays
    assert read_metadata(current)["version"] == "retrained-here"

    new_image = image_model(shared_model_dir, tmp_path / "image-2", "image-2")
    assert install_builtin_model(new_image, current)  # the upgraded image brings its model
    assert read_metadata(current)["version"] == "image-2"
    assert read_metadata(volume / "current.previous")["version"] == "retrained-here"  # kept for a rollback
    assert not install_builtin_model(new_image, current)


def test_a_broken_image_model_is_not_installed(tmp_path):
    (tmp_path / "image").mkdir()
    assert not install_builtin_model(tmp_path / "image", tmp_path / "models" / "current")
    assert not (tmp_path / "models" / "current").exists()


def test_the_image_sets_the_builtin_path():
    from pathlib import Path

    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text()
    assert "SITREP_MODEL__BUILTIN_PATH=/app/model-builtin" in dockerfile
    assert "/app/models/current.builtin-version" in dockerfile  # a fresh volume starts with the marker
