"""Extraction: from one article's title and text to groups, places, weapons, casualties and the incident date.

Pure: the same input always gives the same `Extraction`. Sentences that state running totals ("attacked 55
times since October 17", "more than 60 injured so far") are set aside as aggregates: their numbers never
count as the day's casualties and their dates never become the incident date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.intel.casualties import CATEGORIES, casualty_mentions, reports_no_injuries
from bot.intel.dates import IncidentDate, resolve_date
from bot.intel.gazetteer import Gazetteer
from bot.intel.textutil import normalize, parse_number, sentences

_AGGREGATE = re.compile(
    r"\b(?:since (?:mid-|late |early )?(?:oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|jan(?:uary)?|feb(?:ruary)?|"
    r"the (?:start|beginning|outbreak)|[a-z]+ \d{1,2}\b|\d{1,2} [a-z]+)|so far (?:this|in)|to date|in total|"
    r"altogether|cumulative|running (?:total|tally)|tally|(?:\d+|dozens of|more than \d+) (?:times|separate attacks)|"
    r"at least \d+ attacks|\d+(?:st|nd|rd|th) attack since)", re.IGNORECASE)
_AGGREGATE_COUNT = re.compile(r"\b(\d{1,4})\s+(?:times|attacks|separate attacks)\b", re.IGNORECASE)
# What follows these words is usually the other incident (the attack a strike answers, or vice versa): its
# places and days must not become this incident's.
_RESPONSE = re.compile(r"\b(?:in (?:direct )?response to|(?:a |was a |were a )?(?:direct )?response to|"
                       r"in retaliation for|retaliation for|retaliating for|retaliatory)\b", re.IGNORECASE)
# In a headline "after" almost always introduces the other incident ("US strikes KH after Erbil attack").
_TITLE_RESPONSE = re.compile(r"\b(?:after|following|in response to|in retaliation for)\b", re.IGNORECASE)
_CLAIM = re.compile(
    r"\b(?:claim(?:ed|s|ing)?|took responsibility|take responsibility|responsibility for|said (?:it|they) "
    r"(?:had )?(?:launched|targeted|attacked|struck|carried out|fired)|on (?:its )?telegram)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class GroupMention:
    key: str
    role: str  # 'claimed' (the group or its brand said it did it) | 'attributed' (others named it)


@dataclass(frozen=True, slots=True)
class Counts:
    killed: int | None = None
    wounded: int | None = None


@dataclass(frozen=True, slots=True)
class Aggregate:
    sentence: str
    count: int | None  # "55 times" -> 55


@dataclass(frozen=True, slots=True)
class Extraction:
    groups: tuple[GroupMention, ...]
    places: tuple[str, ...]  # gazetteer keys in order of first mention (title first)
    weapons: tuple[str, ...]
    casualties: dict[str, Counts]
    no_injuries: bool
    incident: IncidentDate
    aggregates: tuple[Aggregate, ...] = ()
    roundup: bool = False  # the headline itself is a running total: not one incident
    incident_sentences: tuple[str, ...] = field(default=(), repr=False)

    @property
    def occurred_at(self) -> datetime:
        return self.incident.occurred_at

    @property
    def us_killed(self) -> int:
        return sum(self.casualties[c].killed or 0 for c in ("us_military", "us_contractor") if c in self.casualties)

    @property
    def us_wounded(self) -> int:
        return sum(self.casualties[c].wounded or 0 for c in ("us_military", "us_contractor")
                   if c in self.casualties)

    def group_keys(self) -> list[str]:
        return [g.key for g in self.groups]


def is_aggregate(sentence: str) -> bool:
    """True when a sentence states a running total rather than one incident."""
    return bool(_AGGREGATE.search(sentence))


def extract(title: str, text: str, published: datetime, gazetteer: Gazetteer) -> Extraction:
    """Extract the facts of one article. `published` must be timezone-aware."""
    title_n, body_n = normalize(title), normalize(text)
    m = _TITLE_RESPONSE.search(title_n)
    title_n = title_n[: m.start()].strip() if m else title_n
    all_sentences = [title_n, *sentences(body_n)] if title_n else sentences(body_n)
    incident = [s for s in all_sentences if not is_aggregate(s)]
    aggregates = tuple(Aggregate(s, _aggregate_count(s)) for s in all_sentences if is_aggregate(s))
    groups, places, weapons = _entities(all_sentences, gazetteer)
    return Extraction(
        groups=groups,
        places=places,
        weapons=weapons,
        casualties=_casualties([incident_part(s) for s in incident]),
        no_injuries=any(reports_no_injuries(s) for s in incident),
        incident=resolve_date([incident_part(s) for s in incident], published),
        aggregates=aggregates,
        roundup=bool(title_n) and is_aggregate(title_n),
        incident_sentences=tuple(incident),
    )


def incident_part(sentence: str) -> str:
    """The part of a sentence before 'in response to' / 'after the', which speaks about this incident."""
    m = _RESPONSE.search(sentence)
    return sentence[: m.start()] if m else sentence


def _aggregate_count(sentence: str) -> int | None:
    m = _AGGREGATE_COUNT.search(sentence)
    return parse_number(m[1]) if m else None


def _entities(
    all_sentences: list[str], gazetteer: Gazetteer
) -> tuple[tuple[GroupMention, ...], tuple[str, ...], tuple[str, ...]]:
    roles: dict[str, str] = {}
    places: list[str] = []
    weapons: list[str] = []
    # Gazetteer.find resolves weak aliases per call: run it over the whole text once so a bare "Hezbollah"
    # yields to a "Kataib Hezbollah" named in another sentence.
    joined = "\n".join(all_sentences)
    offsets, pos = [], 0
    for s in all_sentences:
        offsets.append((pos, pos + len(s), s))
        pos += len(s) + 1
    def start_of(pos: int) -> int:
        return next(start for start, end, _ in offsets if start <= pos < end + 1)

    def response_at(pos: int) -> int:
        return len(incident_part(next(s for start, end, s in offsets if start <= pos < end + 1)))

    for m in gazetteer.find(joined):
        sentence = next(s for start, end, s in offsets if start <= m.start < end + 1)
        if m.kind == "group":
            role = "claimed" if _CLAIM.search(sentence) else "attributed"
            if roles.get(m.key) != "claimed":
                roles[m.key] = role
        elif m.kind == "place" and m.key not in places and m.start - start_of(m.start) < response_at(m.start):
            places.append(m.key)
        elif m.kind == "weapon" and m.key not in weapons:
            weapons.append(m.key)
    return tuple(GroupMention(k, r) for k, r in roles.items()), tuple(places), tuple(weapons)


def _casualties(incident_sentences: list[str]) -> dict[str, Counts]:
    # Several sentences often restate one figure: keep the largest per category and outcome.
    best: dict[str, dict[str, int]] = {}
    for sentence in incident_sentences:
        for c in casualty_mentions(sentence):
            slot = best.setdefault(c.category, {})
            slot[c.outcome] = max(slot.get(c.outcome, 0), c.count)
    return {cat: Counts(best[cat].get("killed"), best[cat].get("wounded")) for cat in CATEGORIES if cat in best}
