"""Per-term explanations for a linear model over blocks of word and character n-grams.

A term's contribution to a label is its TF-IDF value times the block's weight times the label's coefficient,
centred across labels (a multinomial model only cares about differences between labels), summed over the blocks
that saw it (the headline and lead, the whole text). Character n-grams are credited back to the words they came
from, because "ocke" means nothing to a reader but "rockets" does.
"""

from __future__ import annotations

import string
import weakref
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

_STRIP = string.punctuation + "“”‘’«»…—–"
# Index -> n-gram lists per fitted vectorizer; kept outside the estimator so a re-saved model is unchanged.
_NAMES: weakref.WeakKeyDictionary[TfidfVectorizer, list[str]] = weakref.WeakKeyDictionary()


def _contributions(vectorizer: TfidfVectorizer, coef: np.ndarray, text: str) -> dict[str, np.ndarray]:
    """Centred per-label contribution of every n-gram of `vectorizer` present in `text`."""
    row = vectorizer.transform([text]).tocsr()
    names = _names(vectorizer)
    out: dict[str, np.ndarray] = {}
    for idx, value in zip(row.indices, row.data, strict=True):
        contrib = value * coef[:, idx]
        out[names[idx]] = contrib - contrib.mean()
    return out


def _names(vectorizer: TfidfVectorizer) -> list[str]:
    """Index -> n-gram, cached on the fitted vectorizer (building it for 150k features takes a moment)."""
    cached = _NAMES.get(vectorizer)
    if cached is None:
        cached = [""] * len(vectorizer.vocabulary_)
        for term, idx in vectorizer.vocabulary_.items():
            cached[idx] = term
        _NAMES[vectorizer] = cached
    return cached


def _credit_chars_to_words(vectorizer: TfidfVectorizer, per_gram: dict[str, np.ndarray], text: str) -> dict:
    """Spread each char n-gram's contribution evenly over its occurrences, summed per (cleaned) word."""
    analyzer = vectorizer.build_analyzer()
    words = text.split()
    grams_per_word = [analyzer(w) for w in words]
    occurrences: dict[str, int] = defaultdict(int)
    for grams in grams_per_word:
        for gram in grams:
            occurrences[gram] += 1
    totals: dict[str, np.ndarray] = {}
    for word, grams in zip(words, grams_per_word, strict=True):
        key = word.lower().strip(_STRIP)
        if not key:
            continue
        for gram in grams:
            if gram in per_gram:
                share = per_gram[gram] / occurrences[gram]
                totals[key] = totals[key] + share if key in totals else share.copy()
    return totals


def explain_text(
    pipeline: Pipeline, fields: Sequence[str], labels: Sequence[str], k: int = 8
) -> list[tuple[str, str, float]]:
    """Top `k` terms by the weight they add to their most favoured label: (term, label, weight).

    `fields` is one row of the pipeline's input (`model_input.model_fields`).
    """
    if k <= 0 or not any(f.strip() for f in fields):
        return []
    columns = pipeline.named_steps["features"]
    coef = pipeline.named_steps["clf"].coef_
    weights = columns.transformer_weights or {}
    terms: dict[str, np.ndarray] = {}
    offset = 0
    for name, vectorizer, column in columns.transformers_:
        if not isinstance(vectorizer, TfidfVectorizer):
            continue  # the unused remainder
        width = len(vectorizer.vocabulary_)
        text = fields[column]
        block = _contributions(vectorizer, weights.get(name, 1.0) * coef[:, offset : offset + width], text)
        offset += width
        if vectorizer.analyzer != "word":
            block = _credit_chars_to_words(vectorizer, block, text)
        for term, contrib in block.items():
            terms[term] = terms[term] + contrib if term in terms else contrib
    ranked = []
    for term, contrib in terms.items():
        best = int(np.argmax(contrib))
        ranked.append((term, labels[best], float(contrib[best])))
    ranked.sort(key=lambda t: (-t[2], t[0]))
    return ranked[:k]
