"""Grouped cross-validation of the model as the bot runs it (abstain rule included), with the issue-3 targets."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from classifiers.corpus import DEFAULT_CORPUS_DIR, FORMS, LABELS, RSS_CHARS, Item, article_text, load_corpus
from classifiers.cv import OTHER_INDEX, cross_val_proba, decide
from classifiers.pipeline import ModelParams, label_array

# An `other` item is a hard negative when it shares the positives' vocabulary (violence, the region, the actors):
# those are the items a keyword filter would flag. Plain world news without any of these words is not.
HARD_NEGATIVE = re.compile(
    r"\b(strik\w*|struck|attack\w*|rockets?|drones?|missiles?|militia\w*|raids?|bomb\w*|mortars?|airstrikes?|"
    r"troops|bases?|iraq\w*|syria\w*|iran\w*|houthis?|hezbollah|isis|islamic state|kataib|pentagon|centcom|"
    r"launch\w*|killed|explosions?)\b",
    re.IGNORECASE,
)
OTHER = "other"
TARGETS = {"full_macro_f1": 0.93, "headline_macro_f1": 0.88, "hard_negative_false_alarm_rate": 0.02}


def is_hard_negative(item: Item) -> bool:
    return item.label == "other" and bool(HARD_NEGATIVE.search(f"{item.title} {item.text}"))


def summary_scores(items: Sequence[Item], proba: np.ndarray, threshold: float) -> dict[str, float]:
    """Macro-F1 overall and per form, and the false-alarm rate on hard negatives, after the abstain rule."""
    y = label_array(items)
    pred = decide(proba, threshold)
    forms = np.array([i.form for i in items])
    out = {"all": float(f1_score(y, pred, average="macro"))}
    for form in FORMS:
        mask = forms == form
        out[form] = float(f1_score(y[mask], pred[mask], average="macro")) if mask.any() else 0.0
    hard = np.array([is_hard_negative(i) for i in items])
    out["false_alarms"] = float((pred[hard] != OTHER_INDEX).mean()) if hard.any() else 0.0
    return out


@dataclass
class Block:
    """Metrics for one slice of the corpus."""

    n: int
    per_class: dict[str, dict[str, float]]
    macro_f1: float
    accuracy: float
    confusion: list[list[int]]

    @classmethod
    def compute(cls, y: np.ndarray, pred: np.ndarray) -> Block:
        labels = list(range(len(LABELS)))
        p, r, f, s = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
        per_class = {
            LABELS[i]: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i in labels
        }
        # Macro over the labels present in the slice, so a slice without a class is not scored 0 for it.
        present = sorted(set(y.tolist()))
        macro = float(f1_score(y, pred, labels=present, average="macro", zero_division=0)) if len(y) else 0.0
        return cls(
            n=len(y),
            per_class=per_class,
            macro_f1=macro,
            accuracy=float((y == pred).mean()) if len(y) else 0.0,
            confusion=confusion_matrix(y, pred, labels=labels).tolist(),
        )


@dataclass
class EvaluationReport:
    """What `evaluate` measured; `as_table()` for people, `as_dict()` for machines."""

    folds: int
    threshold: float
    params: dict[str, Any]
    overall: Block
    by_form: dict[str, Block]
    false_alarms: dict[str, dict[str, float]]
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def targets(self) -> dict[str, dict[str, Any]]:
        measured = {
            "full_macro_f1": self.by_form["full"].macro_f1 if "full" in self.by_form else 0.0,
            "headline_macro_f1": self.by_form["headline"].macro_f1 if "headline" in self.by_form else 0.0,
            "hard_negative_false_alarm_rate": self.false_alarms["hard_negatives"]["rate"],
        }
        out = {}
        for name, target in TARGETS.items():
            value = measured[name]
            met = value <= target if name.endswith("rate") else value >= target
            out[name] = {"target": target, "measured": round(value, 4), "met": met}
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "labels": list(LABELS),
            "folds": self.folds,
            "threshold": self.threshold,
            "params": self.params,
            "overall": self.overall.__dict__,
            "by_form": {k: v.__dict__ for k, v in self.by_form.items()},
            "false_alarms": self.false_alarms,
            "targets": self.targets,
            "errors": self.errors,
        }

    def as_table(self) -> str:
        from classifiers.report import render_markdown

        return render_markdown(self)


def _false_alarms(items: Sequence[Item], pred: np.ndarray) -> dict[str, dict[str, float]]:
    """Share of `other` items the model turned into an alarm (either positive label)."""
    out = {}
    groups = {
        "hard_negatives": [n for n, i in enumerate(items) if is_hard_negative(i)],
        "all_other": [n for n, i in enumerate(items) if i.label == "other"],
    }
    for name, idx in groups.items():
        alarms = int((pred[idx] != OTHER_INDEX).sum()) if idx else 0
        out[name] = {"n": len(idx), "false_alarms": alarms, "rate": alarms / len(idx) if idx else 0.0}
    return out


def evaluate(
    corpus_dir: Path = DEFAULT_CORPUS_DIR,
    folds: int = 5,
    params: ModelParams | None = None,
    threshold: float = 0.55,
    seed: int = 0,
) -> EvaluationReport:
    """Grouped k-fold CV (no incident on both sides) of the pipeline with `params`, scored after the abstain rule."""
    items = load_corpus(Path(corpus_dir))
    params = params or ModelParams()
    (proba,) = cross_val_proba(items, [params], folds, seed)
    y = label_array(items)
    pred = decide(proba, threshold)
    forms = np.array([i.form for i in items])
    by_form = {form: Block.compute(y[forms == form], pred[forms == form]) for form in FORMS if (forms == form).any()}
    errors = [
        {
            "id": items[n].id,
            "form": items[n].form,
            "label": items[n].label,
            "predicted": LABELS[int(pred[n])],
            "scores": {label: round(float(p), 3) for label, p in zip(LABELS, proba[n], strict=True)},
            "title": items[n].title,
        }
        for n in np.flatnonzero(pred != y)
    ]
    return EvaluationReport(
        folds=folds,
        threshold=threshold,
        params=params.as_dict(),
        overall=Block.compute(y, pred),
        by_form=by_form,
        false_alarms=_false_alarms(items, pred),
        errors=errors,
    )


# --- real text ---------------------------------------------------------------------------------------------------

# The three forms a real page reaches the bot in: a bare headline (aggregators, flashes), an RSS item (the
# headline plus the start of the summary) and the full page text.
REAL_FORMS: tuple[str, ...] = ("headline", "rss", "full")
# Items kept out of the headline scores: Iranian *state* attacks on US bases are `other` by a convention the
# real set marks as contested; they are reported apart.
SET_APART_TAG = "iran_direct"
REAL_TARGETS = {"headline": 0.90, "rss": 0.92, "full": 0.93, "false_alarm_rate": 0.03}
_DATE_STAMP = re.compile(r"^\s*date \d{4}-\d{2}-\d{2}\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


class Predictor(Protocol):
    def predict(self, texts: Sequence[str]) -> Sequence[Any]: ...


@dataclass(frozen=True)
class RealItem:
    """One labelled excerpt of a real page (the real_dev.jsonl format: id, title, text, label, tags)."""

    id: str
    label: str
    title: str
    text: str
    tags: tuple[str, ...]


def load_real(path: Path) -> list[RealItem]:
    """Read a real-text file; raise ValueError naming the line when a record is unusable."""
    items = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            item = RealItem(str(raw["id"]), raw["label"], raw.get("title") or "", raw.get("text") or "",
                            tuple(raw.get("tags") or ()))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{lineno}: not a real-text record ({exc})") from None
        if item.label not in LABELS:
            raise ValueError(f"{path}:{lineno}: unknown label {item.label!r}")
        items.append(item)
    return items


def _body(item: RealItem) -> str:
    """The page text after the headline: a page usually opens with its headline, which the title already gives."""
    text = item.text.strip()
    if item.title and text.startswith(item.title):
        text = text[len(item.title):].strip()
    return text


def _headline(item: RealItem) -> str:
    """The title, or for an excerpt without a visible headline its first sentence (what a flash would say)."""
    if item.title.strip():
        return item.title
    text = _DATE_STAMP.sub("", item.text)
    end = _SENTENCE_END.search(text[:RSS_CHARS])
    return (text[: end.start()] if end else text[:200]).strip()


def real_inputs(item: RealItem) -> dict[str, str]:
    """The item as the bot would receive it in each form, built with the same `article_text` as feed items."""
    body = _body(item)
    return {
        "headline": article_text(_headline(item), ""),
        "rss": article_text(item.title, body[:RSS_CHARS]),
        "full": article_text(item.title, body),
    }


@dataclass
class RealReport:
    """Scores of a model on one real-text file, per form; `iran_direct` items are scored apart."""

    path: str
    model_version: str
    threshold: float
    n: int
    n_apart: int
    by_form: dict[str, Block]
    false_alarms_by_tag: dict[str, dict[str, dict[str, int]]]
    apart: dict[str, dict[str, int]]
    errors: list[dict[str, Any]]

    def false_alarm_rate(self, form: str) -> float:
        other = self.by_form[form].confusion[OTHER_INDEX]
        return (sum(other) - other[OTHER_INDEX]) / sum(other) if sum(other) else 0.0

    @property
    def targets(self) -> dict[str, dict[str, Any]]:
        out = {}
        for form in REAL_FORMS:
            value = self.by_form[form].macro_f1
            out[f"{form}_macro_f1"] = {"target": REAL_TARGETS[form], "measured": round(value, 4),
                                       "met": value >= REAL_TARGETS[form]}
        worst = max(self.false_alarm_rate(form) for form in REAL_FORMS)
        out["false_alarm_rate_worst_form"] = {"target": REAL_TARGETS["false_alarm_rate"], "measured": round(worst, 4),
                                              "met": worst <= REAL_TARGETS["false_alarm_rate"]}
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "model_version": self.model_version,
            "threshold": self.threshold,
            "n": self.n,
            "n_apart": self.n_apart,
            "by_form": {k: v.__dict__ for k, v in self.by_form.items()},
            "false_alarm_rate": {form: round(self.false_alarm_rate(form), 4) for form in REAL_FORMS},
            "false_alarms_by_tag": self.false_alarms_by_tag,
            "set_apart": {"tag": SET_APART_TAG, "predicted": self.apart},
            "targets": self.targets,
            "errors": self.errors,
        }

    def as_table(self) -> str:
        from classifiers.report import render_real_markdown

        return render_real_markdown(self)


def _false_alarms_by_tag(items: Sequence[RealItem], preds: dict[str, list[str]]) -> dict[str, dict[str, dict]]:
    """For every tag on an `other` item: how many such items, and how many became alarms in each form."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for n, item in enumerate(items):
        if item.label != OTHER:
            continue
        for tag in item.tags:
            row = out.setdefault(tag, {form: {"n": 0, "alarms": 0} for form in REAL_FORMS})
            for form in REAL_FORMS:
                row[form]["n"] += 1
                row[form]["alarms"] += preds[form][n] != OTHER
    return dict(sorted(out.items()))


def evaluate_real(classifier: Predictor, path: Path, version: str = "", threshold: float = 0.0) -> RealReport:
    """Score `classifier` (as deployed: abstain rule included) on a real-text file in the three forms."""
    everything = load_real(path)
    items = [i for i in everything if SET_APART_TAG not in i.tags]
    apart = [i for i in everything if SET_APART_TAG in i.tags]
    preds: dict[str, list[str]] = {}
    apart_preds: dict[str, dict[str, int]] = {}
    for form in REAL_FORMS:
        preds[form] = [p.label for p in classifier.predict([real_inputs(i)[form] for i in items])]
        apart_labels = [p.label for p in classifier.predict([real_inputs(i)[form] for i in apart])] if apart else []
        apart_preds[form] = {label: apart_labels.count(label) for label in LABELS}
    y = np.array([LABELS.index(i.label) for i in items], dtype=np.int64)
    by_form = {
        form: Block.compute(y, np.array([LABELS.index(p) for p in preds[form]], dtype=np.int64)) for form in REAL_FORMS
    }
    errors = [
        {"id": item.id, "form": form, "label": item.label, "predicted": preds[form][n],
         "tags": list(item.tags), "headline": " ".join(_headline(item).split())[:100]}
        for form in REAL_FORMS
        for n, item in enumerate(items)
        if preds[form][n] != item.label
    ]
    return RealReport(
        path=str(path),
        model_version=version,
        threshold=threshold,
        n=len(items),
        n_apart=len(apart),
        by_form=by_form,
        false_alarms_by_tag=_false_alarms_by_tag(items, preds),
        apart=apart_preds,
        errors=errors,
    )
