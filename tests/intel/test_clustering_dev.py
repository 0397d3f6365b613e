"""The development clustering set (written as a held-out set, then studied and used to revise the rules): valid,
disjoint from the tuning set, and scored by `evaluate --clustering`. No score threshold here: see docs/model.md.
"""

import json

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.intel.clustering_eval import DEV_SET, HOLDOUT_SET, TUNING_SET, evaluate_clustering, load_items
from bot.settings import EventSettings

FIELDS = {"id", "cluster", "kind", "title", "text", "published", "source"}


def raw(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_dev_schema_and_size():
    rows = raw(DEV_SET)
    assert len(rows) >= 40
    for row in rows:
        assert set(row) == FIELDS, row["id"]
        assert row["kind"] in ("militia_attack", "us_strike")
        assert all(isinstance(row[f], str) for f in FIELDS) and row["title"].strip()
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert len({row["cluster"] for row in rows}) >= 15
    items = load_items(DEV_SET)  # parses every timestamp
    assert all(item["published"].tzinfo is not None for item in items)


def test_dev_shares_no_incident_or_id_with_the_tuning_set():
    tuning, dev = raw(TUNING_SET), raw(DEV_SET)
    assert not {r["cluster"] for r in tuning} & {r["cluster"] for r in dev}
    assert not {r["id"] for r in tuning} & {r["id"] for r in dev}
    tuning_texts = {r["text"] for r in tuning if r["text"]} | {r["title"] for r in tuning}
    assert not tuning_texts & ({r["text"] for r in dev if r["text"]} | {r["title"] for r in dev})


def test_load_items_rejects_duplicate_ids(tmp_path):
    line = json.dumps({"id": "x", "cluster": "c", "kind": "us_strike", "title": "t", "text": "",
                       "published": "2024-01-01T00:00:00Z"})
    path = tmp_path / "dup.jsonl"
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate id"):
        load_items(path)


def test_evaluation_runs_on_the_dev_set(gz):
    report = evaluate_clustering(DEV_SET, EventSettings(), gz)
    assert report.items == len(raw(DEV_SET)) and report.clusters >= 15
    assert 0.0 <= report.scores.precision <= 1.0 and 0.0 <= report.scores.recall <= 1.0
    assert report.scores.true_pairs > 0


def test_cli_reports_tuning_development_and_holdout():
    result = CliRunner().invoke(app, ["evaluate", "--clustering", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["set"] == TUNING_SET.name
    assert report["development"]["set"] == DEV_SET.name and report["development"]["items"] >= 40
    assert report["holdout"]["set"] == HOLDOUT_SET.name and report["holdout"]["items"] >= 45


def test_cli_clustering_set_scores_one_file():
    result = CliRunner().invoke(app, ["evaluate", "--clustering", "--clustering-set", str(DEV_SET), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["set"] == DEV_SET.name and "holdout" not in report and "development" not in report
