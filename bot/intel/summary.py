"""Extractive event summaries: two or three sentences from the event's reports, chosen by TF-IDF.

Each candidate sentence is scored by its cosine to the centroid of all sentences (what the reports agree on)
plus bonuses for the lead facts a reader needs first: who (a group), where (a place), what (a weapon) and the
casualties. The lead is the best sentence naming a place; further sentences are added in score order when
they are not near-duplicates of a chosen one and fit the length budget. Ties break on input order, so the same
reports always give the same summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from bot.intel.casualties import casualty_mentions, reports_no_injuries
from bot.intel.extract import is_aggregate
from bot.intel.gazetteer import Gazetteer
from bot.intel.textutil import normalize, sentences

DEFAULT_BUDGET = 400
MAX_SENTENCES = 3
REDUNDANT = 0.5


def summarize(reports: Sequence[tuple[str, str]], gazetteer: Gazetteer, budget: int = DEFAULT_BUDGET) -> str:
    """Summary of one event from its reports as (title, text) pairs, oldest first; at most `budget` chars."""
    pool = _candidates(reports)
    if not pool:
        return ""
    scores, sims = _score(pool, gazetteer)
    order = sorted(range(len(pool)), key=lambda i: (-scores[i], i))
    leads = [i for i in order if _has(pool[i], gazetteer, "place")] or order
    chosen = [leads[0]]
    for i in order:
        if len(chosen) == MAX_SENTENCES:
            break
        if i in chosen or any(sims[i][j] >= REDUNDANT for j in chosen):
            continue
        if len(" ".join(pool[j] for j in [*chosen, i])) <= budget:
            chosen.append(i)
    return _fit(" ".join(pool[i] for i in chosen), budget)


def _candidates(reports: Sequence[tuple[str, str]]) -> list[str]:
    body: list[str] = []
    for _title, text in reports:
        for s in sentences(normalize(text)):
            if len(s) >= 25 and not is_aggregate(s) and s not in body:
                body.append(s if s[-1] in ".!?" else s + ".")
    if body:
        return body
    # Headline-only feeds: the titles are all there is.
    titles = [normalize(t) for t, _ in reports if t.strip()]
    return [t if t[-1] in ".!?" else t + "." for t in dict.fromkeys(titles)]


def _has(sentence: str, gazetteer: Gazetteer, kind: str) -> bool:
    return any(m.kind == kind for m in gazetteer.find(sentence))


def _score(pool: list[str], gazetteer: Gazetteer) -> tuple[list[float], list[list[float]]]:
    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(pool)
        central = cosine_similarity(matrix, np.asarray(matrix.mean(axis=0)))[:, 0]
        sims = cosine_similarity(matrix).tolist()
    except ValueError:
        n = len(pool)
        central, sims = [0.0] * n, [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    scores = []
    for i, s in enumerate(pool):
        kinds = {m.kind for m in gazetteer.find(s)}
        facts = 0.3 * ("place" in kinds) + 0.25 * ("group" in kinds) + 0.15 * ("weapon" in kinds)
        casualties = 0.3 if casualty_mentions(s) or reports_no_injuries(s) else 0.0
        scores.append(float(central[i]) + facts + casualties)
    return scores, sims


def _fit(text: str, budget: int) -> str:
    if len(text) <= budget:
        return text
    cut = text[: budget - 1]
    cut = re.sub(r"\s+\S*$", "", cut)
    return cut.rstrip(",;: ") + "…"
