"""When did it happen: resolve "on Wednesday", "late Monday", "yesterday", "Jan 28" against the publication time.

News copy names the day of the incident relative to the day it was written. A weekday means the most recent
such day on or before publication (a Tuesday story about "Tuesday" means that same day). The result is the
incident time in UTC with a precision: 'day' when the text named a day, 'published' when it fell back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.intel.textutil import parse_number

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

_PART = r"(?:(?P<part>early|late|overnight|midday|before dawn|pre-dawn|predawn)\s+(?:on\s+)?)?"
_WEEKDAY = re.compile(
    rf"\b{_PART}(?:on\s+|last\s+)?(?P<day>{'|'.join(WEEKDAYS)})(?:\s+(?P<part2>morning|afternoon|evening|night))?\b",
    re.IGNORECASE)
_RELATIVE = re.compile(r"\b(?P<word>yesterday|today|tonight|last night|overnight|this morning|earlier today)\b",
                       re.IGNORECASE)
# "two days ago", "the day before yesterday": as exact as "yesterday". Vaguer spans ("last week", "a few days
# ago") are left alone: they usually set the scene for an older incident, and a guessed day would pull this
# report away from the event it belongs to.
_DAYS_AGO = re.compile(r"\b(?:(?P<n>\d{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+days?\s+ago|"
                       r"(?P<dby>the day before yesterday))\b", re.IGNORECASE)
_MAX_DAYS_AGO = 14
_MONTH_DAY = re.compile(
    r"\b(?:(?P<d1>\d{1,2})\s+(?P<m1>[a-z]{3,9})|(?P<m2>[a-z]{3,9})\s+(?P<d2>\d{1,2}))(?:st|nd|rd|th)?\b(?!\s*(?:km|mi))",
    re.IGNORECASE)
_SPEECH = re.compile(r"\b(?:said|says|announced|confirmed|told reporters|stated|added)\s+(?:on\s+)?$", re.IGNORECASE)
# "attacks since Tuesday", "a campaign that began on Oct. 17", "the first since the US strikes across Syria on
# Friday night": the start of a run or the incident it is counted from, not this incident.
_SINCE = re.compile(r"\b(?:since|began|begun|started|starting|beginning)\s+(?:the\s+(?:[\w'-]+\s+){0,6}?)?"
                    r"(?:on\s+|in\s+)?$", re.IGNORECASE)
# "Wednesday's deadly barrage", "the Jan. 20 rocket attack" in a strike report; "Friday's US airstrikes" in an
# attack report: a day tied to an incident of the other kind (the attack a strike answers, the strike an attack
# avenges) dates that incident, not this one.
_OTHER_KIND = {
    "us_strike": re.compile(r"^(?:['’]s)?\s+(?:[\w-]+\s+){0,3}?(?:attacks?|barrage|salvo|fire|bombardment|"
                            r"(?:rocket|drone|missile|mortar) strikes?)\b", re.IGNORECASE),
    "militia_attack": re.compile(r"^(?:['’]s)?\s+(?:[\w-]+\s+){0,1}?(?:airstrikes|air strikes|retaliation|"
                                 r"(?:us|american) (?:air)?strikes)\b", re.IGNORECASE),
}
# "The Pentagon on Monday named the soldiers": the weekday dates the statement that follows it.
_SPEECH_AFTER = re.compile(r"^,?\s+(?:said|says|announced|confirmed|named|identified|released|stated|added|told|"
                           r"denied|condemned|issued|published)\b", re.IGNORECASE)
# Hours (UTC) a part of the day maps to; only used to order events within one day.
_PART_HOUR = {"early": 4, "morning": 8, "midday": 12, "afternoon": 15, "evening": 19, "late": 21, "night": 22,
              "overnight": 1}


@dataclass(frozen=True, slots=True)
class IncidentDate:
    day: date
    occurred_at: datetime
    precision: str  # 'day' (named in the text) | 'published' (fallback to publication time)
    phrase: str | None = None
    part: str = ""  # the part of the day named with it ("night", "early"), if any


def resolve_date(sentences: list[str], published: datetime, kind: str | None = None) -> IncidentDate:
    """The first day reference in `sentences` (already cut before running totals), else `published`.
    With the report's `kind`, a day tied to an incident of the other kind is skipped."""
    published = published.astimezone(UTC)
    other = _OTHER_KIND.get(kind or "")
    for sentence in sentences:
        found = _first_reference(sentence, published, other)
        if found is not None:
            return found
    return IncidentDate(published.date(), published, "published")


def _first_reference(sentence: str, published: datetime, other: re.Pattern[str] | None) -> IncidentDate | None:
    def not_this_incident(m: re.Match[str]) -> bool:
        # "officials said Monday", "since Tuesday", "Wednesday's barrage" (in a strike report): another day
        before = sentence[: m.start()]
        return bool(_SPEECH.search(before) or _SINCE.search(before)
                    or (other is not None and other.match(sentence[m.end():])))

    candidates: list[tuple[int, IncidentDate]] = []
    for m in _WEEKDAY.finditer(sentence):
        if not_this_incident(m) or _SPEECH_AFTER.match(sentence[m.end():]):
            continue
        target = WEEKDAYS.index(m["day"].lower())
        back = (published.weekday() - target) % 7
        part = (m["part"] or m["part2"] or "").lower()
        part = "early" if "dawn" in part else part
        candidates.append((m.start(), _at(published.date() - timedelta(days=back), part, published, m[0])))
    for m in _RELATIVE.finditer(sentence):
        word = m["word"].lower()
        back = 1 if word in ("yesterday", "last night") else 0
        part = {"last night": "night", "overnight": "overnight", "tonight": "night"}.get(word, "")
        candidates.append((m.start(), _at(published.date() - timedelta(days=back), part, published, m[0])))
    for m in _DAYS_AGO.finditer(sentence):
        days = 2 if m["dby"] else parse_number(m["n"])
        if days is not None and days <= _MAX_DAYS_AGO:
            candidates.append((m.start(), _at(published.date() - timedelta(days=days), "", published, m[0])))
    for m in _MONTH_DAY.finditer(sentence):
        if not_this_incident(m):
            continue
        resolved = _month_day(m, published)
        if resolved is not None:
            candidates.append((m.start(), resolved))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def _month_day(m: re.Match[str], published: datetime) -> IncidentDate | None:
    month_word, day_word = (m["m1"], m["d1"]) if m["m1"] else (m["m2"], m["d2"])
    prefix = month_word[:3].lower()
    if prefix not in MONTHS or (len(month_word) > 3 and not _full_month(month_word)):
        return None
    day_num = int(day_word)
    year = published.year
    try:
        day = date(year, MONTHS.index(prefix) + 1, day_num)
        if day > published.date() + timedelta(days=1):  # "Dec 30" in a January story: last year
            day = date(year - 1, day.month, day.day)
    except ValueError:
        return None
    return _at(day, "", published, m[0])


def _full_month(word: str) -> bool:
    names = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december", "sept"]
    return word.lower() in names


def _at(day: date, part: str, published: datetime, phrase: str) -> IncidentDate:
    if day == published.date() and not part:
        return IncidentDate(day, published, "day", phrase)
    hour = _PART_HOUR.get(part, 12)
    occurred = datetime.combine(day, time(hour), tzinfo=UTC)
    # Never after publication: a "late Tuesday" story published Tuesday 20:00 happened before 20:00.
    return IncidentDate(day, min(occurred, published), "day", phrase, part)
