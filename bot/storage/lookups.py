"""Event queries for the Discord commands: latest, one event in full, timelines, and health counts for /status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.events import timeline
from bot.storage.models import Article, CasualtyReport, Event, EventArticle, Feed, OutboxItem, Subscription


@dataclass(frozen=True, slots=True)
class EventDetail:
    event: Event
    sources: list[Article]  # oldest first
    casualties: list[CasualtyReport]  # in the order they were reported


async def latest_events(session: AsyncSession, *, kind: str | None = None, limit: int = 5) -> list[Event]:
    """The most recent events (by when they happened), optionally of one kind."""
    query = select(Event).order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(Event.kind == kind)
    return list((await session.scalars(query)).all())


async def event_detail(session: AsyncSession, event_id: int) -> EventDetail | None:
    """One event with every source article and the history of its casualty reports; None if unknown."""
    event = await session.get(Event, event_id)
    if event is None:
        return None
    sources = (await session.scalars(
        select(Article).join(EventArticle, EventArticle.article_id == Article.id)
        .where(EventArticle.event_id == event_id).order_by(Article.published_at, Article.id)
    )).all()
    casualties = (await session.scalars(
        select(CasualtyReport).where(CasualtyReport.event_id == event_id)
        .order_by(CasualtyReport.reported_at, CasualtyReport.id)
    )).all()
    return EventDetail(event, list(sources), list(casualties))


async def timeline_events(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    kind: str | None = None,
    group: str | None = None,
    place: str | None = None,
    limit: int = 500,
) -> list[Event]:
    """Events in [since, until], newest first, filtered by kind, group key and place key (main place or any place
    its reports name).

    The same query as `sitrep timeline`, so the CLI and Discord timelines cannot disagree on what matches.
    """
    return await timeline(session, group=group, place=place, kind=kind, since=since, until=until, limit=limit)


@dataclass(frozen=True, slots=True)
class Health:
    feeds_enabled: int
    feeds_failing: list[Feed]
    feeds_disabled: list[Feed]
    last_poll_at: datetime | None
    outbox_pending: int
    outbox_failed: int
    broken: list[Subscription]


async def health(session: AsyncSession) -> Health:
    """What /status shows: feed health, the last poll, outbox depth and broken subscriptions."""
    feeds = list((await session.scalars(select(Feed).order_by(Feed.name))).all())
    outbox = dict((await session.execute(
        select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
    )).all())
    # Sent rows whose event changed since are due again too (an edit), so they count toward the depth.
    stale = await session.scalar(
        select(func.count()).select_from(OutboxItem).join(Event, Event.id == OutboxItem.event_id)
        .where(OutboxItem.status == "sent", OutboxItem.posted_revision < Event.revision)
    )
    broken = (await session.scalars(
        select(Subscription).where(Subscription.broken_reason.is_not(None)).order_by(Subscription.id)
    )).all()
    return Health(
        feeds_enabled=sum(1 for f in feeds if f.enabled),
        feeds_failing=[f for f in feeds if f.enabled and f.consecutive_failures > 0],
        feeds_disabled=[f for f in feeds if not f.enabled],
        last_poll_at=max((f.last_checked_at for f in feeds if f.last_checked_at), default=None),
        outbox_pending=outbox.get("pending", 0) + (stale or 0),
        outbox_failed=outbox.get("failed", 0),
        broken=list(broken),
    )
