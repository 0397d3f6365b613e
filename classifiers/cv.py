"""Grouped cross-validation shared by tuning, training metrics and evaluation.

Splits keep every item of one incident (or topic) on the same side, so the model is scored on incidents it has
never seen, not on paraphrases of its training items.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold
from threadpoolctl import threadpool_limits

from classifiers.corpus import LABELS, Item, item_text
from classifiers.pipeline import ModelParams, build_classifier, build_features, label_array, sample_weights

OTHER_INDEX = LABELS.index("other")


def grouped_splits(items: Sequence[Item], folds: int, seed: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays, stratified by label, never splitting an incident."""
    groups = [i.incident for i in items]
    n_groups = len(set(groups))
    if folds < 2 or folds > n_groups:
        raise ValueError(f"folds must be between 2 and the number of incidents ({n_groups}), got {folds}")
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    yield from splitter.split(np.zeros(len(items)), label_array(items), groups)


def decide(proba: np.ndarray, threshold: float) -> np.ndarray:
    """Label indices after the abstain rule: a positive below `threshold` becomes `other`."""
    best = proba.argmax(axis=1)
    low = (best != OTHER_INDEX) & (proba.max(axis=1) < threshold)
    best[low] = OTHER_INDEX
    return best


def cross_val_proba(
    items: Sequence[Item], params_grid: Sequence[ModelParams], folds: int, seed: int = 0
) -> list[np.ndarray]:
    """Out-of-fold probabilities for each parameter set in `params_grid`.

    Parameter sets that share feature settings (differ only in C) reuse one fitted vectorizer per fold, which is
    what keeps tuning inside the training time budget.
    """
    texts = [item_text(i) for i in items]
    y = label_array(items)
    results = [np.zeros((len(items), len(LABELS))) for _ in params_grid]
    by_features: dict[tuple, list[int]] = {}
    for n, params in enumerate(params_grid):
        key = (params.word_ngram, params.char_ngram, params.word_min_df, params.char_min_df, params.char_max_features)
        by_features.setdefault(key, []).append(n)
    # One BLAS thread: the problems are small and sparse, and on a busy shared machine a multi-threaded BLAS
    # spends its time waiting for cores (measured 4-7x slower under load).
    with threadpool_limits(limits=1):
        for train_idx, test_idx in grouped_splits(items, folds, seed):
            train_items = [items[i] for i in train_idx]
            for members in by_features.values():
                features = build_features(params_grid[members[0]])
                x_train = features.fit_transform([texts[i] for i in train_idx])
                x_test = features.transform([texts[i] for i in test_idx])
                for n in members:
                    weights = sample_weights(train_items, params_grid[n].other_weight)
                    clf = build_classifier(params_grid[n]).fit(x_train, y[train_idx], sample_weight=weights)
                    results[n][test_idx] = clf.predict_proba(x_test)
    return results
