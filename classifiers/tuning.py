"""Offline tuning of the n-gram settings by grouped CV: `python -m classifiers.tuning`.

Training itself only re-tunes C (it must finish within two minutes); the feature settings chosen here, together
with the real-text scores (`sitrep evaluate --real`), become the ModelParams defaults; docs/model.md has both.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace

from classifiers.corpus import DEFAULT_CORPUS_DIR, load_corpus
from classifiers.cv import cross_val_proba
from classifiers.evaluation import summary_scores
from classifiers.pipeline import ModelParams

# Changes from the defaults, one at a time (the empty one is the defaults).
FEATURE_GRID: tuple[dict, ...] = (
    {},
    {"text_weight": 0.3},
    {"text_weight": 1.0},
    {"text_char_ngram": (2, 5)},
    {"short_views": False},
    {"other_weight": 2.0},
    {"word_ngram": (1, 3)},
)
C_VALUES: tuple[float, ...] = (20.0, 50.0)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.55)
    args = parser.parse_args(argv)
    items = load_corpus(DEFAULT_CORPUS_DIR)
    print(f"{len(items)} items, grouped {args.folds}-fold CV, threshold {args.threshold}")
    print("| change from the defaults | C | macro-F1 | headline | rss | full | false alarms (hard neg.) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for features in FEATURE_GRID:
        grid = [replace(ModelParams(), C=c, **features) for c in C_VALUES]
        probas = cross_val_proba(items, grid, args.folds)
        for params, proba in zip(grid, probas, strict=True):
            s = summary_scores(items, proba, args.threshold)
            print(
                f"| {features or 'none'} | {params.C:g} "
                f"| {s['all']:.3f} | {s['headline']:.3f} | {s['rss']:.3f} | {s['full']:.3f} "
                f"| {100 * s['false_alarms']:.2f}% |",
                flush=True,
            )


if __name__ == "__main__":
    main()
