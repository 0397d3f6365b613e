"""Grouped cross-validation shared by tuning, training metrics and evaluation.

Splits keep every item of one incident (or topic) on the same side, so the model is scored on incidents it has
never seen, not on paraphrases of its training items.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

from classifiers.corpus import LABELS, Item, item_text, training_views
from classifiers.model_input import model_matrix
from classifiers.pipeline import ModelParams, build_classifier, build_features, label_array, sample_weights

OTHER_INDEX = LABELS.index("other")
# Folds fitted in parallel: the target machine has two cores, and training must stay under two minutes there.
CV_JOBS = 2


def cv_groups(items: Sequence[Item]) -> list[int]:
    """A group number per item: items sharing an incident key, or a label and an incident date, are one group.

    Incident keys are per writer: two writers telling the same real incident give it two keys, and splitting
    those apart would score the model on a paraphrase of its training data. Label plus date joins them (and,
    harmlessly, two incidents of one kind on one day); an incident whose reports carry several dates links
    those dates together.
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for item in items:
        keys = [f"incident:{item.incident}"] + ([f"day:{item.label}:{item.date}"] if item.date else [])
        for key in keys[1:]:
            parent[find(key)] = find(keys[0])
    roots: dict[str, int] = {}
    return [roots.setdefault(find(f"incident:{item.incident}"), len(roots)) for item in items]


def grouped_splits(items: Sequence[Item], folds: int, seed: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays, stratified by label, never splitting an incident (see `cv_groups`)."""
    groups = cv_groups(items)
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


def _fold_proba(
    items: Sequence[Item], x: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray, grid: Sequence[ModelParams]
) -> list[np.ndarray]:
    """Probabilities on one test fold for each parameter set in `grid` (which share their feature settings)."""
    params = grid[0]
    # The test fold is scored as written; only the training side gets the extra views.
    train_items = [items[i] for i in train_idx]
    if params.short_views:
        train_items = training_views(train_items)
        x_fit = model_matrix([item_text(i) for i in train_items])
    else:
        x_fit = x[train_idx]
    # One BLAS thread: the problems are small and sparse, and on a busy shared machine a multi-threaded BLAS
    # spends its time waiting for cores (measured 4-7x slower under load).
    with threadpool_limits(limits=1):
        features = build_features(params)
        x_train = features.fit_transform(x_fit)
        x_test = features.transform(x[test_idx])
        y_train = label_array(train_items)
        out = []
        for member in grid:
            weights = sample_weights(train_items, member.other_weight)
            clf = build_classifier(member).fit(x_train, y_train, sample_weight=weights)
            out.append(clf.predict_proba(x_test))
    return out


def cross_val_proba(
    items: Sequence[Item], params_grid: Sequence[ModelParams], folds: int, seed: int = 0, n_jobs: int = CV_JOBS
) -> list[np.ndarray]:
    """Out-of-fold probabilities for each parameter set in `params_grid`, folds fitted `n_jobs` at a time.

    Parameter sets that share feature settings (differ only in C) reuse one fitted vectorizer per fold, which is
    what keeps tuning inside the training time budget.
    """
    x = model_matrix([item_text(i) for i in items])
    results = [np.zeros((len(items), len(LABELS))) for _ in params_grid]
    by_features: dict[tuple, list[int]] = {}
    for n, params in enumerate(params_grid):
        key = (params.word_ngram, params.char_ngram, params.word_min_df, params.char_min_df, params.char_max_features,
               params.text_char_ngram, params.text_weight, params.short_views)
        by_features.setdefault(key, []).append(n)
    jobs = [
        (test_idx, members, delayed(_fold_proba)(items, x, train_idx, test_idx, [params_grid[n] for n in members]))
        for train_idx, test_idx in grouped_splits(items, folds, seed)
        for members in by_features.values()
    ]
    fitted = Parallel(n_jobs=n_jobs)(job for _, _, job in jobs)
    for (test_idx, members, _), probas in zip(jobs, fitted, strict=True):
        for n, proba in zip(members, probas, strict=True):
            results[n][test_idx] = proba
    return results
