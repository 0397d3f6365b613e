"""The artifact: round trip, and refusal of missing, corrupt, tampered, untrusted and version-mismatched files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile

import pytest
import skops.io as sio
from sklearn.pipeline import FunctionTransformer, Pipeline

from classifiers.artifact import METADATA_FILE, MODEL_FILE, ModelLoadError, load_artifact
from classifiers.corpus import LABELS
from classifiers.model import Classifier
from classifiers.pipeline import ModelParams
from classifiers.training import ensure_model

SAMPLE = ["Rockets hit Ain al-Asad air base", "US jets strike Kataib Hezbollah depot", "Markets close higher"]


@pytest.fixture
def artifact_copy(small_model_dir, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(small_model_dir, target)
    return target


def _rewrite_metadata(model_dir, **changes):
    meta = json.loads((model_dir / METADATA_FILE).read_text())
    for key, value in changes.items():
        meta[key] = value
    (model_dir / METADATA_FILE).write_text(json.dumps(meta))


def _reason(model_dir) -> tuple[str, str]:
    with pytest.raises(ModelLoadError) as err:
        Classifier.load(model_dir)
    return err.value.reason, str(err.value)


def test_round_trip_gives_the_same_predictions(small_model_dir):
    classifier, again = Classifier.load(small_model_dir), Classifier.load(small_model_dir)
    assert again.version == classifier.version
    first, second = classifier.predict(SAMPLE), again.predict(SAMPLE)
    assert first == second
    meta = again.metadata
    assert meta["labels"] == list(LABELS)
    assert meta["model_sha256"] == hashlib.sha256((small_model_dir / MODEL_FILE).read_bytes()).hexdigest()
    assert {"python", "scikit-learn", "skops", "numpy", "scipy"} <= set(meta["libraries"])
    assert len(meta["data_sha256"]) == 64 and meta["n_items"] > 100
    assert meta["version"].split("-")[0] == meta["created_at"][:10].replace("-", "")
    assert set(meta["params"]) >= {"C", "word_ngram", "char_ngram"}
    assert ModelParams.from_dict(meta["params"]).as_dict() == meta["params"]


def test_the_file_is_a_skops_zip_without_pickles(small_model_dir):
    with zipfile.ZipFile(small_model_dir / MODEL_FILE) as zf:
        names = zf.namelist()
    assert "schema.json" in names
    assert not [n for n in names if n.endswith((".pkl", ".pickle"))]


def test_missing_artifact(tmp_path):
    reason, message = _reason(tmp_path / "nothing-here")
    assert reason == "missing" and "sitrep train" in message


def test_tampered_model_is_refused(artifact_copy):
    path = artifact_copy / MODEL_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    reason, message = _reason(artifact_copy)
    assert reason == "tampered" and "sha256" in message


def test_corrupt_model_with_matching_hash_is_refused(artifact_copy):
    garbage = b"PK\x03\x04 this is not a skops archive"
    (artifact_copy / MODEL_FILE).write_bytes(garbage)
    _rewrite_metadata(artifact_copy, model_sha256=hashlib.sha256(garbage).hexdigest())
    reason, message = _reason(artifact_copy)
    assert reason == "corrupt" and "skops" in message


def test_corrupt_metadata_is_refused(artifact_copy):
    (artifact_copy / METADATA_FILE).write_text("{ not json")
    assert _reason(artifact_copy)[0] == "corrupt"
    (artifact_copy / METADATA_FILE).write_text(json.dumps({"labels": list(LABELS)}))
    assert _reason(artifact_copy)[0] == "corrupt"


def test_sklearn_version_mismatch_is_refused(artifact_copy):
    meta = json.loads((artifact_copy / METADATA_FILE).read_text())
    _rewrite_metadata(artifact_copy, libraries={**meta["libraries"], "scikit-learn": "0.24.2"})
    reason, message = _reason(artifact_copy)
    assert reason == "version"
    assert "0.24.2" in message and "retrain" in message


def test_format_version_mismatch_is_refused(artifact_copy):
    _rewrite_metadata(artifact_copy, format_version=99)
    assert _reason(artifact_copy)[0] == "version"


def test_untrusted_types_are_refused_even_with_a_matching_hash(artifact_copy):
    # A file that would call os.system at predict time: skops lists the function as untrusted; we must refuse.
    hostile = Pipeline([("features", FunctionTransformer(os.system)), ("clf", FunctionTransformer())])
    blob = sio.dumps(hostile)
    (artifact_copy / MODEL_FILE).write_bytes(blob)
    _rewrite_metadata(artifact_copy, model_sha256=hashlib.sha256(blob).hexdigest())
    reason, message = _reason(artifact_copy)
    assert reason == "untrusted" and "system" in message


def test_ensure_model_trains_when_missing_and_leaves_a_good_one_alone(small_corpus, tmp_path):
    target = tmp_path / "fresh"
    ensure_model(target, corpus_dir=small_corpus)
    first = Classifier.load(target)
    assert first.predict(["Rockets hit Ain al-Asad air base"])[0].scores
    mtime = (target / MODEL_FILE).stat().st_mtime_ns
    ensure_model(target, corpus_dir=small_corpus)
    assert (target / MODEL_FILE).stat().st_mtime_ns == mtime


def test_ensure_model_retrains_on_version_mismatch_but_not_on_tampering(artifact_copy, small_corpus):
    meta = json.loads((artifact_copy / METADATA_FILE).read_text())
    _rewrite_metadata(artifact_copy, libraries={**meta["libraries"], "scikit-learn": "0.24.2"})
    ensure_model(artifact_copy, corpus_dir=small_corpus)
    Classifier.load(artifact_copy)  # usable again
    path = artifact_copy / MODEL_FILE
    path.write_bytes(path.read_bytes()[:-10])
    ensure_model(artifact_copy, corpus_dir=small_corpus)
    assert _reason(artifact_copy)[0] == "tampered"  # left for an operator to look at


def test_load_artifact_checks_the_pipeline_shape(artifact_copy):
    blob = sio.dumps(Pipeline([("only", FunctionTransformer())]))
    (artifact_copy / MODEL_FILE).write_bytes(blob)
    _rewrite_metadata(artifact_copy, model_sha256=hashlib.sha256(blob).hexdigest())
    with pytest.raises(ModelLoadError, match="expected pipeline"):
        load_artifact(artifact_copy)
