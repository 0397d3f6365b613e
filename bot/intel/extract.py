"""Extraction: from one article's title and text to groups, places, weapons, casualties and the incident date.

Pure: the same input always gives the same `Extraction`. Sentences that state running totals ("attacked 55
times since October 17", "more than 60 injured so far") are set aside as aggregates: their numbers never
count as the day's casualties and their dates never become the incident date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from bot.intel.casualties import CATEGORIES, casualty_mentions, reports_no_injuries
from bot.intel.dates import IncidentDate, dateline_day, resolve_date
from bot.intel.gazetteer import Gazetteer
from bot.intel.textutil import normalize, parse_number, sentences
from classifiers.article_text import read_article

_AGGREGATE = re.compile(
    r"\b(?:(?:in all|all told)\b(?=[^.]*\b(?:diagnosed|treated for|have been|had been)\b)|"
    r"since (?:mid-|late |early )?(?:oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|jan(?:uary)?|feb(?:ruary)?|"
    r"the (?:start|beginning|outbreak)|[a-z]+ \d{1,2}\b|\d{1,2} [a-z]+)|so far (?:this|in)|to date|in total|"
    r"altogether|cumulative|running (?:total|tally)|tally|(?:\d+|dozens of|more than \d+) (?:times|separate attacks)|"
    r"at least \d+ attacks|\d+(?:st|nd|rd|th) attack since)", re.IGNORECASE)
_AGGREGATE_COUNT = re.compile(r"\b(\d{1,4})\s+(?:times|attacks|separate attacks)\b", re.IGNORECASE)
# What follows these words is usually the other incident (the attack a strike answers, or vice versa): its
# places and days must not become this incident's.
_RESPONSE = re.compile(r"\b(?:(?:just |only )?(?:days|hours|weeks|a day|a week|months) (?:after|before)|"
                       r"in (?:direct )?response to|(?:a |was a |were a )?(?:direct )?response to|"
                       r"respond(?:s|ed|ing)? to|answer(?:s|ed|ing)?|in retaliation for|retaliation for|"
                       r"retaliating for|retaliatory)\b", re.IGNORECASE)
# In a headline "after" almost always introduces the other incident ("US strikes KH after Erbil attack").
_TITLE_RESPONSE = re.compile(r"\b(?:after|following|in response to|respond(?:s|ed)? to|in retaliation for)\b",
                             re.IGNORECASE)
_CLAIM = re.compile(
    r"\b(?:claim(?:ed|s|ing)?|took responsibility|take responsibility|responsibility for|said\b[^,;.]{0,40}?\b"
    r"(?:it|they|its fighters|its members) (?:had )?(?:launched|targeted|attacked|struck|carried out|fired|hit)|"
    r"on (?:its )?telegram)\b", re.IGNORECASE)
# A claim belongs to the group that makes it, not to every group in its sentence. The claimant is the subject
# before the claim verb ("X claimed", "X said it launched") or the agent after it ("claimed by X"). Between a
# subject and its verb there must be no new clause ("..., which no group has claimed") and no denial or blame
# ("X denied ...", "X was blamed ..."); a subject farther than this from its verb is not trusted.
_CLAIM_SUBJECT_GAP = 100
_CLAUSE_BREAK = re.compile(
    r"[;:]|,\s*(?:which|who|that|while|but|and|whereas|although|though|after|as)\b|"
    r"\b(?:but|while|whereas|although|though|because|blamed|blames|blaming|attributed|accused|accuses|denied|"
    r"denies|deny|denying|behind|not|never|no)\b|n't\b", re.IGNORECASE)
# "claimed by X", "claimed first by an obscure group, X", "and then, in a separate statement, by X".
_CLAIM_AGENT_GAP = re.compile(r"^(?P<lead>[^;:]{0,100}?)\bby\s+(?:[\w'’-]+,?\s+){0,4}$", re.IGNORECASE)
_AGENT_LEAD_BREAK = re.compile(
    r",\s*(?:which|who|that|while|but)\b|\b(?:blamed|attributed|accused|denied|behind|not|never|no|"
    r"carried out|conducted|launched|fired)\b", re.IGNORECASE)
# "X, which has claimed ...": the relative clause speaks about the group itself.
_CLAIM_RELATIVE = re.compile(r"^,\s*(?:which|who)\s+(?:has\s+|had\s+|have\s+)?$", re.IGNORECASE)
# A brand claims are made under: "under the banner of X", "under the X banner", "under names such as X".
_BRAND_BEFORE = re.compile(
    r"\b(?:under|a|its|their) (?:the )?(?:[\w-]+ )?(?:banner|brand|name|label|umbrella)s? (?:of |such as )?(?:the )?$"
    r"|\btelegram channels? (?:of|for|run by|belonging to) (?:the )?$", re.IGNORECASE)
_BRAND_AFTER = re.compile(r"^\s+(?:banner|brand|label)\b", re.IGNORECASE)
# "In a statement on Telegram, the IRI said ...": the claim marker sits in an opening phrase before the subject.
_CLAIM_OPENER = re.compile(r"^(?:in|on|via|through)\b[^,;]*,\s*(?:the\s+)?$", re.IGNORECASE)
# "Baghdad condemns ...", "Damascus said ...": a capital standing for its government is not where it happened.
# "the al-Omar field's residential area known as Green Village": the place so named is the one meant, ahead of
# the places the sentence used to describe it.
_NAMED_AS = re.compile(r"\b(?:known as|called|dubbed|nicknamed)\s+(?:the\s+)?$", re.IGNORECASE)
# "a strike south of Baghdad", "30 km west of Erbil": the city locates the place, it is not the place; nor is
# where rockets were "launched from" the place they hit.
_REFERENCE_POINT = re.compile(
    r"\b(?:(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?\s+of|"
    r"(?:fired|launched|shot)\s+(?:[\w-]+\s+){0,3}?from)\s+(?:the\s+)?$", re.IGNORECASE)
_METONYM_VERB = re.compile(
    r"^\s+(?:has\s+|had\s+)?(?:condemn|denounc|protest|accus|blam|said|says|say\b|warn|demand|summon|reject|"
    r"call|den(?:y|ie)|vow|threaten|respond)", re.IGNORECASE)


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
    landmarks: frozenset[str] = frozenset()  # places named only as reference points ("south of Baghdad")

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


# "killed one American contractor last month", "behind a previous attack": another, earlier incident.
_EARLIER = re.compile(r"\b(?:last (?:month|year)|earlier this (?:month|year)|in recent (?:weeks|months)|"
                      r"(?:a|the) (?:previous|prior|similar|earlier) (?:\w+ )?(?:attacks?|strikes?|incidents?)|"
                      r"in (?:that|an earlier|a previous|the previous) (?:attack|strike|incident))\b", re.IGNORECASE)


def is_aggregate(sentence: str) -> bool:
    """True when a sentence states a running total rather than one incident."""
    return bool(_AGGREGATE.search(sentence))


# An event's reports are extracted again on every update; the article-text step is pure, so keep its results.
_read_article = lru_cache(maxsize=4096)(read_article)


def extract(title: str, text: str, published: datetime, gazetteer: Gazetteer, kind: str | None = None) -> Extraction:
    """Extract the facts of one article. `published` must be timezone-aware; with the article's `kind`, a day
    tied to an incident of the other kind (the attack a strike answers) is not taken as the incident's.

    The text is read through the article-text step: facts come from the headline, the lead and the body
    paragraphs that tell this incident, in that order; page chrome (captions, bylines, stamps, related links)
    and background paragraphs (history, the incident this one answers, campaign totals) never give a fact.
    """
    article = _read_article(title, text)
    title_n = normalize(article.headline)
    m = _TITLE_RESPONSE.search(title_n)
    title_n = title_n[: m.start()].strip() if m else title_n
    lead = sentences(normalize(article.lead))
    foreground = [*lead, *(s for p in article.body if not p.background for s in sentences(normalize(p.text)))]
    background = [s for p in article.body if p.background for s in sentences(normalize(p.text))]
    all_sentences = [title_n, *foreground] if title_n else foreground
    incident = [s for s in all_sentences if not is_aggregate(s)]
    aggregates = tuple(Aggregate(s, _aggregate_count(s)) for s in [*all_sentences, *background] if is_aggregate(s))
    groups, places, weapons, landmarks = _entities(all_sentences, gazetteer)
    if kind == "militia_attack":
        groups = _patrons_from_lead(groups, all_sentences[:len(lead) + bool(title_n)], gazetteer)

    reference = dateline_day(article.dateline, published)
    return Extraction(
        groups=groups,
        places=places,
        weapons=weapons,
        casualties=_casualties([incident_part(s) for s in incident if not _EARLIER.search(s)]),
        no_injuries=any(reports_no_injuries(s) for s in incident),
        incident=resolve_date([incident_part(_before_total(s)) for s in all_sentences], reference, kind,
                              lead=len(lead) + bool(title_n)),
        aggregates=aggregates,
        roundup=bool(title_n) and is_aggregate(title_n),
        incident_sentences=tuple(incident),
        landmarks=landmarks,
    )


def _patrons_from_lead(groups: tuple[GroupMention, ...], opening: list[str],
                       gazetteer: Gazetteer) -> tuple[GroupMention, ...]:
    """An attack's state patron (IRGC-Quds Force) is an actor only when the headline or lead names it or it is
    said to have claimed the attack; named further down it is context ("Iranian-backed", the Soleimani strike)."""
    opened = {m.key for m in gazetteer.find("\n".join(opening)) if m.kind == "group"}
    return tuple(g for g in groups if g.role == "claimed" or g.key in opened
                 or gazetteer.groups.get(g.key) is None or gazetteer.groups[g.key].type != "state")


def _before_total(sentence: str) -> str:
    """The part of a sentence before its running total: "The drone that hit Erbil on 25 December ... was the
    103rd attack since 17 October" dates the incident before it counts the campaign."""
    m = _AGGREGATE.search(sentence)
    return sentence[: m.start()] if m else sentence


def incident_part(sentence: str) -> str:
    """The part of a sentence before 'in response to' / 'after the', which speaks about this incident."""
    m = _RESPONSE.search(sentence)
    if m and m.start() == 0:
        # "In response to the attack, US jets struck ...": the main clause after the opening phrase.
        comma = sentence.find(", ", m.end())
        return incident_part(sentence[comma + 2:]) if comma > 0 else ""
    return sentence[: m.start()] if m else sentence


def claims_in_sentence(sentence: str, start: int, end: int) -> bool:
    """True when the group named at sentence[start:end] is the one making a claim in this sentence."""
    verbs = list(_CLAIM.finditer(sentence))
    if verbs and _is_brand(sentence[:start], sentence[end:]):
        return True
    for verb in verbs:
        if verb.start() >= end and _is_claim_subject(sentence[end:verb.start()]):
            return True
        if verb.end() <= start and _is_claim_agent(sentence[:verb.end()], sentence[verb.end():start]):
            return True
    return False


def _is_claim_subject(gap: str) -> bool:
    # "X claimed", "X, an umbrella of militias, said it launched": only an apposition may stand in between.
    if _CLAIM_RELATIVE.match(gap):
        return True
    return len(gap) <= _CLAIM_SUBJECT_GAP and not _CLAUSE_BREAK.search(gap)


def _is_claim_agent(before_gap: str, gap: str) -> bool:
    # "claimed by X" (but not "claimed the attack, which officials blamed on X"); or an opening claim phrase
    # whose subject is X ("In a statement on Telegram, X said ...").
    agent = _CLAIM_AGENT_GAP.match(gap)
    if agent and not _AGENT_LEAD_BREAK.search(agent["lead"]):
        return True
    return bool(_CLAIM_OPENER.match(before_gap + gap))


def _is_brand(before: str, after: str) -> bool:
    # The umbrella name a claim was issued under is the claimant, wherever it stands in the sentence.
    return bool(_BRAND_BEFORE.search(before) or (before.rstrip().lower().endswith(("under", "under the"))
                                                   and _BRAND_AFTER.match(after)))


def _aggregate_count(sentence: str) -> int | None:
    m = _AGGREGATE_COUNT.search(sentence)
    return parse_number(m[1]) if m else None


def _entities(
    all_sentences: list[str], gazetteer: Gazetteer
) -> tuple[tuple[GroupMention, ...], tuple[str, ...], tuple[str, ...], frozenset[str]]:
    roles: dict[str, str] = {}
    places: list[str] = []
    weapons: list[str] = []
    references: set[str] = set()  # named as a reference point somewhere
    located: set[str] = set()  # named as a place in its own right somewhere
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

    sentence_start, sentence_places = -1, 0  # the current sentence, and where its places begin in `places`
    for m in gazetteer.find(joined):
        start = start_of(m.start)
        if start != sentence_start:
            sentence_start, sentence_places = start, len(places)
        if m.kind == "group":
            sentence = next(s for begin, _, s in offsets if begin == start)
            role = "claimed" if claims_in_sentence(sentence, m.start - start, m.end - start) else "attributed"
            if role != "claimed" and (_EARLIER.search(sentence) or _describes_member(m.key, sentence[:m.start - start],
                                                                                   gazetteer)):
                continue
            if roles.get(m.key) != "claimed":
                roles[m.key] = role
        elif m.kind == "place" and m.start - start < response_at(m.start):
            before = joined[max(0, m.start - 50):m.start]
            (references if _REFERENCE_POINT.search(before) else located).add(m.key)
            if m.key in places:
                continue
            if _NAMED_AS.search(before):
                places.insert(sentence_places, m.key)
            elif not _is_metonym(m.key, joined[m.end:], gazetteer):
                places.append(m.key)
        elif m.kind == "weapon" and m.key not in weapons:
            weapons.append(m.key)
    landmarks = frozenset(references - located)
    return tuple(GroupMention(k, r) for k, r in roles.items()), tuple(places), tuple(weapons), landmarks


# "Kataib Hezbollah, one of the militias known collectively as the Popular Mobilization Forces": the umbrella
# describes the group, it is not an actor of its own.
_MEMBER_OF = re.compile(r"\b(?:part of|members? of|known (?:collectively )?as|umbrella|under|belong(?:s|ing)? to|"
                        r"affiliated with|one of|within|factions? (?:of|in)|brigades? (?:of|in)|wing of|"
                        r"operat(?:es|ing) (?:under|within)|(?:a|an) [\w-]+ (?:of|in))\b[^.;]{0,50}$", re.IGNORECASE)


_DESCRIBES_SOURCE = re.compile(r"\b(?:news|agency|website|outlet|channel|media|television|tv)\b[^.;]{0,30}"
                               r"\b(?:affiliated with|close to|linked to|run by|owned by)\s+(?:the\s+)?$",
                               re.IGNORECASE)


def _describes_member(key: str, before: str, gazetteer: Gazetteer) -> bool:
    group = gazetteer.groups.get(key)
    if group is not None and group.type == "state" and _DESCRIBES_SOURCE.search(before):
        return True  # "Tasnim, a news site affiliated with the IRGC": it describes the outlet
    return bool(group and group.type == "umbrella" and _MEMBER_OF.search(before))


def _is_metonym(key: str, after: str, gazetteer: Gazetteer) -> bool:
    place = gazetteer.places.get(key)
    return bool(place and place.type == "city" and _METONYM_VERB.match(after))


def _casualties(incident_sentences: list[str]) -> dict[str, Counts]:
    # Several sentences often restate one figure: keep the largest per category and outcome.
    best: dict[str, dict[str, int]] = {}
    for sentence in incident_sentences:
        for c in casualty_mentions(sentence):
            slot = best.setdefault(c.category, {})
            slot[c.outcome] = max(slot.get(c.outcome, 0), c.count)
    return {cat: Counts(best[cat].get("killed"), best[cat].get("wounded")) for cat in CATEGORIES if cat in best}
