"""The corpus itself: schema, size and balance, forms, duplicates, incident keys, and grouped splits."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict

import pytest

from classifiers.corpus import (
    DEFAULT_CORPUS_DIR,
    FORMS,
    LABELS,
    CorpusError,
    corpus_files,
    correction_items,
    data_hash,
    load_corpus,
)
from classifiers.cv import grouped_splits
from classifiers.evaluation import is_hard_negative


@pytest.fixture(scope="module")
def items():
    return load_corpus(DEFAULT_CORPUS_DIR)


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def test_every_line_has_the_schema():
    for path in corpus_files(DEFAULT_CORPUS_DIR):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            row = json.loads(line)
            assert set(row) == {"id", "label", "form", "style", "incident", "date", "title", "text"}, (path, lineno)
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["date"]), (path.name, lineno, row["date"])


def test_size_and_label_balance(items):
    counts = Counter(i.label for i in items)
    assert len(items) >= 1500
    assert counts["militia_attack"] >= 400
    assert counts["us_strike"] >= 400
    assert counts["other"] >= 600
    # No class may dwarf another: the largest is at most twice the smallest.
    assert max(counts.values()) <= 2 * min(counts.values())


def test_every_class_has_every_form(items):
    cells = Counter((i.label, i.form) for i in items)
    for label in LABELS:
        for form in FORMS:
            assert cells[(label, form)] >= 50, (label, form, cells[(label, form)])


def test_most_negatives_are_hard(items):
    other = [i for i in items if i.label == "other"]
    assert sum(is_hard_negative(i) for i in other) / len(other) > 0.5


def test_no_duplicate_titles_or_texts(items):
    titles = Counter(_norm(i.title) for i in items)
    texts = Counter(_norm(i.text) for i in items if i.text)
    assert [t for t, n in titles.items() if n > 1] == []
    assert [t for t, n in texts.items() if n > 1] == []


def test_no_incident_key_shared_across_labels(items):
    labels_of = defaultdict(set)
    for i in items:
        labels_of[i.incident].add(i.label)
    assert {k: v for k, v in labels_of.items() if len(v) > 1} == {}


def test_grouped_split_never_leaks_an_incident_or_a_text(items):
    for train_idx, test_idx in grouped_splits(items, folds=5):
        train_incidents = {items[n].incident for n in train_idx}
        test_incidents = {items[n].incident for n in test_idx}
        assert train_incidents.isdisjoint(test_incidents)
        train_titles = {_norm(items[n].title) for n in train_idx}
        assert all(_norm(items[n].title) not in train_titles for n in test_idx)
        # Stratification keeps every label in every test fold.
        assert {items[n].label for n in test_idx} == set(LABELS)


def test_bad_lines_are_refused_with_file_and_line(tmp_path):
    good = {"id": "x1", "label": "other", "form": "headline", "style": "wire", "incident": "i1",
            "date": "2024-01-01", "title": "Markets steady", "text": ""}
    cases = {
        "not json": "{oops",
        "unknown label 'attack'": json.dumps({**good, "label": "attack"}),
        "missing field(s) incident": json.dumps({k: v for k, v in good.items() if k != "incident"}),
        "does not match the text": json.dumps({**good, "text": "A headline item with a body."}),
    }
    for expected, line in cases.items():
        (tmp_path / "c.jsonl").write_text(json.dumps(good) + "\n" + line + "\n")
        with pytest.raises(CorpusError) as err:
            load_corpus(tmp_path)
        assert "c.jsonl:2" in str(err.value)
        if expected != "not json":
            assert expected in str(err.value)
    (tmp_path / "c.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    with pytest.raises(CorpusError, match="duplicate id"):
        load_corpus(tmp_path)


def test_corrections_become_weighted_items_and_change_the_hash(items):
    extra = correction_items(
        [
            {"id": 7, "title": "Rockets hit Victory base", "text": "", "label": "militia_attack"},
            {"id": "correction-8", "title": "Strike ends", "text": "Workers return.", "label": "other"},
        ]
    )
    got = [(e.id, e.form, e.weight) for e in extra]
    assert got == [("correction-7", "headline", 2.0), ("correction-8", "rss", 2.0)]
    assert data_hash(items) != data_hash([*items, *extra])
    assert data_hash(items) == data_hash(list(reversed(items)))
    with pytest.raises(CorpusError, match="unknown label"):
        correction_items([{"title": "x", "text": "", "label": "bogus"}])
