"""The evaluation report: internal consistency and the grouped split it relies on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from classifiers.corpus import LABELS, load_corpus
from classifiers.cv import decide
from classifiers.evaluation import evaluate


@pytest.fixture(scope="module")
def report(small_corpus):
    return evaluate(small_corpus, folds=3)


def test_counts_add_up(report, small_corpus):
    items = load_corpus(small_corpus)
    assert np.array(report.overall.confusion).sum() == len(items) == report.overall.n
    assert sum(b.n for b in report.by_form.values()) == len(items)
    summed = sum(np.array(b.confusion) for b in report.by_form.values())
    assert summed.tolist() == report.overall.confusion
    for i, label in enumerate(LABELS):
        assert report.overall.per_class[label]["support"] == sum(report.overall.confusion[i])
    assert len(report.errors) == len(items) - np.trace(np.array(report.overall.confusion))


def test_false_alarms_match_the_confusion_matrix(report):
    other_row = report.overall.confusion[LABELS.index("other")]
    alarms = report.false_alarms["all_other"]
    assert alarms["n"] == sum(other_row)
    assert alarms["false_alarms"] == other_row[0] + other_row[1]
    assert report.false_alarms["hard_negatives"]["n"] <= alarms["n"]


def test_renderings(report):
    table = report.as_table()
    for label in LABELS:
        assert label in table
    assert "| headline |" in table and "false alarms on" in table
    as_dict = json.loads(json.dumps(report.as_dict()))
    assert as_dict["overall"]["macro_f1"] == pytest.approx(report.overall.macro_f1)
    for target in as_dict["targets"].values():
        assert target["met"] == (
            target["measured"] <= target["target"] if target["target"] < 0.5 else target["measured"] >= target["target"]
        )


def test_decide_applies_the_abstain_rule():
    proba = np.array([[0.5, 0.3, 0.2], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [0.1, 0.54, 0.36]])
    assert decide(proba, 0.55).tolist() == [2, 0, 2, 2]
    assert decide(proba, 0.0).tolist() == [0, 0, 2, 1]


def test_too_many_folds_is_a_clear_error(small_corpus):
    with pytest.raises(ValueError, match="number of incidents"):
        evaluate(small_corpus, folds=10_000)
