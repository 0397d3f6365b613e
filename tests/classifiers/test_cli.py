"""`sitrep train`, `evaluate` and `classify` through typer's CliRunner, against real files and a real SQLite store."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.storage.db import create_engine, session_factory
from bot.storage.models import LabelCorrection
from classifiers.model import Classifier

runner = CliRunner()


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Settings pointing at a throwaway database and model directory."""
    monkeypatch.setenv("SITREP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    monkeypatch.setenv("SITREP_MODEL__PATH", str(tmp_path / "default-model"))
    return tmp_path


def test_train_to_a_directory_then_classify(env, small_corpus):
    out = env / "m"
    result = runner.invoke(app, ["train", "--corpus", str(small_corpus), "--out", str(out), "--no-corrections"])
    assert result.exit_code == 0, result.output
    assert "written to" in result.output
    version = Classifier.load(out).version
    assert version in result.output

    result = runner.invoke(app, ["classify", "--model", str(out), "US jets strike Kataib Hezbollah depot near al-Qaim"])
    assert result.exit_code == 0, result.output
    assert result.output.split()[0] == "us_strike"
    assert "probabilities" in result.output and "terms that pushed it" in result.output


async def _add_correction(url: str, title: str, label: str) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            session.add(LabelCorrection(title=title, text="", predicted="other", label=label, user_id=1,
                                        user_name="analyst", created_at=datetime.now(UTC)))
    finally:
        await engine.dispose()


def test_train_reads_label_corrections_from_the_store(monkeypatch, tmp_path, sqlite_url, small_corpus):
    asyncio.run(_add_correction(sqlite_url, "Projectile lands near Victory base perimeter", "militia_attack"))
    asyncio.run(_add_correction(sqlite_url, "Projectile lands near Victory base perimeter", "militia_attack"))
    monkeypatch.setenv("SITREP_DATABASE_URL", sqlite_url)
    out = tmp_path / "with-corrections"
    result = runner.invoke(app, ["train", "--corpus", str(small_corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # Two votes on one text are merged into one training item.
    assert Classifier.load(out).metadata["n_corrections"] == 1
    assert "(1 corrections)" in result.output


def test_classify_jsonl_reports_bad_lines_and_keeps_going(small_model_dir, tmp_path):
    lines = [
        json.dumps({"id": 1, "title": "Rockets hit Ain al-Asad air base", "text": ""}),
        "{not json",
        json.dumps({"id": "b", "title": "", "text": ""}),
        "",
        json.dumps({"id": "c", "title": "Markets close higher", "text": "Stocks rose in Tokyo."}),
        json.dumps(["a", "list"]),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["classify", "--model", str(small_model_dir), "--jsonl", str(src)])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "c"]
    assert all(set(o) == {"id", "label", "scores"} and abs(sum(o["scores"].values()) - 1) < 1e-3 for o in out)
    errors = result.stderr.splitlines()
    assert errors[0].startswith("line 2: invalid JSON")
    assert errors[1] == "line 3: both title and text are empty"
    assert errors[2].startswith("line 6: expected a JSON object")


def test_classify_jsonl_from_stdin(small_model_dir):
    data = json.dumps({"id": "x", "title": "US strikes militia sites in Syria", "text": ""}) + "\n"
    result = runner.invoke(app, ["classify", "--model", str(small_model_dir), "--jsonl", "-"], input=data)
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == "x" and row["label"] in row["scores"]


def test_classify_usage_errors(env, small_model_dir):
    result = runner.invoke(app, ["classify", "--model", str(small_model_dir)])
    assert result.exit_code == 2 and "either a text or --jsonl" in result.stderr
    result = runner.invoke(app, ["classify", "--model", str(env / "missing"), "text"])
    assert result.exit_code == 2 and "sitrep train" in result.stderr


def test_evaluate_json(small_corpus):
    args = ["evaluate", "--json", "--folds", "3", "--corpus", str(small_corpus), "--threshold", "0.7"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["folds"] == 3 and report["threshold"] == 0.7
    assert set(report["by_form"]) == {"headline", "rss", "full"}
    assert set(report["targets"]) == {"full_macro_f1", "headline_macro_f1", "hard_negative_false_alarm_rate"}


def test_evaluate_table(small_corpus):
    result = runner.invoke(app, ["evaluate", "--folds", "2", "--corpus", str(small_corpus)])
    assert result.exit_code == 0, result.output
    for text in ("precision", "macro", "confusion", "headline", "false alarms"):
        assert text in result.output
