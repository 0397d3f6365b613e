"""The outbox: enqueue rows for new and changed events, and the Publisher that drains them through a Poster.

Delivery guarantee (at least once, with a duplicate window of one commit):
1. A drain selects due rows and CLAIMS them in one committed transaction: `attempts + 1` and
   `next_attempt_at = now + CLAIM_S`. A crash from here until step 3 leaves a claimed pending row, which the
   next drain after the claim expires takes again: nothing is lost.
2. The Poster sends (or edits). Only its return means Discord accepted the message.
3. Right after it returns, one short transaction marks the row sent with the message id and the revision shown.
A crash between 2 and 3 (process killed in the milliseconds between Discord's reply and our COMMIT) is the
only way a post can appear twice: the restarted bot sends that one row again. We accept a rare duplicate over
a lost report, and keep the window to a single UPDATE+COMMIT with nothing else in between. An edit repeated
the same way is harmless (same content). A restart at any other point posts nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.publishing import policy
from bot.publishing.channel import ChannelBroken, ChannelDrain, ChannelPaused
from bot.publishing.post import EventPost
from bot.publishing.poster import Poster
from bot.settings import PublishSettings
from bot.storage import outbox as store
from bot.storage.models import Event
from bot.storage.subscriptions import list_subscriptions, mark_channel_broken

log = logging.getLogger(__name__)

LoadPost = Callable[[AsyncSession, int, datetime], Awaitable[EventPost]]
T = TypeVar("T")


class EventUpdateLike(Protocol):
    event_id: int
    created: bool
    changed: bool


@dataclass
class DrainReport:
    """What one drain did; logged by the scheduler job and exported as metrics."""

    sent: int = 0  # single event messages created (reposts included)
    edited: int = 0  # messages edited for a newer revision
    digests: int = 0  # burst digest messages created
    digested: int = 0  # events that went out inside those digests
    reposted: int = 0  # edits whose message was gone, so sent anew
    retried: int = 0  # rows rescheduled after an error
    failed: int = 0  # rows given up (max attempts, unreachable channel, no subscription)
    held: int = 0  # rows waiting for room under a channel's burst cap
    rate_limit_waits: int = 0  # 429s waited out
    broken_channels: int = 0  # channels whose subscriptions were marked broken

    @property
    def total(self) -> int:
        return self.sent + self.edited + self.digests


async def enqueue(
    session: AsyncSession, updates: Sequence[EventUpdateLike], now: datetime, *, console_channel: int | None = None
) -> int:
    """Create outbox rows for the subscriptions each updated event matches, and re-arm edits of changed events.

    Runs in the caller's transaction (commit it together with the event changes). `console_channel`, when
    given, receives every event (no-token mode). Returns the number of rows created or made due again.
    """
    wanted = [u for u in updates if u.created or u.changed]
    if not wanted:
        return 0
    ids = sorted({u.event_id for u in wanted})
    events = {e.id: e for e in (await session.scalars(select(Event).where(Event.id.in_(ids)))).all()}
    subscriptions = await list_subscriptions(session)
    count = 0
    for update in wanted:
        event = events.get(update.event_id)
        if event is None:
            continue
        channels = policy.target_channels(subscriptions, event.kind, event.confidence, console_channel)
        count += await store.add_rows(session, event.id, channels, now)
        if update.changed:
            count += await store.rearm_changed(session, event.id, event.revision, now)
    await session.flush()
    return count


class Publisher:
    """Drains the outbox through a Poster: sends, edits, digests bursts, retries, and marks broken channels."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        poster: Poster,
        settings: PublishSettings,
        load_post: LoadPost | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        batch_size: int = 500,
    ) -> None:
        self.sessions = sessions
        self.poster = poster
        self.settings = settings
        self._load_post = load_post
        self.sleep = sleep
        self.batch_size = batch_size

    async def load_post(self, session: AsyncSession, event_id: int, now: datetime) -> EventPost:
        """The EventPost of an event (the intel layer's loader unless one was given)."""
        if self._load_post is None:
            from bot.intel.posts import load_post  # the intel layer; imported late so publishing stands alone

            self._load_post = load_post
        return await self._load_post(session, event_id, now)

    async def drain(self, now: datetime) -> DrainReport:
        """Post every due row once: one pass, channel by channel, oldest first."""
        report = DrainReport()
        async with self.sessions() as session:
            rows = await store.due_rows(session, now, self.batch_size)
            if not rows:
                return report
            # Claim before sending: see the module docstring for what a crash does from here on.
            until = now + timedelta(seconds=policy.CLAIM_S)
            claimed = set(await store.claim(session, [row.id for row in rows], now, until))
            rows = [row for row in rows if row.id in claimed]
            subscriptions = await list_subscriptions(session)
            await session.commit()
        by_channel: dict[int, list[store.DueRow]] = {}
        for row in rows:
            by_channel.setdefault(row.channel_id, []).append(row)
        for channel_id, channel_rows in by_channel.items():
            subs = [s for s in subscriptions if s.channel_id == channel_id and s.broken_reason is None]
            await self._drain_channel(channel_id, channel_rows, subs, now, until, report)
        return report

    async def _drain_channel(
        self, channel_id: int, rows: list[store.DueRow], subs: list, now: datetime, claimed_until: datetime,
        report: DrainReport,
    ) -> None:
        console = channel_id == self.settings.console_channel_id
        if not subs and not console:
            # Unsubscribed or broken since the row was queued: posting now would surprise the channel.
            await self._write(lambda s: store.mark_failed(s, [r.id for r in rows], "no active subscription"))
            report.failed += len(rows)
            return
        worker = ChannelDrain(self, channel_id, subs, now, report, claimed_until)
        try:
            await worker.run(rows)
        except ChannelPaused as pause:
            left = [r.id for r in rows if r.id not in worker.done]
            until = now + timedelta(seconds=pause.retry_after)
            message = str(pause)
            await self._write(lambda s: store.mark_retry(s, left, until, message, refund=True))
            report.retried += len(left)
        except ChannelBroken as broken:
            reason = f"cannot post to channel {channel_id}: {broken.reason}"
            log.warning("%s; marking its subscriptions broken", reason)

            async def give_up(session: AsyncSession) -> None:
                await mark_channel_broken(session, channel_id, reason)
                report.failed += await store.fail_channel(session, channel_id, reason)

            await self._write(give_up)
            report.broken_channels += 1

    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in its own short transaction and commit it at once."""
        async with self.sessions() as session:
            result = await work(session)
            await session.commit()
            return result
