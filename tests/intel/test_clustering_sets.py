"""The labelled clustering sets: valid, disjoint from each other, and scored by `evaluate --clustering` with their
roles. No score assertion on the development and blind sets on purpose: they measure the matching rule, they
are not targets to tune for (docs/model.md has the scores). The tuning set is held at the target in
test_clustering_cli.py.
"""

import json
from collections import Counter
from datetime import timedelta
from itertools import combinations

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.intel.clustering_eval import SETS, evaluate_clustering, load_items
from bot.settings import EventSettings

FIELDS = {"id", "cluster", "kind", "title", "text", "published", "source"}
PATHS = [s.path for s in SETS]


def raw(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def texts(rows):
    return {r["text"] for r in rows if r["text"]} | {r["title"] for r in rows}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_set_has_the_schema(path):
    rows = raw(path)
    for row in rows:
        assert set(row) == FIELDS, row["id"]
        assert row["kind"] in ("militia_attack", "us_strike"), row["id"]
        assert all(isinstance(row[f], str) for f in FIELDS) and row["title"].strip(), row["id"]
    items = load_items(path)  # checks required fields and duplicate ids, parses timestamps
    assert len(items) == len(rows)
    assert all(item["published"].tzinfo is not None for item in items)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_set_is_big_enough_and_mostly_multi_report(path):
    rows = raw(path)
    sizes = Counter(row["cluster"] for row in rows)
    assert len(rows) >= 40 and len(sizes) >= 15
    assert sum(1 for n in sizes.values() if n >= 2) >= len(sizes) * 2 // 3  # most incidents have several reports
    assert {row["kind"] for row in rows} == {"militia_attack", "us_strike"}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_reports_of_one_incident_are_close_in_time(path):
    by_cluster: dict[str, list] = {}
    for item in load_items(path):
        by_cluster.setdefault(item["cluster"], []).append(item["published"])
    for cluster, times in by_cluster.items():
        assert max(times) - min(times) <= timedelta(days=3), cluster


@pytest.mark.parametrize(("a", "b"), list(combinations(PATHS, 2)), ids=lambda p: p.stem)
def test_sets_share_no_incident_id_or_text(a, b):
    mine, theirs = raw(a), raw(b)
    assert not {r["cluster"] for r in mine} & {r["cluster"] for r in theirs}
    assert not {r["id"] for r in mine} & {r["id"] for r in theirs}
    assert not texts(mine) & texts(theirs)


def test_load_items_rejects_duplicate_ids(tmp_path):
    line = json.dumps({"id": "x", "cluster": "c", "kind": "us_strike", "title": "t", "text": "",
                       "published": "2024-01-01T00:00:00Z"})
    path = tmp_path / "dup.jsonl"
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate id"):
        load_items(path)


def test_evaluation_scores_pairs(gz):
    report = evaluate_clustering(SETS[1].path, EventSettings(), gz)
    assert report.items == len(raw(SETS[1].path)) and report.clusters >= 15
    assert 0.0 <= report.scores.precision <= 1.0 and 0.0 <= report.scores.recall <= 1.0
    assert report.scores.true_pairs > 0


@pytest.mark.timeout(600)  # every set through the CLI: about a minute of CPU, several on a loaded machine
def test_cli_reports_every_set_with_its_role():
    result = CliRunner().invoke(app, ["evaluate", "--clustering", "--json"])
    assert result.exit_code == 0, result.output
    sets = json.loads(result.output)["sets"]
    assert [s["set"] for s in sets] == [p.name for p in PATHS]
    assert [s["role"] for s in sets] == ["tuning", *["development"] * (len(sets) - 2), "blind"]
    assert all(s["history"] and s["items"] >= 40 for s in sets)


def test_cli_clustering_set_scores_one_file():
    path = SETS[2].path
    result = CliRunner().invoke(app, ["evaluate", "--clustering", "--clustering-set", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["set"] == path.name and report["items"] == len(raw(path)) and "sets" not in report
