"""Offline tuning of the n-gram settings by grouped CV: `python -m classifiers.tuning`.

Training itself only re-tunes C (it must finish within a minute); the feature settings chosen here become the
ModelParams defaults, and the table this prints goes into docs/model.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace

from classifiers.corpus import DEFAULT_CORPUS_DIR, load_corpus
from classifiers.cv import cross_val_proba
from classifiers.evaluation import summary_scores
from classifiers.pipeline import ModelParams

FEATURE_GRID: tuple[dict, ...] = (
    {"word_ngram": (1, 2), "char_ngram": (2, 5)},
    {"word_ngram": (1, 3), "char_ngram": (2, 5)},
    {"word_ngram": (1, 2), "char_ngram": (3, 5)},
    {"word_ngram": (1, 2), "char_ngram": (2, 4)},
    {"word_ngram": (1, 1), "char_ngram": (2, 5)},
    {"word_ngram": (1, 2), "char_ngram": (2, 5), "other_weight": 1.0},
    {"word_ngram": (1, 2), "char_ngram": (2, 5), "other_weight": 3.0},
)
C_VALUES: tuple[float, ...] = (20.0, 50.0, 100.0)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.55)
    args = parser.parse_args(argv)
    items = load_corpus(DEFAULT_CORPUS_DIR)
    print(f"{len(items)} items, grouped {args.folds}-fold CV, threshold {args.threshold}")
    print("| word | char | other weight | C | macro-F1 | headline | rss | full | false alarms (hard neg.) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for features in FEATURE_GRID:
        grid = [replace(ModelParams(), C=c, **features) for c in C_VALUES]
        probas = cross_val_proba(items, grid, args.folds)
        for params, proba in zip(grid, probas, strict=True):
            s = summary_scores(items, proba, args.threshold)
            print(
                f"| {params.word_ngram} | {params.char_ngram} | {params.other_weight:g} | {params.C:g} "
                f"| {s['all']:.3f} | {s['headline']:.3f} | {s['rss']:.3f} | {s['full']:.3f} "
                f"| {100 * s['false_alarms']:.2f}% |",
                flush=True,
            )


if __name__ == "__main__":
    main()
