"""Counts of events for /stats, /timeline and their charts: by kind, group, place and week."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Event, EventGroup


@dataclass(frozen=True, slots=True)
class WeekCount:
    week: date  # the Monday that starts the week (UTC)
    kind: str
    count: int


@dataclass(frozen=True, slots=True)
class EventStats:
    since: datetime
    total: int
    by_kind: list[tuple[str, int]]
    by_group: list[tuple[str, int]]  # gazetteer group keys
    by_place: list[tuple[str, int]]  # gazetteer place keys
    per_week: list[WeekCount]


def week_start(moment: datetime) -> date:
    """The Monday of the UTC week that holds `moment`."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


def weekly_counts(rows: Sequence[tuple[datetime, str]], since: datetime, until: datetime) -> list[WeekCount]:
    """(occurred_at, kind) rows -> one count per (week, kind), every week from `since` to `until` present
    (zero counts included) so a chart shows quiet weeks as gaps, not as missing bars."""
    counts = Counter((week_start(at), kind) for at, kind in rows)
    kinds = sorted({kind for _, kind in rows}) or ["militia_attack", "us_strike"]
    out = []
    week = week_start(since)
    last = week_start(until)
    while week <= last:
        out += [WeekCount(week, kind, counts.get((week, kind), 0)) for kind in kinds]
        week += timedelta(days=7)
    return out


async def event_stats(session: AsyncSession, since: datetime, now: datetime, *, top: int = 10) -> EventStats:
    """Events that occurred in [since, now]: totals by kind, the most active groups and places, weekly counts."""
    window = (Event.occurred_at >= since, Event.occurred_at <= now)
    by_kind = (await session.execute(
        select(Event.kind, func.count()).where(*window).group_by(Event.kind).order_by(func.count().desc())
    )).all()
    by_group = (await session.execute(
        select(EventGroup.group_key, func.count())
        .where(EventGroup.occurred_at >= since, EventGroup.occurred_at <= now)
        .group_by(EventGroup.group_key).order_by(func.count().desc(), EventGroup.group_key).limit(top)
    )).all()
    by_place = (await session.execute(
        select(Event.place_key, func.count()).where(*window, Event.place_key.is_not(None))
        .group_by(Event.place_key).order_by(func.count().desc(), Event.place_key).limit(top)
    )).all()
    rows = (await session.execute(select(Event.occurred_at, Event.kind).where(*window))).all()
    return EventStats(
        since=since,
        total=sum(n for _, n in by_kind),
        by_kind=list(by_kind),
        by_group=list(by_group),
        by_place=[(str(k), n) for k, n in by_place],
        per_week=weekly_counts(rows, since, now),
    )
