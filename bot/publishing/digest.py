"""The daily digest: one message per channel summarising the last 24 hours, with a chart, once per UTC day.

Only channels that were given at least one event since they subscribed get it: a channel that never had
anything to report (a bot started in the evening with a new subscription) is not sent an empty "no attacks" digest.
The day it was posted for is kept in the `meta` table, so a restart, a second scheduler tick or a catch-up run
after downtime does not post it twice. It is recorded once at least one channel accepted the digest; when every
channel failed it is not recorded, so the next call tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.publishing.charts import events_per_day_png
from bot.publishing.post import EventPost
from bot.publishing.poster import Poster, PostError, RateLimited
from bot.publishing.render import RenderedPost, render_digest
from bot.storage.models import Event, Meta
from bot.storage.outbox import channels_with_reports
from bot.storage.subscriptions import list_subscriptions

log = logging.getLogger(__name__)

DIGEST_KEY = "digest.daily.last"
CHART_DAYS = 14
MAX_RATE_LIMIT_WAIT_S = 30.0
LoadPost = Callable[[AsyncSession, int, datetime], Awaitable[EventPost]]


def digest_due(now: datetime, digest_time: str | None, last_day: str | None) -> bool:
    """Is today's digest due: the configured HH:MM (UTC) has passed and today's was not posted yet?
    No `digest_time` (the setting left empty) means no digest."""
    if not digest_time:
        return False
    hour, minute = (int(part) for part in digest_time.split(":"))
    return now.time() >= time(hour, minute) and last_day != now.date().isoformat()


async def last_digest_day(session: AsyncSession) -> str | None:
    """The UTC day (YYYY-MM-DD) the last daily digest was posted for, if any."""
    meta = await session.get(Meta, DIGEST_KEY)
    return meta.value if meta else None


async def post_daily_digest(
    sessions: async_sessionmaker[AsyncSession],
    poster: Poster,
    channel_ids: Sequence[int] | None,
    now: datetime,
    *,
    load_post: LoadPost | None = None,
) -> bool:
    """Post the summary of the last 24 h with a chart of the last two weeks; False when already done today.

    `channel_ids` None means every channel with a working subscription; of those, only the channels that were
    given an event since they subscribed get the digest (False when none was). Without `load_post`, the lines are
    built from the event rows alone (title, kind, place, time), which is all a digest line shows.
    """
    day = now.date().isoformat()
    async with sessions() as session:
        if channel_ids is None:
            channel_ids = [s.channel_id for s in await list_subscriptions(session) if s.broken_reason is None]
        reported = await channels_with_reports(session, channel_ids)
        channels = [channel for channel in dict.fromkeys(channel_ids) if channel in reported]
        if not channels or await last_digest_day(session) == day:
            return False
        events = await _events_of_day(session, now)
        posts = [await load_post(session, e.id, now) if load_post else _brief_post(e) for e in events]
        chart_rows = await _chart_rows(session, now)
    title = f"Daily digest {day}: {_count_phrase(len(posts))} in the last 24 h"
    rendered = render_digest(posts, title)
    chart = await asyncio.to_thread(events_per_day_png, chart_rows,
                                    title=f"Events per day, last {CHART_DAYS} days")
    delivered = 0
    for channel in channels:
        if await _send(poster, channel, rendered, chart):
            delivered += 1
    if not delivered:
        return False
    async with sessions() as session:
        meta = await session.get(Meta, DIGEST_KEY)
        if meta is None:
            session.add(Meta(key=DIGEST_KEY, value=day))
        else:
            meta.value = day
        await session.commit()
    return True


async def _send(poster: Poster, channel: int, rendered: RenderedPost, chart: bytes) -> bool:
    """Send to one channel, waiting out one short 429; other errors are logged and skip the channel."""
    for _ in range(2):
        try:
            await poster.send(channel, rendered, attachments=[("daily.png", chart)])
            return True
        except RateLimited as exc:
            if exc.retry_after > MAX_RATE_LIMIT_WAIT_S:
                break
            await asyncio.sleep(exc.retry_after)
        except PostError as exc:
            log.warning("daily digest to channel %s failed: %r", channel, exc)
            return False
    log.warning("daily digest to channel %s: rate limited, skipped", channel)
    return False


async def _events_of_day(session: AsyncSession, now: datetime) -> list[Event]:
    # Seeded history is not news: only events first seen from feeds in the last 24 h.
    query = (
        select(Event)
        .where(Event.first_seen_at > now - timedelta(days=1), Event.first_seen_at <= now, Event.origin == "feed")
        .order_by(Event.occurred_at, Event.id)
    )
    return list((await session.scalars(query)).all())


async def _chart_rows(session: AsyncSession, now: datetime) -> list[tuple[date, str, int]]:
    start = datetime.combine(now.date() - timedelta(days=CHART_DAYS - 1), time(), tzinfo=now.tzinfo)
    rows = (await session.execute(
        select(Event.occurred_at, Event.kind).where(Event.occurred_at >= start, Event.occurred_at <= now)
    )).all()
    counts: dict[tuple[date, str], int] = {}
    for occurred_at, kind in rows:
        key = (occurred_at.date(), kind)
        counts[key] = counts.get(key, 0) + 1
    # Both ends of the range appear, so the chart always spans the whole period even on quiet days.
    for edge in (start.date(), now.date()):
        counts.setdefault((edge, "militia_attack"), 0)
    return [(day, kind, n) for (day, kind), n in sorted(counts.items())]


def _brief_post(event: Event) -> EventPost:
    place = (event.place_key or "").replace("_", " ").strip() or None
    return EventPost(event_id=event.id, revision=event.revision, kind=event.kind, title=event.title,
                     summary=event.summary or "", occurred_at=event.occurred_at, who=None, where=place,
                     weapon=None, casualties=None, confidence=event.confidence,
                     model_version=event.model_version)


def _count_phrase(count: int) -> str:
    if count == 0:
        return "no attacks or strikes"
    return f"{count} event{'s' if count != 1 else ''}"
