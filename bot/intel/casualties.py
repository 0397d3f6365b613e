"""Casualty counts by category from one sentence: "killing three US soldiers and wounding 34" and the like.

Categories: us_military, us_contractor, coalition, partner_forces, militants, civilians. A number is tied to
the category noun that follows it ("three US soldiers") and to the nearest casualty verb after the noun
("were killed") or before the number ("killing"). A bare number next to a verb ("and 47 wounded", "and more
than 30 were wounded", "wounding 34 others") inherits the category last named in the sentence. Explicit "no
injuries" is a fact too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.intel.textutil import parse_number

CATEGORIES = ("us_military", "us_contractor", "contractors", "coalition", "partner_forces", "militants", "civilians")
CATEGORY_LABELS = {
    "us_military": "US service members", "us_contractor": "US contractors",
    "contractors": "contractors (nationality not stated)", "coalition": "coalition personnel",
    "partner_forces": "partner forces", "militants": "militants", "civilians": "civilians",
}

_NUM = (r"(?P<num>\d{1,4}|(?:two|three|four|five) dozen|a dozen|"
        r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
        r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|a|an|single|another)")
_QUAL = r"(?:(?:at least|more than|over|some|about|nearly|around|up to|a further)\s+)?"
# Up to two modifiers ("three more US army soldiers"), never a conjunction or article that starts a new phrase.
_ADJ = r"(?:(?!(?:and|or|a|an|the|of|including|with|others?)\b)[a-z-]+\s+){0,2}?"
_US = r"(?:us|american|united states)"
_MIL = (r"(?:service\s?members?|servicemen|troops?|soldiers?|personnel|sailors?|airmen|airman|marines?|"
        r"army soldiers?|military personnel|forces)")
# Iraqi and partner state forces named as a body ("members of the Iraqi army").
_PARTNER_UNITS = (r"(?:(?:iraqi|kurdish|syrian|jordanian|local|federal)\s+){0,2}(?:security forces|army|military|"
                  r"police(?: force)?|counter-?terrorism (?:service|forces?)|cts|peshmerga|sdf|"
                  r"syrian democratic forces|border guards?)")
# Order matters: the first category whose noun phrase follows the number wins.
_CATEGORY_NOUNS: list[tuple[str, re.Pattern[str]]] = [
    ("us_contractor", re.compile(rf"{_ADJ}(?:{_US}\s+)(?:civilian\s+)?contractors?\b")),
    ("coalition", re.compile(rf"{_ADJ}(?:coalition|british|uk|french|italian|australian)\s+{_ADJ}"
                             rf"(?:{_MIL}|contractors?|nationals?|citizens?)\b|{_ADJ}briton\b")),
    ("us_military", re.compile(rf"{_ADJ}(?:{_US}\s+{_ADJ}{_MIL}|americans)\b")),
    # A contractor whose nationality is not stated (or is not American) is not counted as American.
    ("contractors", re.compile(r"(?:[a-z-]+\s+){0,2}?(?:civilian\s+)?contractors?\b")),
    ("partner_forces", re.compile(r"(?:[a-z-]+\s+){0,1}?(?:sdf|syrian democratic forces|iraqi|peshmerga|kurdish|"
                                  r"jordanian|partner|police|counter-?terrorism(?: service)?|cts|security forces?)"
                                  r"\s+(?:[a-z-]+\s+){0,2}?(?:soldiers?|troops|fighters?|"
                                  r"personnel|members?|officers?|commandos|forces|policemen|guards?)\b")),
    # "two members of the Iraqi security forces", "a member of the federal police": state and partner forces,
    # not militants (whose pattern also takes "members of ..."). The PMF stays with the militants.
    ("partner_forces", re.compile(rf"members?\s+of\s+(?:the\s+)?{_PARTNER_UNITS}\b")),
    ("partner_forces", re.compile(r"(?:[a-z-]+\s+){0,1}?(?:policem[ae]n|peshmerga)\b")),
    ("civilians", re.compile(r"(?:[a-z-]+\s+){0,1}?(?:civilians?|children|child|residents?|bystanders?|"
                             r"passers-by)\b")),
    ("militants", re.compile(r"(?:[a-z-]+\s+){0,2}?(?:militants?|fighters?|militiam[ae]n|militia members?|"
                             r"gunmen|combatants|operatives|members\s+of\s+[a-z' -]+?|commanders?|"
                             r"insurgents)\b")),
]
_INHERIT = re.compile(r"(?:others?|more|people)\b")
# "Three US soldiers were killed and over 30 service members were wounded": a military noun with no nationality
# continues the US forces named before it in the sentence.
_BARE_MILITARY = re.compile(rf"{_ADJ}{_MIL}\b")
# Checks are not injuries: "assessed for traumatic brain injury", "concussion checks", "evaluated for TBI".
_CHECKS = re.compile(r"\b(?:assess|evaluat|check|screen|examin|monitor)(?:ed|ing)?\s+(?:for\s+)?(?:possible\s+|"
                     r"potential\s+)?(?:traumatic brain injur(?:y|ies)|tbi|concussions?)|\bconcussion\s+(?:checks?|"
                     r"screenings?|protocols?|assessments?|evaluations?)", re.IGNORECASE)
_KILLED = r"(?:killed|killing|dead|died|die|deaths?|fatalities|lost their lives|slain)"
_WOUNDED = (r"(?:wounded|wounding|injured|injuring|injuries|hurt|hospitali[sz]ed|traumatic brain|tbi|"
            r"concussions?|evacuated for (?:medical )?(?:treatment|evaluation))")
_VERB = re.compile(rf"\b(?P<k>{_KILLED})\b|\b(?P<w>{_WOUNDED})\b")
# A bare number's own verb, passive included: "and 47 wounded", "and more than 30 were wounded".
_OWN_VERB = re.compile(rf"(?:(?:were|was|are|have been|had been)\s+)?(?:{_KILLED}|{_WOUNDED})\b")
_NUMBER_AT = re.compile(rf"\b{_QUAL}{_NUM}\s+")
# A noun phrase's own verb right after it: "three civilians were wounded", "two soldiers, who were hurt".
_IMMEDIATE_VERB = re.compile(
    rf"\s*,?\s*(?:who\s+)?(?:(?:were|was|are|is|have been|had been|has been|got)\s+)?"
    rf"(?:(?:also|later|reportedly|slightly|seriously|lightly)\s+)?(?P<verb>{_KILLED}|{_WOUNDED})\b")
# What joins the items of a list of casualty noun phrases: "four soldiers, two contractors and one civilian".
_LIST_GLUE = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+)")
_VERB_NUM = re.compile(rf"\b(?P<verb>{_KILLED}|{_WOUNDED})\s+{_QUAL}{_NUM}\b(?!\s+(?:of|[a-z]+\s+(?:us|american)))")
_NONE = re.compile(
    r"\b(?:without causing|did not cause|didn't cause|failed to cause|caused no|causing no|resulting in no|"
    r"did not result in|didn't result in)\s+(?:any\s+)?(?:[a-z]+\s+(?:or\s+[a-z]+\s+)?)?(?:injuries|casualties)\b|"
    r"\bno (?:immediate )?(?:reports? of )?(?:(?:us|american|coalition|u\.s\.) )?(?:injuries|casualties|deaths|"
    r"damage or injuries|injuries or damage|"
    r"(?:us |american |coalition )?(?:personnel|troops|service members|forces) (?:were )?(?:hurt|injured|harmed|"
    r"wounded|killed))\b|\b(?:without|did not cause any|caused no|resulted in no) (?:any )?(?:injuries|casualties)\b"
    r"|\bno one was (?:hurt|injured|killed)\b|\bnobody was (?:hurt|injured)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CasualtyMention:
    category: str
    outcome: str  # 'killed' | 'wounded'
    count: int
    start: int


def reports_no_injuries(sentence: str) -> bool:
    """True for an explicit 'no injuries' / 'no casualties' / 'no one was hurt'."""
    return bool(_NONE.search(sentence))


def casualty_mentions(sentence: str) -> list[CasualtyMention]:
    """All (category, killed|wounded, count) mentions in one sentence, in text order."""
    low = _CHECKS.sub(lambda m: "x" * len(m[0]), sentence.lower())
    out: list[CasualtyMention] = []
    last_category: str | None = None
    used_numbers: set[int] = set()
    last_end, last_outcome = -1, None
    for m in _NUMBER_AT.finditer(low):
        category, noun_end = _noun_after(low, m.end())
        if re.match(r"(?:number|handful|couple|lot|series|total) of", low[m.end():]):
            continue  # "a number of militants": no count
        if category is None and not m["num"].isdigit() and m["num"] not in NUMERAL_WORDS:
            continue  # "a" or "an" without a category noun is just an article
        count = parse_number(m["num"])
        if count is None:
            continue
        if category == "contractors" and _us_in_list(low, m, noun_end, last_category, last_end):
            category = "us_contractor"
        if category is None and last_category == "us_military" and (bare := _BARE_MILITARY.match(low, m.end())):
            category, noun_end = last_category, bare.end()
        if category is None:
            if last_category is None or not (_INHERIT.match(low, m.end()) or _OWN_VERB.match(low, m.end())):
                continue
            category, noun_end = last_category, m.end()
        last_category = category
        outcome = _verb_adjacent(low, m.start()) or _verb_immediate(low, noun_end)
        if outcome is None and last_outcome and re.fullmatch(r"\s*(?:,|and|, and)\s*", low[last_end:m.start()]):
            outcome = last_outcome  # "killing two Americans and a British soldier": one verb, a list of nouns
        # "Four Peshmerga soldiers and one civilian were hurt": the verb after a list belongs to every item.
        outcome = outcome or _verb_after(low, _list_end(low, noun_end)) or _verb_before(low, m.start())
        last_end, last_outcome = noun_end, outcome
        if outcome:
            out.append(CasualtyMention(category, outcome, count, m.start()))
            used_numbers.add(m.start("num"))
    # "wounding 34" with nothing after: the verb precedes a bare number.
    for m in _VERB_NUM.finditer(low):
        if m.start("num") in used_numbers or last_category is None:
            continue
        count = parse_number(m["num"])
        category = _category_before(out, m.start()) or last_category
        if count is not None and m["num"] not in ("a", "an"):
            out.append(CasualtyMention(category, _outcome(m["verb"]), count, m.start()))
    return sorted(out, key=lambda c: c.start)


_NOT_US = re.compile(r"\b(?:foreign|local|iraqi|syrian|kurdish|british|french|italian|turkish|indian|filipino|"
                     r"non-us|non-american|other nationalit\w*)\b")


def _us_in_list(low: str, m: re.Match[str], noun_end: int, last_category: str | None, last_end: int) -> bool:
    """"Five US troops, two contractors", "a US contractor and another contractor": a contractor listed right
    after US personnel shares their nationality unless one is stated."""
    if last_category not in ("us_military", "us_contractor") or _NOT_US.search(low[m.start():noun_end]):
        return False
    return m["num"] == "another" or bool(re.fullmatch(r"\s*(?:,|and|, and)\s*", low[last_end:m.start()]))


NUMERAL_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                 "twenty", "thirty", "forty", "fifty", "a dozen", "two dozen", "three dozen", "four dozen",
                 "five dozen", "single"}  # not "a", "an", "another": articles too


def _noun_after(low: str, pos: int) -> tuple[str | None, int]:
    for category, pattern in _CATEGORY_NOUNS:
        m = pattern.match(low, pos)
        if m:
            return category, m.end()
    return None, pos


def _verb_after(low: str, pos: int) -> str | None:
    # The verb must come soon after the noun and before the next number or clause break.
    window = re.split(r"[;:]|\band\s+(?=\d|one|two|three|four|five|six|seven|eight|nine|ten)|\bwhile\b",
                      low[pos:pos + 70])[0]
    m = _VERB.search(window)
    return _outcome(m[0]) if m else None


def _verb_immediate(low: str, pos: int) -> str | None:
    m = _IMMEDIATE_VERB.match(low, pos)
    return _outcome(m["verb"]) if m else None


def _list_end(low: str, pos: int) -> int:
    """Where a list of casualty noun phrases that starts before `pos` ends ("..., three Iraqi soldiers and one
    civilian"); `pos` itself when no further item follows."""
    while (glue := _LIST_GLUE.match(low, pos)) and (num := _NUMBER_AT.match(low, glue.end())):
        category, end = _noun_after(low, num.end())
        if category is None:
            break
        pos = end
    return pos


def _verb_adjacent(low: str, pos: int) -> str | None:
    """'killing three ...', 'wounded at least five ...': a verb right before the number governs it."""
    m = re.search(rf"\b({_KILLED}|{_WOUNDED})\s+$", low[max(0, pos - 30):pos])
    return _outcome(m[1]) if m else None


def _verb_before(low: str, pos: int) -> str | None:
    window = low[max(0, pos - 30):pos]
    hits = list(_VERB.finditer(window))
    return _outcome(hits[-1][0]) if hits else None


def _outcome(verb: str) -> str:
    return "killed" if re.fullmatch(_KILLED, verb) else "wounded"


def _category_before(found: list[CasualtyMention], pos: int) -> str | None:
    before = [c for c in found if c.start < pos]
    return before[-1].category if before else None
