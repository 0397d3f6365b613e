"""Queries for events and the timeline: the store side of bot.intel (clustering, context, posts, CLI).

Every query that runs per post or per CLI call is backed by an index on (kind, occurred_at),
(place_key, occurred_at), event_groups (group_key, occurred_at) or event_places (place_key, occurred_at);
bench/bench_timeline.py measures them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Article, Classification, Event, EventArticle, EventGroup, EventPlace

ATTACK, STRIKE = "militia_attack", "us_strike"
IndexRow = TypeVar("IndexRow", EventGroup, EventPlace)


async def classified_batch(session: AsyncSession, limit: int, lock: bool) -> list[tuple[Article, Classification]]:
    """The oldest `classified` articles with their latest classification; locked (SKIP LOCKED) on PostgreSQL."""
    latest = (select(func.max(Classification.id)).where(Classification.article_id == Article.id)
              .correlate(Article).scalar_subquery())
    query = (select(Article, Classification).join(Classification, Classification.id == latest)
             .where(Article.stage == "classified").order_by(Article.published_at, Article.id).limit(limit))
    if lock:
        query = query.with_for_update(of=Article, skip_locked=True)
    return [(a, c) for a, c in (await session.execute(query)).all()]


async def candidate_events(session: AsyncSession, kind: str, start: datetime, end: datetime) -> list[Event]:
    """Feed events of one kind whose incident time lies in [start, end]: what a new report may join."""
    query = (select(Event).where(Event.kind == kind, Event.origin == "feed", Event.occurred_at >= start,
                                 Event.occurred_at <= end).order_by(Event.occurred_at, Event.id))
    return list((await session.execute(query)).scalars())


async def event_articles(session: AsyncSession, event_id: int, limit: int = 50) -> list[Article]:
    """The reports of an event, oldest first."""
    query = (select(Article).join(EventArticle, EventArticle.article_id == Article.id)
             .where(EventArticle.event_id == event_id).order_by(Article.published_at, Article.id).limit(limit))
    return list((await session.execute(query)).scalars())


async def set_event_index_rows(session: AsyncSession, event: Event) -> None:
    """Make the event's event_groups and event_places rows match its groups and places.

    Call after the event's groups, places, kind or time change: the rows copy kind and time so that the
    (key, occurred_at) indexes answer "newest events of this group / at this place" without reading events.
    """
    await _sync_rows(session, EventGroup, "group_key", event, [g["key"] for g in event.groups])
    await _sync_rows(session, EventPlace, "place_key", event, place_keys(event))


def place_keys(event: Event) -> list[str]:
    """The event's main place and every place its reports name, each once, main place first."""
    return list(dict.fromkeys(k for k in [event.place_key, *(event.places or [])] if k))


async def _sync_rows(session: AsyncSession, model: type[IndexRow], key_name: str, event: Event,
                     keys: Sequence[str]) -> None:
    rows = (await session.scalars(select(model).where(model.event_id == event.id))).all()
    existing = {getattr(row, key_name): row for row in rows}
    for key in dict.fromkeys(keys):  # a key named twice would break the (event_id, key) primary key
        row = existing.pop(key, None)
        if row is None:
            session.add(model(event_id=event.id, kind=event.kind, occurred_at=event.occurred_at, **{key_name: key}))
        else:
            row.kind, row.occurred_at = event.kind, event.occurred_at
    for row in existing.values():
        await session.delete(row)


async def previous_at_place(session: AsyncSession, event: Event, limit: int = 5) -> list[Event]:
    """Earlier events at the event's main place, newest first."""
    if not event.place_key:
        return []
    query = (select(Event).where(Event.place_key == event.place_key, Event.occurred_at < event.occurred_at,
                                 Event.kind.in_((ATTACK, STRIKE)))
             .order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit))
    return list((await session.execute(query)).scalars())


async def previous_by_group(session: AsyncSession, event: Event, group_key: str, limit: int = 5) -> list[Event]:
    """Earlier events naming `group_key`, newest first (index on event_groups (group_key, occurred_at))."""
    ids = (select(EventGroup.event_id).where(EventGroup.group_key == group_key,
                                              EventGroup.occurred_at < event.occurred_at)
           .order_by(EventGroup.occurred_at.desc()).limit(limit))
    query = select(Event).where(Event.id.in_(ids)).order_by(Event.occurred_at.desc(), Event.id.desc())
    return list((await session.execute(query)).scalars())


async def last_of_kind(session: AsyncSession, kind: str, before: datetime, group_keys: Sequence[str] = (),
                       since: datetime | None = None) -> Event | None:
    """The latest event of `kind` before `before`; with `group_keys`, only events naming one of them."""
    if group_keys:
        query = (select(Event).join(EventGroup, EventGroup.event_id == Event.id)
                 .where(EventGroup.group_key.in_(list(group_keys)), EventGroup.kind == kind,
                        EventGroup.occurred_at < before))
        if since is not None:
            query = query.where(EventGroup.occurred_at >= since)
        query = query.order_by(EventGroup.occurred_at.desc(), Event.id.desc()).limit(1)
    else:
        query = select(Event).where(Event.kind == kind, Event.occurred_at < before)
        if since is not None:
            query = query.where(Event.occurred_at >= since)
        query = query.order_by(Event.occurred_at.desc(), Event.id.desc()).limit(1)
    return (await session.execute(query)).scalars().first()


async def count_kind(session: AsyncSession, kind: str, start: datetime, end: datetime,
                     place_key: str | None = None) -> int:
    """Events of `kind` with start < occurred_at <= end, optionally at one place."""
    query = select(func.count()).select_from(Event).where(Event.kind == kind, Event.occurred_at > start,
                                                          Event.occurred_at <= end)
    if place_key is not None:
        query = query.where(Event.place_key == place_key)
    return int((await session.execute(query)).scalar_one())


async def window_counts(session: AsyncSession, end: datetime, days: Sequence[int], place_key: str | None,
                        place_kind: str) -> tuple[dict[str, dict[int, int]], dict[int, int]]:
    """Attacks and strikes in each window (end - d, end], and `place_kind` events at `place_key`, in one query.

    One range scan on ix_events_time over the widest window instead of one COUNT per window and kind.
    """
    longest = max(days)
    columns = []
    for kind in (ATTACK, STRIKE):
        for d in days:
            columns.append(func.sum(case((and_(Event.kind == kind, Event.occurred_at > end - timedelta(days=d)), 1),
                                         else_=0)))
    for d in days:
        columns.append(func.sum(case((and_(Event.kind == place_kind, Event.place_key == place_key,
                                           Event.occurred_at > end - timedelta(days=d)), 1), else_=0)))
    query = select(*columns).where(Event.occurred_at > end - timedelta(days=longest), Event.occurred_at <= end)
    row = [int(v or 0) for v in (await session.execute(query)).one()]
    counts = {kind: {d: row[i * len(days) + j] for j, d in enumerate(days)} for i, kind in enumerate((ATTACK, STRIKE))}
    place = {d: row[2 * len(days) + j] for j, d in enumerate(days)} if place_key else {}
    return counts, place


async def timeline(session: AsyncSession, *, group: str | None = None, place: str | None = None,
                   kind: str | None = None, since: datetime | None = None, until: datetime | None = None,
                   limit: int = 100) -> list[Event]:
    """Events newest first, filtered by group key, place key (main place or any place its reports name), kind
    and time."""
    query, time_col = select(Event), Event.occurred_at
    # A group or place filter reads and orders on its own table's (key, occurred_at) index instead of sorting the
    # matching events. Both tables are keyed (event_id, key), so neither join repeats an event.
    if place is not None:
        query = query.join(EventPlace, EventPlace.event_id == Event.id).where(EventPlace.place_key == place)
        time_col = EventPlace.occurred_at
    if group is not None:
        query = query.join(EventGroup, EventGroup.event_id == Event.id).where(EventGroup.group_key == group)
        time_col = EventGroup.occurred_at
    if kind is not None:
        query = query.where(Event.kind == kind)
    if since is not None:
        query = query.where(time_col >= since)
    if until is not None:
        query = query.where(time_col <= until)
    query = query.order_by(time_col.desc(), Event.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def source_links(session: AsyncSession, event_id: int) -> list[tuple[str, str | None, datetime]]:
    """(source name, url, published) of the event's reports, oldest first."""
    query = (select(Article.source, Article.url, Article.published_at)
             .join(EventArticle, EventArticle.article_id == Article.id)
             .where(EventArticle.event_id == event_id).order_by(Article.published_at, Article.id))
    return [(s, u, p) for s, u, p in (await session.execute(query)).all()]
