"""The held-out clustering set: valid, disjoint from the tuning set, and scored by `evaluate --clustering`.

No score threshold here on purpose: the held-out number is reported (docs/model.md), not tuned for.
"""

import json

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.intel.clustering_eval import HOLDOUT_SET, TUNING_SET, evaluate_clustering, load_items
from bot.settings import EventSettings

FIELDS = {"id", "cluster", "kind", "title", "text", "published", "source"}


def raw(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_holdout_schema_and_size():
    rows = raw(HOLDOUT_SET)
    assert len(rows) >= 40
    for row in rows:
        assert set(row) == FIELDS, row["id"]
        assert row["kind"] in ("militia_attack", "us_strike")
        assert all(isinstance(row[f], str) for f in FIELDS) and row["title"].strip()
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert len({row["cluster"] for row in rows}) >= 15
    items = load_items(HOLDOUT_SET)  # parses every timestamp
    assert all(item["published"].tzinfo is not None for item in items)


def test_holdout_shares_no_incident_or_id_with_the_tuning_set():
    tuning, holdout = raw(TUNING_SET), raw(HOLDOUT_SET)
    assert not {r["cluster"] for r in tuning} & {r["cluster"] for r in holdout}
    assert not {r["id"] for r in tuning} & {r["id"] for r in holdout}
    tuning_texts = {r["text"] for r in tuning if r["text"]} | {r["title"] for r in tuning}
    assert not tuning_texts & ({r["text"] for r in holdout if r["text"]} | {r["title"] for r in holdout})


def test_load_items_rejects_duplicate_ids(tmp_path):
    line = json.dumps({"id": "x", "cluster": "c", "kind": "us_strike", "title": "t", "text": "",
                       "published": "2024-01-01T00:00:00Z"})
    path = tmp_path / "dup.jsonl"
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate id"):
        load_items(path)


def test_evaluation_runs_on_the_holdout(gz):
    report = evaluate_clustering(HOLDOUT_SET, EventSettings(), gz)
    assert report.items == len(raw(HOLDOUT_SET)) and report.clusters >= 15
    assert 0.0 <= report.scores.precision <= 1.0 and 0.0 <= report.scores.recall <= 1.0
    assert report.scores.true_pairs > 0


def test_cli_reports_tuning_and_holdout():
    result = CliRunner().invoke(app, ["evaluate", "--clustering", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["set"] == TUNING_SET.name
    assert report["holdout"]["set"] == HOLDOUT_SET.name and report["holdout"]["items"] >= 40


def test_cli_clustering_set_scores_one_file():
    result = CliRunner().invoke(app, ["evaluate", "--clustering", "--clustering-set", str(HOLDOUT_SET), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["set"] == HOLDOUT_SET.name and "holdout" not in report
