"""Same incident or not: the pure decision that joins a report to an event or starts a new one.

Blocking first: same kind, within the time window, compatible places and groups, named incident days at most
one apart (for attacks, named days more than a night apart are always two incidents). Then a score: the best
TF-IDF cosine between the report and the event's reports, plus small bonuses for the same main place, a shared
specific group and shared weapons, minus a penalty when the named days differ (strikes reported in US and
local time). The report joins the best candidate scoring at or above the threshold. The same function serves
`build_events` (candidates from the store) and the clustering evaluation (candidates in memory), so the
evaluated rule is the deployed rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from bot.intel.extract import Extraction
from bot.intel.gazetteer import Gazetteer

SAME_PLACE_BONUS = 0.15
WEAPON_BONUS = 0.05
GROUP_BONUS = 0.10
WEAPON_CLASH_PENALTY = 0.10
NEXT_DAY_PENALTY = 0.25
NEXT_DAY_GAP_HOURS = 10
# Group types that say who did it; claimant brands, fronts and umbrellas are compatible with any of them.
_SPECIFIC_GROUP_TYPES = {"militia", "state"}


@dataclass
class Report:
    """One article's features for matching."""

    kind: str
    text: str
    occurred_at: datetime
    day_precise: bool
    main_place: str | None
    places: frozenset[str]
    groups: frozenset[str]
    weapons: frozenset[str]


@dataclass
class Candidate:
    """An existing event (or in-memory cluster) a report may join."""

    ref: object
    kind: str
    occurred_at: datetime
    day_precise: bool
    main_place: str | None
    places: set[str]
    groups: set[str]
    weapons: set[str]
    texts: list[str] = field(default_factory=list)

    def absorb(self, report: Report) -> None:
        """Fold a joined report into the candidate (in-memory clustering)."""
        self.places |= report.places
        self.groups |= report.groups
        self.weapons |= report.weapons
        self.texts.append(report.text)
        if report.day_precise and not self.day_precise:
            self.occurred_at, self.day_precise = report.occurred_at, True


def report_from(kind: str, title: str, text: str, extraction: Extraction, gazetteer: Gazetteer) -> Report:
    """Build the matching features of one article."""
    return Report(
        kind=kind,
        text=f"{title}. {text}",
        occurred_at=extraction.occurred_at,
        day_precise=extraction.incident.precision == "day",
        main_place=main_place(extraction.places, kind, gazetteer),
        places=frozenset(extraction.places),
        groups=frozenset(extraction.group_keys()),
        weapons=frozenset(extraction.weapons),
    )


def main_place(places: Sequence[str], kind: str, gazetteer: Gazetteer) -> str | None:
    """The place an event is 'at': the first base named for an attack, the first militia-side site for a strike."""
    wanted = {"base"} if kind == "militia_attack" else {"site", "city", "region"}
    for key in places:
        place = gazetteer.places.get(key)
        if place is not None and place.type in wanted:
            return key
    return places[0] if places else None


def compatible(report: Report, cand: Candidate, gazetteer: Gazetteer, window_hours: float) -> bool:
    """Hard blocking rules: a report can only join a candidate that passes all of them."""
    if report.kind != cand.kind:
        return False
    if abs((report.occurred_at - cand.occurred_at).total_seconds()) > window_hours * 3600:
        return False
    if report.day_precise and cand.day_precise and abs((report.occurred_at.date() - cand.occurred_at.date()).days) > 1:
        return False
    if report.kind == "militia_attack" and _different_days(report, cand):
        # Attacks on one base on consecutive days are common (Oct 2023 waves): named days that differ by more
        # than a night's gap are two incidents. Strikes only get a penalty: US and local reports of one
        # overnight strike often name different days.
        return False
    if report.places and cand.places and not any(gazetteer.near(a, b) for a in report.places for b in cand.places):
        return False
    if report.kind == "militia_attack" and _distinct_bases(report, cand, gazetteer):
        # Near is not same: militias often hit two nearby bases in one night (al-Tanf and Tower 22), and each
        # attack is claimed and reported on its own. A report that names both bases still joins either.
        return False
    mine = {g for g in report.groups if _specific(g, gazetteer)}
    theirs = {g for g in cand.groups if _specific(g, gazetteer)}
    return not (mine and theirs and not mine & theirs)


def _distinct_bases(report: Report, cand: Candidate, gazetteer: Gazetteer) -> bool:
    a, b = report.main_place, cand.main_place
    if not a or not b or a == b or a in cand.places or b in report.places:
        return False
    place_a, place_b = gazetteer.places.get(a), gazetteer.places.get(b)
    return bool(place_a and place_b and place_a.type == "base" and place_b.type == "base")


def _specific(key: str, gazetteer: Gazetteer) -> bool:
    group = gazetteer.groups.get(key)
    return group is not None and group.type in _SPECIFIC_GROUP_TYPES


def adjust(report: Report, cand: Candidate, cosine: float, gazetteer: Gazetteer) -> float:
    """The cosine plus the structured evidence; the threshold applies to this score."""
    score = cosine
    if report.main_place and cand.main_place and gazetteer.near(report.main_place, cand.main_place):
        score += SAME_PLACE_BONUS
    if {g for g in report.groups & cand.groups if _specific(g, gazetteer)}:
        score += GROUP_BONUS
    if report.weapons & cand.weapons:
        score += WEAPON_BONUS
    elif report.kind == "militia_attack" and report.weapons and cand.weapons:
        score -= WEAPON_CLASH_PENALTY  # rockets vs drones: likely two attacks (US aircraft types are not told apart)
    if _different_days(report, cand):
        score -= NEXT_DAY_PENALTY
    return score


def _different_days(report: Report, cand: Candidate) -> bool:
    # "late Monday" (US time) and "early Tuesday" (local time) are one night: only a gap of more than
    # NEXT_DAY_GAP_HOURS between named days counts as a different day.
    if not (report.day_precise and cand.day_precise) or report.occurred_at.date() == cand.occurred_at.date():
        return False
    return abs((report.occurred_at - cand.occurred_at).total_seconds()) > NEXT_DAY_GAP_HOURS * 3600


def best_match(
    report: Report, candidates: Sequence[Candidate], gazetteer: Gazetteer, window_hours: float, threshold: float
) -> tuple[int, float] | None:
    """Index and score of the candidate the report joins, or None for a new event. Deterministic."""
    allowed = [i for i, c in enumerate(candidates) if compatible(report, c, gazetteer, window_hours) and c.texts]
    if not allowed:
        return None
    cosines = _max_cosines(report.text, [candidates[i].texts for i in allowed])
    scored = [(adjust(report, candidates[i], cos, gazetteer), -n, i) for n, (i, cos) in enumerate(zip(allowed, cosines,
                                                                                                     strict=True))]
    score, _, index = max(scored)
    return (index, score) if score >= threshold else None


def _max_cosines(text: str, groups: list[list[str]]) -> list[float]:
    """For each candidate, the best cosine between `text` and any of its reports, in one TF-IDF space."""
    docs = [text] + [t for texts in groups for t in texts]
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=1)
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # only stop words everywhere
        return [0.0] * len(groups)
    sims = cosine_similarity(matrix[0], matrix[1:])[0]
    out, pos = [], 0
    for texts in groups:
        out.append(float(max(sims[pos:pos + len(texts)])))
        pos += len(texts)
    return out
