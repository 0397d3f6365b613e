"""Per-term explanations for a linear model over word and character n-grams.

A term's contribution to a label is its TF-IDF value times the label's coefficient, centred across labels (a
multinomial model only cares about differences between labels). Character n-grams are credited back to the
words they came from, because "ocke" means nothing to a reader but "rockets" does.
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


def explain_text(pipeline: Pipeline, text: str, labels: Sequence[str], k: int = 8) -> list[tuple[str, str, float]]:
    """Top `k` terms by the weight they add to their most favoured label: (term, label, weight)."""
    if k <= 0 or not text.strip():
        return []
    union = pipeline.named_steps["features"]
    coef = pipeline.named_steps["clf"].coef_
    word_vec: TfidfVectorizer = union.named_transformers["word"]
    char_vec: TfidfVectorizer = union.named_transformers["char"]
    n_word = len(word_vec.vocabulary_)
    terms = _contributions(word_vec, coef[:, :n_word], text)
    char_terms = _credit_chars_to_words(char_vec, _contributions(char_vec, coef[:, n_word:], text), text)
    for word, contrib in char_terms.items():
        terms[word] = terms[word] + contrib if word in terms else contrib
    ranked = []
    for term, contrib in terms.items():
        best = int(np.argmax(contrib))
        ranked.append((term, labels[best], float(contrib[best])))
    ranked.sort(key=lambda t: (-t[2], t[0]))
    return ranked[:k]
