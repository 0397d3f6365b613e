"""Scheduled retraining: train a candidate on the corpus plus the team's label corrections, and keep it only
when its evaluation is not worse than the model in use.

"Not worse" is judged on two things measured the same way for both models:
- the grouped cross-validation macro-F1 that training records (StratifiedGroupKFold by incident, on the corpus);
- agreement with the team's corrections: the share of corrected items each model labels as the team did.
A candidate that fails either check is thrown away and the current model stays.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EPSILON = 1e-9  # float noise in the recorded metrics must not count as "worse"


@dataclass(frozen=True, slots=True)
class Score:
    version: str
    cv_macro_f1: float | None  # None when the model was trained without tuning (no CV recorded)
    corrections_agree: float | None  # None when there are no corrections yet


@dataclass(frozen=True, slots=True)
class RetrainResult:
    kept: bool
    reason: str
    old: Score | None
    new: Score


def keep_candidate(old: Score | None, new: Score) -> tuple[bool, str]:
    """Pure: keep the candidate unless a measure both models have is lower for it."""
    if old is None:
        return True, "no usable model in place"
    for name in ("cv_macro_f1", "corrections_agree"):
        before, after = getattr(old, name), getattr(new, name)
        if before is not None and after is not None and after < before - EPSILON:
            return False, f"{name} fell from {before:.4f} to {after:.4f}"
    return True, (f"not worse: cv_macro_f1 {old.cv_macro_f1} -> {new.cv_macro_f1}, "
                  f"corrections_agree {old.corrections_agree} -> {new.corrections_agree}")


def agreement(model_dir: Path, corrections: Sequence[dict[str, Any]]) -> float | None:
    """Share of corrections the model in `model_dir` labels as the team did (None without corrections)."""
    from classifiers.model import Classifier, article_text

    if not corrections:
        return None
    model = Classifier.load(model_dir)
    predictions = model.predict([article_text(c["title"], c.get("text") or "") for c in corrections])
    hits = sum(p.label == c["label"] for p, c in zip(predictions, corrections, strict=True))
    return hits / len(corrections)


def score(model_dir: Path, corrections: Sequence[dict[str, Any]]) -> Score | None:
    """The measures of the artifact in `model_dir`, or None when there is no loadable model there."""
    from classifiers.artifact import ModelLoadError, read_metadata

    try:
        meta = read_metadata(model_dir)
        agree = agreement(model_dir, corrections)
    except ModelLoadError as exc:
        log.warning("retrain: current model unusable (%s); any candidate replaces it", exc)
        return None
    cv = (meta.get("metrics") or {}).get("macro_f1")
    return Score(str(meta["version"]), float(cv) if cv is not None else None, agree)


def swap_in(candidate: Path, model_dir: Path) -> None:
    """Put the candidate in place, keeping the replaced model as `<dir>.previous` for a manual rollback."""
    previous = model_dir.with_name(model_dir.name + ".previous")
    if previous.exists():
        shutil.rmtree(previous)
    if model_dir.exists():
        model_dir.rename(previous)
    candidate.rename(model_dir)


def retrain_if_not_worse(
    model_dir: Path, corrections: Sequence[dict[str, Any]], corpus_dir: Path | None = None
) -> RetrainResult:
    """Train a candidate next to `model_dir`; swap it in when it is not worse. Blocking: run it in a thread."""
    from classifiers.corpus import DEFAULT_CORPUS_DIR
    from classifiers.training import train

    model_dir = Path(model_dir)
    candidate = model_dir.with_name(model_dir.name + ".candidate")
    if candidate.exists():
        shutil.rmtree(candidate)  # a leftover of a run that was interrupted
    train(corpus_dir or DEFAULT_CORPUS_DIR, candidate, extra_items=list(corrections))
    old = score(model_dir, corrections)
    new = score(candidate, corrections)
    if new is None:
        raise RuntimeError(f"retrain: the candidate in {candidate} cannot be loaded")
    kept, reason = keep_candidate(old, new)
    if kept:
        swap_in(candidate, model_dir)
    else:
        shutil.rmtree(candidate)
    log.info("retrain: %s model %s (%s)", "kept new" if kept else "discarded", new.version, reason)
    return RetrainResult(kept, reason, old, new)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m bot.service.retrain MODEL_DIR CORRECTIONS_JSON`: retrain in a child process and print the
    result as one JSON line. The service runs it this way so a shutdown can stop a training run at once
    (a thread could not be stopped, and would hold the process open for minutes)."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(prog="python -m bot.service.retrain")
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("corrections", type=Path, help="JSON list of {title, text, label}")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus directory (default: the repository's)")
    args = parser.parse_args(argv)
    corrections = json.loads(args.corrections.read_text(encoding="utf-8"))
    result = retrain_if_not_worse(args.model_dir, corrections, args.corpus)
    json.dump({"kept": result.kept, "reason": result.reason, "version": result.new.version}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
