"""When did it happen: resolve "on Wednesday", "late Monday", "yesterday", "Jan 28" against the publication time.

News copy names the day of the incident relative to the day it was written. A weekday means the most recent
such day on or before publication (a Tuesday story about "Tuesday" means that same day). The result is the
incident time in UTC with a precision: 'day' when the text named a day, 'published' when it fell back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
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
# "March 11", "11 March", "Jan 20, 2024", "5 August 2024": an explicit year is honoured.
_MONTH_DAY = re.compile(
    r"\b(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>[a-z]{3,9})|(?P<m2>[a-z]{3,9})\s+(?P<d2>\d{1,2})"
    r"(?:st|nd|rd|th)?)\b(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?(?!\s*(?:km|mi))",
    re.IGNORECASE)
# A dateline's own day ("WASHINGTON, Jan. 23 (Agency) --") is the day the report was filed.
_DATELINE_DAY_SLACK = timedelta(days=3)
_SPEECH = re.compile(r"\b(?:said|says|announced|confirmed|told reporters|stated|added|reported)\s+(?:on\s+)?$",
                     re.IGNORECASE)
# "attacks since Tuesday", "a campaign that began on Oct. 17", "the first since the US strikes across Syria on
# Friday night": the start of a run or the incident it is counted from, not this incident.
_SINCE = re.compile(r"\b(?:since|began|begun|started|starting|beginning)\s+(?:the\s+(?:[\w'-]+\s+){0,6}?)?"
                    r"(?:on\s+|in\s+)?$", re.IGNORECASE)
# "the deadly attack on March 11", "the attack on al-Asad Airbase on Jan. 20" in a strike report; "after US
# airstrikes on Friday" in an attack report: the day follows the other incident's noun.
_OTHER_KIND_BEFORE = {
    "us_strike": re.compile(r"\b(?:attacks?(?!\s+(?:helicopters?|drones?|aircraft|jets?|planes?|submarines?))|"
                            r"barrage|salvo|bombardment|suffered|(?:target(?:ed|ing)?|fired at|"
                            r"struck|hit)\s+(?:us|american|coalition)\b)[^,.;]{0,80}?\b(?:on|of)\s+$",
                            re.IGNORECASE),
    "militia_attack": re.compile(r"\b(?:(?:us|american) (?:air ?)?strikes?|airstrikes|air strikes|retaliation)\b"
                                 r"[^,.;]{0,60}?\bon\s+$", re.IGNORECASE),
}
# A day named more than this long before the report is an earlier incident (history, a file photo's caption).
# Further down the page, a date more than a week old is history ("US forces responded with airstrikes on Oct 26").
_MAX_PAST = timedelta(days=21)
_MAX_PAST_BODY = timedelta(days=7)
# "last week": about seven days back, soft evidence only.
_LAST_WEEK = re.compile(r"\blast week\b", re.IGNORECASE)
# Month names in the languages of non-English copies of the same wire stories ("29 de diciembre", "5 Agustus").
_FOREIGN_MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "août": 8,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "januar": 1, "februar": 2, "märz": 3, "juni": 6, "juli": 7, "oktober": 10, "dezember": 12,
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7, "settembre": 9,
    "ottobre": 10, "dicembre": 12, "januari": 1, "februari": 2, "maret": 3, "mei": 5, "agustus": 8,
    "desember": 12, "desemba": 12,
}
_FOREIGN_DAY = re.compile(rf"\b(?P<d>\d{{1,2}})\.?\s+(?:de\s+)?(?P<m>{'|'.join(_FOREIGN_MONTHS)})\b"
                          r"(?:\s+(?:de\s+)?(?P<year>(?:19|20)\d\d))?", re.IGNORECASE)
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
    # 'day' (named for the incident) | 'statement' (only the day a statement was made is named: soft evidence)
    # | 'published' (fallback to publication time)
    precision: str
    phrase: str | None = None
    part: str = ""  # the part of the day named with it ("night", "early"), if any


def imprecise(published: datetime) -> bool:
    """A feed time that is only a date: exactly midnight or noon (feeds stamp date-only items so). Such a time
    says which day, not when in it: days counted from it ("overnight", "yesterday") are soft evidence, and it
    must never decide a hard block on its own."""
    return (published.minute, published.second, published.microsecond) == (0, 0, 0) and published.hour in (0, 12)


def dateline_day(dateline: str, published: datetime) -> datetime:
    """The report's own time: the day its dateline names when that is within a few days before publication
    (a feed's stamp can be a repost or a date-only value), else `published`."""
    m = _MONTH_DAY.search(dateline) if dateline else None
    found = _month_day(m, published) if m else None
    if found is None or found.day == published.date():
        return published
    filed = datetime.combine(found.day, time(12), tzinfo=UTC)
    return filed if published - _DATELINE_DAY_SLACK <= filed <= published else published


def resolve_date(sentences: list[str], published: datetime, kind: str | None = None, lead: int | None = None
                 ) -> IncidentDate:
    """The incident day as an editor reads it, from `sentences` (already cut before running totals): the first
    day the headline and lead (`lead` sentences; all when None) give the incident, else the first day they
    give a statement about it ("the Pentagon said on Thursday": news of an incident comes the day it happens
    or later), then the same in the later sentences; else "last week" as soft evidence; else `published`.
    With the report's `kind`, a day tied to an incident of the other kind is skipped."""
    published = published.astimezone(UTC)
    lead = len(sentences) if lead is None else lead
    statement: IncidentDate | None = None
    for opening, tier, max_past in ((True, sentences[:lead], _MAX_PAST), (False, sentences[lead:], _MAX_PAST_BODY)):
        for sentence in tier:
            found, said = _first_reference(sentence, published, kind, max_past)
            if found is not None:
                return found
            statement = statement or said
        if statement is not None:
            break
        if opening and any(_LAST_WEEK.search(s) for s in tier):
            week_ago = published - timedelta(days=7)  # the lead says "last week" and names no day
            return IncidentDate(week_ago.date(), week_ago, "approx", "last week")
    if statement is not None:
        # Soft: a statement can come days after the incident ("the Pentagon on Monday named the soldiers").
        return replace(statement, precision="statement")
    return IncidentDate(published.date(), published, "published")


def _first_reference(sentence: str, published: datetime, kind: str | None,
                     max_past: timedelta = _MAX_PAST) -> tuple[IncidentDate | None, IncidentDate | None]:
    """(the first day this sentence gives the incident, the first day it gives a statement)."""
    other, other_before = _OTHER_KIND.get(kind or ""), _OTHER_KIND_BEFORE.get(kind or "")

    def speech(m: re.Match[str]) -> bool:
        return bool(_SPEECH.search(sentence[: m.start()]) or _SPEECH_AFTER.match(sentence[m.end():]))

    def not_this_incident(m: re.Match[str]) -> bool:
        # "since Tuesday", "Wednesday's barrage" (in a strike report): another incident's day
        before = sentence[: m.start()]
        if m[0].lower().startswith(("on ", "last ")):
            before += "on "  # the weekday match took its "on": "the attack on troops on Wednesday"
        return bool(_SINCE.search(before) or (other is not None and other.match(sentence[m.end():]))
                    or (other_before is not None and other_before.search(before)))

    candidates: list[tuple[int, IncidentDate]] = []
    said: list[tuple[int, IncidentDate]] = []
    for m in _WEEKDAY.finditer(sentence):
        if not_this_incident(m):
            continue
        if speech(m):
            target = WEEKDAYS.index(m["day"].lower())
            back = (published.weekday() - target) % 7
            said.append((m.start(), _at(published.date() - timedelta(days=back), "", published, m[0])))
            continue
        target = WEEKDAYS.index(m["day"].lower())
        back = (published.weekday() - target) % 7
        part = (m["part"] or m["part2"] or "").lower()
        part = "early" if "dawn" in part else part
        candidates.append((m.start(), _at(published.date() - timedelta(days=back), part, published, m[0])))
    relative: list[tuple[int, IncidentDate]] = []
    for m in _RELATIVE.finditer(sentence):
        if _quoted(sentence, m.start()):
            continue  # "today" in a quoted statement is the statement's day, not the report's
        word = m["word"].lower()
        back = 1 if word in ("yesterday", "last night") else 0
        part = {"last night": "night", "overnight": "overnight", "tonight": "night",
                "this morning": "morning"}.get(word, "")
        relative.append((m.start(), _at(published.date() - timedelta(days=back), part, published, m[0])))
    for m in _DAYS_AGO.finditer(sentence):
        days = 2 if m["dby"] else parse_number(m["n"])
        if days is not None and days <= _MAX_DAYS_AGO:
            relative.append((m.start(), _at(published.date() - timedelta(days=days), "", published, m[0])))
    # Counted from a date-only publication time, "overnight" or "yesterday" may be either of two days.
    (said if imprecise(published) else candidates).extend(relative)
    for m in _MONTH_DAY.finditer(sentence):
        if not_this_incident(m):
            continue
        resolved = _month_day(m, published)
        if resolved is not None and published.date() - resolved.day <= max_past:
            (said if speech(m) else candidates).append((m.start(), resolved))
    for m in _FOREIGN_DAY.finditer(sentence):
        resolved = _foreign_day(m, published)
        if resolved is not None and published.date() - resolved.day <= max_past:
            candidates.append((m.start(), resolved))
    first = min(candidates, key=lambda c: c[0])[1] if candidates else None
    return first, (min(said, key=lambda c: c[0])[1] if said else None)


def _quoted(sentence: str, pos: int) -> bool:
    """True inside a quotation: an odd number of quote marks before `pos`."""
    before = sentence[:pos]
    return (before.count('"') % 2 == 1) or before.count("“") > before.count("”")


def _month_day(m: re.Match[str], published: datetime) -> IncidentDate | None:
    month_word, day_word = (m["m1"], m["d1"]) if m["m1"] else (m["m2"], m["d2"])
    prefix = month_word[:3].lower()
    if prefix not in MONTHS or (len(month_word) > 3 and not _full_month(month_word)):
        return None
    day_num = int(day_word)
    try:
        if m["year"]:  # an explicit year is the reporter's: honour it
            day = date(int(m["year"]), MONTHS.index(prefix) + 1, day_num)
        else:
            day = date(published.year, MONTHS.index(prefix) + 1, day_num)
            if day > published.date() + timedelta(days=1):  # "Dec 30" in a January story: last year
                day = date(published.year - 1, day.month, day.day)
    except ValueError:
        return None
    return _at(day, "", published, m[0])


def _foreign_day(m: re.Match[str], published: datetime) -> IncidentDate | None:
    month = _FOREIGN_MONTHS[m["m"].lower()]
    try:
        day = date(int(m["year"]) if m["year"] else published.year, month, int(m["d"]))
    except ValueError:
        return None
    if not m["year"] and day > published.date() + timedelta(days=1):
        day = date(day.year - 1, day.month, day.day)
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
