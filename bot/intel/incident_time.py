"""When two reports can tell of the same incident: named days, nights and the publication-time anchor.

These are the time rules of `matching`: named days a night apart at most, "Thursday night" (US time) and
"early Friday" (local time) as one night for strikes, a report that names no day anchored on when it was
published, and causality (nothing is reported before it happens, and a day named locally begins at 21:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.intel.dates import imprecise

if TYPE_CHECKING:  # matching imports this module; the types are only annotations here
    from bot.intel.matching import Candidate, Report

# Strikes reported in US and local time: named days further apart than this are different days.
NEXT_DAY_GAP_HOURS = 10
# A report that names no day is fresh news: it was published within a day of what it reports.
UNDATED_DAYS = 1
UNDATED_WINDOW = timedelta(hours=24)
# Iraq, Syria and Jordan keep UTC+3: a day named by a local report begins at 21:00 UTC the day before.
REGION_UTC_OFFSET = timedelta(hours=3)
# A named part of the day ("Wednesday night") places an incident within a few hours.
PART_OF_DAY_SLACK = timedelta(hours=6)
# Parts of the day that border the night: "Thursday night" (US time) and "early Friday" (local) are one night.
_EVENING = {"evening", "late", "night"}
_SMALL_HOURS = {"early", "overnight", "morning"}


def _latest(published: datetime) -> datetime:
    """The latest moment a published time may stand for: the end of its day when it is only a date."""
    if not imprecise(published):
        return published
    return datetime.combine(published.date(), time(23, 59), published.tzinfo or UTC)


def undated_fits(report: Report, cand: Candidate) -> bool:
    """Without a named day, publication time is the anchor, and a tight one.

    A report that names no day ("US jets strike KH targets in Iraq") is news of the last day: it is about an
    incident whose named day is the day it was published or the day before (UTC vs local), and it is about the
    same incident as another undated report only if both were published within UNDATED_WINDOW. Follow-ups
    that come later name the day ("Friday's strikes").
    """
    cand_published = cand.first_published or cand.occurred_at
    if report.day_precise and cand.day_precise:
        return True
    if report.day_precise:  # the candidate's reports name no day: compare with when they were published
        if _latest(cand_published) < _day_began(report.occurred_at.date()):
            return False  # the event was in the news before the report's day began: an earlier incident
        return abs((report.occurred_at.date() - cand_published.date()).days) <= UNDATED_DAYS
    if cand.day_precise:
        if _latest(report.published_at) < _day_began(cand.occurred_at.date()):
            return False
        last_day = cand.last_day or cand.occurred_at.date()
        return abs((report.published_at.date() - last_day).days) <= UNDATED_DAYS
    last = cand.last_published or cand.occurred_at
    return abs(report.published_at - last) <= UNDATED_WINDOW


def reported_before_it_happened(report: Report, cand: Candidate) -> bool:
    """An incident at a known hour ("Wednesday night") is not one that was already in the news hours before."""
    cand_published = cand.first_published or cand.occurred_at
    if (report.day_precise and report.day_part and not imprecise(cand_published)
            and report.occurred_at - cand_published > PART_OF_DAY_SLACK):
        return True
    return (cand.day_precise and bool(cand.day_part) and not imprecise(report.published_at)
            and cand.occurred_at - report.published_at > PART_OF_DAY_SLACK)


def _day_began(day: date) -> datetime:
    """When `day` began where the incidents happen: nothing can be reported about it before then."""
    return datetime.combine(day, time(), UTC) - REGION_UTC_OFFSET


def same_night(report: Report, cand: Candidate) -> bool:
    """Both date the incident to the same day or night: named days a night apart at most, or (a side naming no
    day) a report of that day published within UNDATED_WINDOW of the event's latest report (and of the
    incident itself, when a report named its hour)."""
    if report.day_precise and cand.day_precise:
        return not different_days(report, cand) and abs((report.occurred_at.date()
                                                          - cand.occurred_at.date()).days) <= 1
    if cand.day_precise and cand.day_part and report.published_at - cand.occurred_at > UNDATED_WINDOW:
        return False  # its hour is known ("overnight", "Monday night"), and the report came a day after it
    last = cand.last_published or cand.occurred_at
    return undated_fits(report, cand) and abs(report.published_at - last) <= UNDATED_WINDOW


def different_days(report: Report, cand: Candidate) -> bool:
    # "late Monday" (US time) and "early Tuesday" (local time) are one night: only a gap of more than
    # NEXT_DAY_GAP_HOURS between named days counts as a different day.
    if not (report.day_precise and cand.day_precise) or report.occurred_at.date() == cand.occurred_at.date():
        return False
    if report.kind == "us_strike" and _one_night(report, cand):
        return False
    return abs((report.occurred_at - cand.occurred_at).total_seconds()) > NEXT_DAY_GAP_HOURS * 3600


def _one_night(report: Report, cand: Candidate) -> bool:
    """Consecutive named days with the night between them named: "Thursday night's strikes" and the strikes
    "on Friday" of a report that gives no hour. Strikes only: US strikes come at night and are dated in US and
    local time; attacks on consecutive days are usually two attacks."""
    (early, early_part), (late, late_part) = sorted([(report.occurred_at.date(), report.day_part),
                                                     (cand.occurred_at.date(), cand.day_part)])
    return (late - early).days == 1 and (early_part in _EVENING or late_part in _SMALL_HOURS)
