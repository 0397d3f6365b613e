"""Recovery sweep: event changes that were built but never reached the outbox.

Event building commits each article's event change on its own, and the outbox rows are written afterwards
(`Runtime.process`). A worker killed between the two (SIGKILL, OOM, a lost machine) leaves either a new event
with no outbox row, which nothing would ever post, or a new revision of a posted event whose rows still say
"sent", which nothing would ever edit. Every ingest cycle therefore enqueues recent events without any outbox
row and re-arms sent rows that show an older revision than their event. Both are idempotent and race-free
with the worker that built the change: the unique (event, channel) key means whoever inserts second inserts
nothing, and re-arming a row that is already due changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intel.events import EventUpdate
from bot.publishing.outbox import enqueue
from bot.storage.models import Event, OutboxItem
from bot.storage.outbox import rearm_stale


async def enqueue_orphans(
    sessions: async_sessionmaker[AsyncSession], now: datetime, window: timedelta, console_channel: int | None
) -> int:
    """Enqueue events updated within `window` that have no outbox row at all; returns the rows created.

    An event that matches no subscription also has no row: it is looked at again each cycle (one indexed
    query) and still matches nothing, unless a channel subscribed since, which then gets it while it is recent.
    """
    has_row = exists().where(OutboxItem.event_id == Event.id)
    query = select(Event.id).where(Event.updated_at >= now - window, ~has_row).order_by(Event.id).limit(500)
    async with sessions.begin() as session:
        ids = list((await session.scalars(query)).all())
        if not ids:
            return 0
        updates = [EventUpdate(event_id, created=True, changed=False) for event_id in ids]
        return await enqueue(session, updates, now, console_channel=console_channel)  # type: ignore[arg-type]


async def rearm_missed_edits(sessions: async_sessionmaker[AsyncSession], now: datetime, window: timedelta) -> int:
    """Make sent rows due again when their event, updated within `window`, has moved past what they show."""
    async with sessions.begin() as session:
        return await rearm_stale(session, now - window, now)
