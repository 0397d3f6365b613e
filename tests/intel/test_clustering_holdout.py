"""The held-out clustering set: written blind, valid, and disjoint from the tuning and development sets.

No score assertion on purpose: this set exists to measure the matching rule honestly, not to be tuned for.
"""

import json
from collections import Counter
from datetime import timedelta

import pytest

from bot.intel.clustering_eval import DEV_SET, HOLDOUT_SET, TUNING_SET, load_items

FIELDS = {"id", "cluster", "kind", "title", "text", "published", "source"}


def raw(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def texts(rows):
    return {r["text"] for r in rows if r["text"]} | {r["title"] for r in rows}


def test_holdout_loads_and_has_the_schema():
    rows = raw(HOLDOUT_SET)
    for row in rows:
        assert set(row) == FIELDS, row["id"]
        assert row["kind"] in ("militia_attack", "us_strike"), row["id"]
        assert all(isinstance(row[f], str) for f in FIELDS) and row["title"].strip(), row["id"]
    items = load_items(HOLDOUT_SET)  # checks required fields and duplicate ids, parses timestamps
    assert len(items) == len(rows)
    assert all(item["published"].tzinfo is not None for item in items)


def test_holdout_size_and_unique_ids():
    rows = raw(HOLDOUT_SET)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert len(rows) >= 45
    sizes = Counter(row["cluster"] for row in rows)
    assert len(sizes) >= 16
    assert max(sizes.values()) <= 4
    assert sum(1 for n in sizes.values() if n >= 2) >= 12  # most incidents have several reports
    assert {row["kind"] for row in rows} == {"militia_attack", "us_strike"}
    assert len({row["published"][:4] for row in rows}) >= 5  # spread over several years


def test_holdout_reports_of_one_incident_are_close_in_time():
    by_cluster: dict[str, list] = {}
    for item in load_items(HOLDOUT_SET):
        by_cluster.setdefault(item["cluster"], []).append(item["published"])
    for cluster, times in by_cluster.items():
        assert max(times) - min(times) <= timedelta(days=2), cluster


@pytest.mark.parametrize("other", [TUNING_SET, DEV_SET], ids=lambda p: p.name)
def test_holdout_shares_no_incident_id_or_text_with(other):
    mine, theirs = raw(HOLDOUT_SET), raw(other)
    assert not {r["cluster"] for r in mine} & {r["cluster"] for r in theirs}
    assert not {r["id"] for r in mine} & {r["id"] for r in theirs}
    assert not texts(mine) & texts(theirs)
