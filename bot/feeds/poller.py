"""One poll cycle: claim due feeds, fetch them concurrently, parse off the loop, store articles and feed state.

Articles and the feed's new validators are written in one transaction, so a crash between fetch and store only
means the feed is fetched again (its lease expires) and unique keys stop anything being stored twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.feeds import schedule
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import ParseError, parse_feed
from bot.settings import PollSettings
from bot.storage import feeds as feed_store
from bot.storage.articles import store_articles
from bot.storage.models import Feed

_UNCHANGED_BATCH = 100
Status = Literal["new", "unchanged", "error", "disabled", "removed"]


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    feed_id: int
    name: str
    status: Status
    new: int = 0
    baseline: int = 0
    duplicates: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """What a fetch needs from the feed row, read while the claim transaction was open."""

    id: int
    name: str
    url: str
    interval_s: int
    baselined: bool
    etag: str | None
    last_modified: str | None
    body_hash: str | None

    @classmethod
    def of(cls, feed: Feed) -> _Snapshot:
        return cls(feed.id, feed.name, feed.url, feed.interval_s, feed.baselined, feed.etag, feed.last_modified,
                   feed.body_hash)


class Poller:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        fetcher: Fetcher,
        settings: PollSettings,
        owner: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._fetcher = fetcher
        self._settings = settings
        self._owner = owner
        self._clock = clock
        self._unchanged: list[feed_store.Success] = []
        # Set by a shutdown: claim no more feeds. Feeds already claimed (in flight or queued) are finished and
        # stored, and nothing new is started that the shutdown deadline would cut off.
        self.stopping = False

    async def poll(
        self, *, everything: bool = False, on_outcome: Callable[[FeedOutcome], None] | None = None
    ) -> list[FeedOutcome]:
        """Poll every due feed (or every enabled feed) once; returns one outcome per feed."""
        queue: asyncio.Queue[_Snapshot | None] = asyncio.Queue(maxsize=self._settings.batch_size)
        outcomes: list[FeedOutcome] = []
        workers = max(1, self._settings.max_concurrency)

        async def produce() -> None:
            after_id = 0 if everything else None
            try:
                while not self.stopping and (batch := await self._claim(after_id)):
                    for snapshot in batch:
                        await queue.put(snapshot)
                    if after_id is not None:
                        after_id = batch[-1].id
            finally:
                for _ in range(workers):
                    await queue.put(None)

        async def work() -> None:
            while (snapshot := await queue.get()) is not None:
                outcome = await self.poll_feed(snapshot)
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)

        try:
            await asyncio.gather(produce(), *(work() for _ in range(workers)))
        finally:
            await self._flush_unchanged()
        return outcomes

    async def _claim(self, after_id: int | None) -> list[_Snapshot]:
        async with self._sessions.begin() as session:
            now = self._clock()
            feeds = await feed_store.claim_due(session, now, self._owner, self._settings, after_id=after_id)
            return [_Snapshot.of(f) for f in feeds]

    async def poll_feed(self, feed: _Snapshot) -> FeedOutcome:
        result = await self._fetcher.fetch(
            feed.url, etag=feed.etag, last_modified=feed.last_modified, last_hash=feed.body_hash
        )
        now = self._clock()
        success = feed_store.Success(feed.id, feed.interval_s, result.etag, result.last_modified, result.body_hash)
        if result.outcome == "not_modified":
            await self._record_unchanged(success)
            return FeedOutcome(feed.id, feed.name, "unchanged")
        error = result.error
        parsed = None
        if result.outcome == "changed" and result.body is not None:
            try:
                parsed = await asyncio.to_thread(parse_feed, result.body, feed.url, now)
            except ParseError as exc:
                error = str(exc)
        async with self._sessions.begin() as session:
            if error is not None or parsed is None:
                row = await session.get(Feed, feed.id)
                if row is None:
                    return FeedOutcome(feed.id, feed.name, "removed")
                error = error or "empty response"
                disabled = feed_store.record_failure(row, now, error, self._settings, result.retry_after_s)
                return FeedOutcome(feed.id, feed.name, "disabled" if disabled else "error", error=error)
            await feed_store.record_successes(session, [success], now)
            stored = await store_articles(
                session,
                parsed.articles,
                feed_id=feed.id,
                source=feed.name,
                now=now,
                postable=lambda d: schedule.is_postable(d, now, self._settings, baselined=feed.baselined),
            )
        status: Status = "new" if stored.new or stored.baseline else "unchanged"
        return FeedOutcome(feed.id, feed.name, status, stored.new, stored.baseline, stored.duplicates)

    async def _record_unchanged(self, success: feed_store.Success) -> None:
        """Unchanged feeds are recorded in batches: one transaction per feed would cost more than the fetch.
        Losing a batch to a crash is harmless: those feeds are fetched again when their leases expire."""
        self._unchanged.append(success)
        if len(self._unchanged) >= _UNCHANGED_BATCH:
            await self._flush_unchanged()

    async def _flush_unchanged(self) -> None:
        batch, self._unchanged = self._unchanged, []
        if batch:
            async with self._sessions.begin() as session:
                await feed_store.record_successes(session, batch, self._clock())
