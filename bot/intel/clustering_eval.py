"""Clustering evaluation: replay a labelled set through the deployed matching rule and score it pairwise.

Eight sets, by how they were used (`SETS`): the threshold and rules were tuned on `clustering.jsonl`; the
development sets `clustering_dev.jsonl` to `clustering_dev6.jsonl` were each written blind and scored once, and
then their failures were studied and the rules revised, so their scores are optimistic now;
`clustering_blind.jsonl` was written by two writers who saw neither the code nor any score, and was never used
for a decision: its score is the honest one.

Each JSONL item has `id, cluster, kind, title, text, published` (ISO time). Items are replayed in publication
order through `extract` and `matching.best_match`, exactly as `build_events` clusters live articles; then
every pair of items is scored: same predicted event vs same labelled cluster. A threshold sweep shows how
brittle the chosen threshold is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from rich.table import Table

from bot.intel.extract import extract
from bot.intel.gazetteer import Gazetteer
from bot.intel.matching import Candidate, Report, best_match, report_from
from bot.settings import CONFIG_DIR, EventSettings

DATA_DIR = Path(__file__).resolve().parents[2] / "classifiers" / "data"


@dataclass(frozen=True)
class LabelledSet:
    path: Path
    role: str  # tuning | development | blind
    history: str  # how it was used, for the report


SETS = (
    LabelledSet(DATA_DIR / "clustering.jsonl", "tuning", "the threshold and rules were tuned on it"),
    LabelledSet(DATA_DIR / "clustering_dev.jsonl", "development",
                "written blind, first scored F1 0.752; the rules were then revised on its failures"),
    LabelledSet(DATA_DIR / "clustering_dev2.jsonl", "development",
                "written blind, scored F1 0.884 (0.782 with an earlier rule); the rules were then revised on its "
                "failures"),
    LabelledSet(DATA_DIR / "clustering_dev3.jsonl", "development",
                "written blind by two writers who saw no code and no score, first scored F1 0.869; the rules were "
                "then revised on its failures"),
    LabelledSet(DATA_DIR / "clustering_dev4.jsonl", "development",
                "written blind by two new writers, first scored F1 0.929; the rules were then revised on its "
                "failures"),
    LabelledSet(DATA_DIR / "clustering_dev5.jsonl", "development",
                "written blind by two new writers, first scored F1 0.812; the rules were then revised on its "
                "failures"),
    LabelledSet(DATA_DIR / "clustering_dev6.jsonl", "development",
                "written blind by two new writers, first scored F1 0.858 (0.740 before four incidents both "
                "writers wrote were given one id); the rules were then revised on its failures"),
    LabelledSet(DATA_DIR / "clustering_blind.jsonl", "blind",
                "written by two writers who saw no code and no score; never used for a decision"),
)
SWEEP = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


@dataclass
class ClusteringReport:
    items: int
    clusters: int
    predicted_clusters: int
    threshold: float
    scores: PairScores
    sweep: dict[float, PairScores] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # ids of wrongly joined / split pairs, for debugging
    name: str = ""  # the set's file name, for the table title
    role: str = ""  # tuning | development | blind, when scored as one of SETS
    history: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items, "clusters": self.clusters, "predicted_clusters": self.predicted_clusters,
            "threshold": self.threshold, "precision": self.scores.precision, "recall": self.scores.recall,
            "f1": self.scores.f1, "true_pairs": self.scores.true_pairs,
            "predicted_pairs": self.scores.predicted_pairs, "correct_pairs": self.scores.correct_pairs,
            "sweep": {str(t): {"precision": s.precision, "recall": s.recall, "f1": s.f1}
                      for t, s in self.sweep.items()},
            "errors": self.errors, "set": self.name, "role": self.role, "history": self.history,
        }

    def as_table(self) -> Table:
        prefix = f"{self.name}{f' ({self.role})' if self.role else ''}: " if self.name else ""
        table = Table(title=f"Clustering, {prefix}{self.items} reports, {self.clusters} incidents "
                            f"({self.predicted_clusters} predicted)", caption=self.history or None)
        for col in ("threshold", "precision", "recall", "F1"):
            table.add_column(col, justify="right")
        for t, s in sorted({**self.sweep, self.threshold: self.scores}.items()):
            mark = " *" if t == self.threshold else ""
            table.add_row(f"{t:.2f}{mark}", f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}")
        return table


def load_items(path: Path) -> list[dict[str, Any]]:
    """Read and check the labelled set; a bad line raises ValueError naming it."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        missing = {"id", "cluster", "kind", "title", "text", "published"} - set(item)
        if missing:
            raise ValueError(f"{path}:{n}: missing {sorted(missing)}")
        if item["id"] in seen:
            raise ValueError(f"{path}:{n}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        item["published"] = datetime.fromisoformat(item["published"].replace("Z", "+00:00"))
        items.append(item)
    return items


def item_reports(items: list[dict[str, Any]], gazetteer: Gazetteer) -> dict[str, Report]:
    """Each item's matching features, as build_events derives them from an article."""
    out: dict[str, Report] = {}
    for item in items:
        ex = extract(item["title"], item["text"], item["published"], gazetteer, item["kind"])
        out[item["id"]] = report_from(item["kind"], item["title"], item["text"], ex, gazetteer, item["published"])
    return out


def cluster_items(items: list[dict[str, Any]], gazetteer: Gazetteer, settings: EventSettings,
                  threshold: float | None = None, reports: dict[str, Report] | None = None) -> dict[str, int]:
    """Predicted cluster index per item id, by the online rule build_events uses (`reports`: the items'
    features when already computed, so a threshold sweep extracts each item once)."""
    threshold = settings.similarity_threshold if threshold is None else threshold
    reports = item_reports(items, gazetteer) if reports is None else reports
    candidates: list[Candidate] = []
    assigned: dict[str, int] = {}
    for item in sorted(items, key=lambda i: (i["published"], i["id"])):
        report = reports[item["id"]]
        match = best_match(report, candidates, gazetteer, settings.window_hours, threshold)
        if match is None:
            candidates.append(Candidate.start(len(candidates), report))
            assigned[item["id"]] = len(candidates) - 1
        else:
            candidates[match[0]].absorb(report)
            assigned[item["id"]] = match[0]
    return assigned


def pair_scores(items: list[dict[str, Any]], predicted: dict[str, int]) -> tuple[PairScores, list[str]]:
    """Pairwise precision/recall/F1 of a predicted clustering against the labels."""
    true_pairs = predicted_pairs = correct = 0
    errors = []
    for a, b in combinations(sorted(items, key=lambda i: i["id"]), 2):
        same_true = a["cluster"] == b["cluster"]
        same_pred = predicted[a["id"]] == predicted[b["id"]]
        true_pairs += same_true
        predicted_pairs += same_pred
        correct += same_true and same_pred
        if same_true != same_pred:
            errors.append(f"{'split' if same_true else 'joined'}: {a['id']} / {b['id']}")
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, true_pairs, predicted_pairs, correct), errors


def evaluate_clustering(path: Path, settings: Any, gazetteer: Gazetteer | None = None) -> ClusteringReport:
    """Score the deployed clustering rule on the labelled set at `path`.

    `settings` is the full `Settings` or just its `EventSettings`; the gazetteer defaults to the
    configured one.
    """
    events: EventSettings = getattr(settings, "events", settings)
    if gazetteer is None:
        gazetteer = Gazetteer.load(getattr(settings, "gazetteer_file", CONFIG_DIR / "gazetteer.toml"))
    items = load_items(Path(path))
    reports = item_reports(items, gazetteer)
    predicted = cluster_items(items, gazetteer, events, reports=reports)
    scores, errors = pair_scores(items, predicted)
    sweep = {t: pair_scores(items, cluster_items(items, gazetteer, events, t, reports))[0] for t in SWEEP}
    return ClusteringReport(len(items), len({i["cluster"] for i in items}), len(set(predicted.values())),
                            events.similarity_threshold, scores, sweep, errors, Path(path).name)


def evaluate_sets(settings: Any, gazetteer: Gazetteer | None = None) -> list[ClusteringReport]:
    """Score every labelled set in SETS, each report marked with its set's role and history."""
    reports = []
    for labelled in SETS:
        report = evaluate_clustering(labelled.path, settings, gazetteer)
        report.role, report.history = labelled.role, labelled.history
        reports.append(report)
    return reports
