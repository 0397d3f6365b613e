"""Same incident or not: the pure decision that joins a report to an event or starts a new one.

Blocking first: same kind, within the time window, named incident days at most one apart (for attacks, named
days more than a night apart are always two incidents), a report without a named day anchored on its
publication time (it is news of that day, and an event already in the news before a report's named day began
is an earlier incident: see `incident_time.undated_fits`), the report's main place near one of the event's
main places (an event's place identity is where its reports say it happened, not every place any report
mentioned; a multi-site strike accepts places within MULTI_SITE_KM the same night), attacks on two different
main bases apart, and compatible groups. Then a score: the best TF-IDF cosine between the report and the event's
reports, plus bonuses for the same main place (or else a shared province), a shared specific group, shared
weapons, the same night (and again when the strike is a multi-site operation), minus a penalty when the named
days differ (strikes reported in US and local time). The report joins the best candidate scoring at or above the
threshold. The same function serves `build_events` (candidates from the store) and the clustering evaluation
(candidates in memory), so the evaluated rule is the deployed rule.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from bot.intel.extract import Extraction
from bot.intel.gazetteer import Gazetteer
from bot.intel.incident_time import different_days, reported_before_it_happened, same_night, undated_fits
from bot.intel.textutil import normalize

SAME_PLACE_BONUS = 0.15
WEAPON_BONUS = 0.05
GROUP_BONUS = 0.10
WEAPON_CLASH_PENALTY = 0.10
NEXT_DAY_PENALTY = 0.25
SAME_NIGHT_BONUS = 0.10
MULTI_SITE_BONUS = 0.10
SAME_AREA_BONUS = 0.10
SAME_COUNTRY_BONUS = 0.05
# One operation against "85 targets at seven sites" is reported from places far apart.
MULTI_SITE_KM = 400.0
_MULTI_SITE = re.compile(
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|dozens of|multiple|several|numerous|a series of)\s+"
    r"(?:(?!(?:that|which|who|their|its)\b)[\w'’-]+\s+){0,4}?(?:targets|sites|locations|facilities|positions)\b|"
    r"\bin (?:both )?iraq and syria\b|\bin syria and iraq\b", re.IGNORECASE)
# "a base in western Iraq", "US forces in Syria": the country a report names when it names no place.
_COUNTRY = re.compile(r"\b(?:in|inside|across|of|near)\s+(?:the\s+)?(?:(?:far\s+)?(?:north|south|east|west|"
                      r"north-?east|north-?west|south-?east|south-?west|central)(?:ern)?\s+)?(Iraq|Syria|Jordan)\b",
                      re.IGNORECASE)
# Where one operation hit both countries ("strikes on 85 targets in Iraq and Syria", "on the Iraq-Syria border");
# "militias in Syria and Iraq" only describes who they are.
_TWO_COUNTRIES = re.compile(
    r"\b(?:strikes?|struck|airstrikes|targets?|sites|facilities|locations|bombed|hit)\b[^.;]{0,60}?"
    r"\b(?:in|across|on both sides of)\s+(?:both\s+)?(?:iraq and syria|syria and iraq)\b|"
    r"\b(?:iraq-syria|syria-iraq|syrian-iraqi|iraqi-syrian) border\b", re.IGNORECASE)
_DIRECTIONAL = re.compile(r"(?:north|south|east|west|central)", re.IGNORECASE)
# Place types a strike hits (militia sites, towns, regions); a base is where the attack it answers landed.
_MILITIA_SIDE_TYPES = {"site", "city", "region"}
# Group types that say who did it; claimant brands, fronts and umbrellas are compatible with any of them.
_SPECIFIC_GROUP_TYPES = {"militia", "state"}
# Two different militias named are two incidents; a state patron (IRGC-Quds Force) is compatible with any militia.
_EXCLUSIVE_GROUP_TYPES = {"militia"}


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
    published: datetime | None = None  # None: use occurred_at
    multi_site: bool = False  # "85 targets", "several sites", "in Iraq and Syria"
    areas: frozenset[str] = frozenset()  # provinces it names or its places lie in ("Babil", "Anbar")
    main_areas: frozenset[str] = frozenset()  # the province of its main place
    country: str | None = None  # its main place's country, or else the country it names
    day_part: str = ""  # the part of the named day ("night", "early"), if any

    @property
    def published_at(self) -> datetime:
        return self.published or self.occurred_at


@dataclass
class Candidate:
    """An existing event (or in-memory cluster) a report may join.

    Its place identity is the main places of its reports (`places`), led by the one most of them agree on
    (`main_place`), not every place any report mentioned: a report that also names the other base attacked
    that night, or the city a site is "south of", must not widen the event so that other incidents chain in.
    """

    ref: object
    kind: str
    occurred_at: datetime
    day_precise: bool
    main_place: str | None
    places: set[str]
    groups: set[str]
    weapons: set[str]
    texts: list[str] = field(default_factory=list)
    first_published: datetime | None = None
    last_published: datetime | None = None
    multi_site: bool = False
    main_votes: Counter[str] = field(default_factory=Counter)
    last_day: date | None = None  # the latest day its reports name
    areas: set[str] = field(default_factory=set)  # the provinces of its main places
    countries: set[str] = field(default_factory=set)
    day_part: str = ""

    @classmethod
    def start(cls, ref: object, report: Report) -> Candidate:
        """A new event from its first report."""
        cand = cls(ref, report.kind, report.occurred_at, report.day_precise, report.main_place,
                   {report.main_place} if report.main_place else set(), set(report.groups), set(report.weapons),
                   [report.text], report.published_at, report.published_at, report.multi_site)
        if report.main_place:
            cand.main_votes[report.main_place] += 1
        cand.last_day = report.occurred_at.date() if report.day_precise else None
        cand.areas = set(report.main_areas)
        cand.countries = {report.country} if report.country else set()
        cand.day_part = report.day_part
        return cand

    def absorb(self, report: Report) -> None:
        """Fold a joined report into the candidate."""
        if report.day_precise:
            day = report.occurred_at.date()
            self.last_day = max(self.last_day or day, day)
        self.areas |= report.main_areas
        if report.country:
            self.countries.add(report.country)
        if report.main_place:
            self.places.add(report.main_place)
            self.main_votes[report.main_place] += 1
            # Most reports agree on where it happened; ties keep the first place named.
            best = max(self.main_votes.values())
            if self.main_place is None or self.main_votes[self.main_place] < best:
                self.main_place = next(p for p, n in self.main_votes.items() if n == best)
        self.groups |= report.groups
        self.weapons |= report.weapons
        self.texts.append(report.text)
        self.multi_site = self.multi_site or report.multi_site
        published = report.published_at
        self.first_published = min(self.first_published or published, published)
        self.last_published = max(self.last_published or published, published)
        if report.day_precise and not self.day_precise:
            self.occurred_at, self.day_precise, self.day_part = report.occurred_at, True, report.day_part


def report_from(kind: str, title: str, text: str, extraction: Extraction, gazetteer: Gazetteer,
                published: datetime | None = None) -> Report:
    """Build the matching features of one article (`published`: when it was published, if known)."""
    headline = {m.key for m in gazetteer.find(normalize(title)) if m.kind == "place"}
    own = [p for p in extraction.places if p not in extraction.landmarks]
    main = main_place(own, kind, gazetteer, headline)
    full = f"{title}. {text}"
    precise = extraction.incident.precision == "day"
    return Report(
        kind=kind,
        text=full,
        # A soft day (only a statement's day, or "last week") is kept for the facts, but matching anchors such a
        # report on when it was published, as it anchors a report that names no day.
        occurred_at=extraction.occurred_at if precise or published is None else published,
        day_precise=precise,
        main_place=main,
        places=frozenset(extraction.places),
        groups=frozenset(extraction.group_keys()),
        weapons=frozenset(extraction.weapons),
        published=_news_time(extraction, published),
        multi_site=bool(_MULTI_SITE.search(full)) or (kind == "us_strike" and _far_apart_sites(own, gazetteer)),
        # Officials and governments often name the province, not the town.
        areas=frozenset(gazetteer.areas(extraction.places, full)),
        main_areas=frozenset(gazetteer.areas([main] if main else [])),
        country=_country(main, " ".join([normalize(title), *extraction.incident_sentences]) or full, gazetteer),
        day_part=extraction.incident.part,
    )


def main_place(places: Sequence[str], kind: str, gazetteer: Gazetteer,
               headline: Collection[str] = ()) -> str | None:
    """The place an event is 'at': the first base named for an attack (else the first place), the first
    militia-side place for a strike. A base in a strike report is usually the attack it answers ("including the
    11 March attack on Camp Taji"); it is the strike's place only when the headline names it (the strike on a
    convoy at Baghdad airport)."""
    def of_type(types: set[str], among: Collection[str]) -> str | None:
        found = [k for k in places if k in among and k in gazetteer.places and gazetteer.places[k].type in types]
        # A province by name ("Deir ez-Zor") is more specific than a direction ("eastern Syria").
        named = [k for k in found if not _DIRECTIONAL.match(gazetteer.places[k].name)]
        best = named or found
        return best[0] if best else None

    # The most specific place named wins: "a facility near Abu Kamal in eastern Syria" happened at Abu Kamal.
    if kind == "militia_attack":
        return (of_type({"base"}, places) or of_type({"site"}, places) or of_type({"city"}, places)
                or (places[0] if places else None))
    return (of_type({"site"}, places) or of_type({"city"}, places) or of_type({"region"}, places)
            or of_type({"base"}, headline))


def _news_time(extraction: Extraction, published: datetime | None) -> datetime | None:
    """When the report's news came: its publication, or the day of the statement it reports when only that day
    is named and it is earlier ("CENTCOM said late Friday", in a report published on Sunday)."""
    stated = extraction.incident
    if published is None or stated.precision != "statement" or stated.occurred_at >= published:
        return published
    return stated.occurred_at


def _far_apart_sites(places: Sequence[str], gazetteer: Gazetteer) -> bool:
    """A strike report naming militia-side places far apart ("Jurf al-Sakhar and al-Qaim") tells of one
    operation on several sites, as "three facilities" does."""
    sites = [p for p in places if p in gazetteer.places and gazetteer.places[p].type in _MILITIA_SIDE_TYPES]
    return any(not gazetteer.near(a, b) for i, a in enumerate(sites) for b in sites[i + 1:])


def _country(main: str | None, text: str, gazetteer: Gazetteer) -> str | None:
    if main is not None and main in gazetteer.places:
        return gazetteer.places[main].country
    if _TWO_COUNTRIES.search(text):
        return None  # one operation "in Iraq and Syria": no single country
    m = _COUNTRY.search(text)
    return m[1].capitalize() if m else None


def compatible(report: Report, cand: Candidate, gazetteer: Gazetteer, window_hours: float) -> bool:
    """Hard blocking rules: a report can only join a candidate that passes all of them."""
    if report.kind != cand.kind:
        return False
    if abs((report.occurred_at - cand.occurred_at).total_seconds()) > window_hours * 3600:
        return False
    if report.day_precise and cand.day_precise and abs((report.occurred_at.date() - cand.occurred_at.date()).days) > 1:
        return False
    if report.kind == "militia_attack" and different_days(report, cand):
        # Attacks on one base on consecutive days are common (Oct 2023 waves): named days that differ by more
        # than a night's gap are two incidents. Strikes only get a penalty: US and local reports of one
        # overnight strike often name different days.
        return False
    if not undated_fits(report, cand) or reported_before_it_happened(report, cand):
        return False
    if not _places_fit(report, cand, gazetteer) or not _countries_fit(report, cand):
        return False
    if report.kind == "militia_attack" and _distinct_bases(report, cand, gazetteer):
        # Near is not same: militias often hit two nearby bases in one night (al-Tanf and Tower 22), and each
        # attack is claimed and reported on its own. A report that names both bases joins its main one.
        return False
    mine = {g for g in report.groups if _specific(g, gazetteer, _EXCLUSIVE_GROUP_TYPES)}
    theirs = {g for g in cand.groups if _specific(g, gazetteer, _EXCLUSIVE_GROUP_TYPES)}
    return not (mine and theirs and not mine & theirs)


def _places_fit(report: Report, cand: Candidate, gazetteer: Gazetteer) -> bool:
    """The report's main place must be near one of the event's main places (when both name one).

    A multi-site strike ("more than 85 targets", "several locations") is reported from places far apart: the
    same night, such a strike accepts a place within MULTI_SITE_KM of one of its own.
    """
    if not report.main_place or not cand.places:
        return True
    if any(gazetteer.near(report.main_place, p) for p in cand.places):
        return True
    if report.kind == "us_strike" and (report.multi_site or cand.multi_site) and _within_a_night(report, cand):
        return any(gazetteer.km(report.main_place, p) <= MULTI_SITE_KM for p in cand.places)
    return False


def _within_a_night(report: Report, cand: Candidate) -> bool:
    """The same night, or named days one apart: a strike on many sites is dated by US officials on one day and
    by local reports on the next (the strikes "on Tuesday" and those "at 12:15 a.m. Wednesday Iraq time")."""
    if report.day_precise and cand.day_precise:
        return abs((report.occurred_at.date() - cand.occurred_at.date()).days) <= 1
    return same_night(report, cand)


def _countries_fit(report: Report, cand: Candidate) -> bool:
    """A report from another country is another incident ("a base in Jordan" and the drone attack at Shaddadi),
    unless it is part of a strike operation in both countries that night."""
    if not report.country or not cand.countries or report.country in cand.countries:
        return True
    return report.kind == "us_strike" and (report.multi_site or cand.multi_site) and _within_a_night(report, cand)


def _distinct_bases(report: Report, cand: Candidate, gazetteer: Gazetteer) -> bool:
    # The report's main base against the event's: another base the report also names does not count.
    a, b = report.main_place, cand.main_place
    if not a or not b or a == b or a in cand.places:
        return False
    place_a, place_b = gazetteer.places.get(a), gazetteer.places.get(b)
    return bool(place_a and place_b and place_a.type == "base" and place_b.type == "base")


def _specific(key: str, gazetteer: Gazetteer, types: set[str] = _SPECIFIC_GROUP_TYPES) -> bool:
    group = gazetteer.groups.get(key)
    return group is not None and group.type in types


def adjust(report: Report, cand: Candidate, cosine: float, gazetteer: Gazetteer) -> float:
    """The cosine plus the structured evidence; the threshold applies to this score."""
    score = cosine
    if report.main_place and cand.main_place and gazetteer.near(report.main_place, cand.main_place):
        score += SAME_PLACE_BONUS
    elif report.areas & cand.areas:
        score += SAME_AREA_BONUS  # "a US strike in Babil province" and the strike at Jurf al-Sakhar
    elif report.country in cand.countries:
        score += SAME_COUNTRY_BONUS  # one side names no place ("a base in Jordan"), but the same country
    if {g for g in report.groups & cand.groups if _specific(g, gazetteer)}:
        score += GROUP_BONUS
    if report.weapons & cand.weapons:
        score += WEAPON_BONUS
    elif report.kind == "militia_attack" and _weapons_clash(report.weapons, cand.weapons, gazetteer):
        score -= WEAPON_CLASH_PENALTY
    if different_days(report, cand):
        score -= NEXT_DAY_PENALTY
    elif same_night(report, cand):
        # Same kind, same night and places that fit (blocking passed): strong evidence however it is worded
        # (a front group's claim vs officials blaming Kataib Hezbollah; a release vs a monitor's toll).
        score += SAME_NIGHT_BONUS
        if report.kind == "us_strike" and (report.multi_site or cand.multi_site):
            # One operation on many targets is reported site by site, each report in its own words.
            score += MULTI_SITE_BONUS
    return score


def _weapons_clash(mine: Collection[str], theirs: Collection[str], gazetteer: Gazetteer) -> bool:
    """Rockets vs drones: likely two attacks. Only the attackers' weapons count: the US helicopters seen over
    the base afterwards, or the gunship that answered, say nothing about which attack it was."""
    def attackers(keys: Collection[str]) -> set[str]:
        return {k for k in keys if k in gazetteer.weapons and gazetteer.weapons[k].side != "us"}

    a, b = attackers(mine), attackers(theirs)
    return bool(a and b and not a & b)


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
