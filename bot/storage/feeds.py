"""Feed rows: the catalogue, due-feed claims (row leases for several workers), and poll outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.feeds import schedule
from bot.feeds.normalize import canonical_url
from bot.settings import PollSettings
from bot.storage.models import Feed, Meta

CATALOG_LOADED = "feeds.catalog_loaded"


class FeedError(ValueError):
    """A feed cannot be added or found; the message says why."""


@dataclass(frozen=True, slots=True)
class CatalogFeed:
    name: str
    url: str
    interval_s: int


async def list_feeds(session: AsyncSession) -> list[Feed]:
    return list((await session.scalars(select(Feed).order_by(Feed.name))).all())


async def add_feed(session: AsyncSession, url: str, name: str, interval_s: int, now: datetime) -> Feed:
    """Add a feed, due at once. Refuses non-HTTP URLs and duplicates with a clear message."""
    if canonical_url(url) is None:
        raise FeedError(f"not an http(s) URL: {url!r}")
    if not 60 <= interval_s <= 86400:
        raise FeedError(f"interval must be between 60 s and 1 day, got {interval_s} s")
    existing = await session.scalar(select(Feed).where(or_(Feed.url == url, Feed.name == name)))
    if existing is not None:
        raise FeedError(f"already watched: {existing.name} ({existing.url})")
    feed = Feed(url=url, name=name.strip()[:200] or url, interval_s=interval_s, next_check_at=now, created_at=now)
    session.add(feed)
    await session.flush()
    return feed


async def find_feed(session: AsyncSession, ident: str) -> Feed | None:
    """A feed by id, URL or name."""
    conditions = [Feed.url == ident, Feed.name == ident]
    if ident.isdigit():
        conditions.append(Feed.id == int(ident))
    return await session.scalar(select(Feed).where(or_(*conditions)))


async def remove_feed(session: AsyncSession, ident: str) -> Feed | None:
    feed = await find_feed(session, ident)
    if feed is not None:
        await session.delete(feed)
        await session.flush()
    return feed


async def load_catalog_once(session: AsyncSession, catalog: Sequence[CatalogFeed], now: datetime) -> int:
    """Insert the configured default feeds on the first start only, so `feeds remove` stays removed."""
    if await session.get(Meta, CATALOG_LOADED) is not None:
        return 0
    known = set((await session.scalars(select(Feed.url))).all())
    added = 0
    for entry in catalog:
        if entry.url not in known:
            session.add(Feed(url=entry.url, name=entry.name, interval_s=entry.interval_s,
                             next_check_at=now, created_at=now))
            added += 1
    session.add(Meta(key=CATALOG_LOADED, value=now.isoformat()))
    await session.flush()
    return added


def _claimable(now: datetime, *, everything: bool) -> ColumnElement[bool]:
    """Enabled, not leased by a live worker, and due (or every enabled feed, for a forced cycle)."""
    condition = and_(Feed.enabled.is_(True), or_(Feed.lease_expires_at.is_(None), Feed.lease_expires_at < now))
    return condition if everything else and_(condition, Feed.next_check_at <= now)


async def count_due(session: AsyncSession, now: datetime, *, everything: bool = False) -> int:
    """How many feeds a cycle starting now would poll (for a progress bar's total)."""
    query = select(func.count()).select_from(Feed).where(_claimable(now, everything=everything))
    return int(await session.scalar(query) or 0)


async def claim_due(
    session: AsyncSession, now: datetime, owner: str, settings: PollSettings, *, after_id: int | None = None
) -> list[Feed]:
    """Lease up to `batch_size` due feeds to `owner`. On PostgreSQL, SKIP LOCKED lets workers claim in parallel.

    With `after_id`, every enabled feed counts as due and the walk goes by id (a forced cycle over all feeds:
    feeds polled earlier in the walk get released and would otherwise be claimed again).
    """
    query = select(Feed).where(_claimable(now, everything=after_id is not None)).limit(settings.batch_size)
    if after_id is None:
        query = query.order_by(Feed.next_check_at, Feed.id)
    else:
        query = query.where(Feed.id > after_id).order_by(Feed.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    feeds = list((await session.scalars(query)).all())
    if feeds:
        # One UPDATE for the whole batch: per-row ORM updates cost more than the polls of unchanged feeds.
        await session.execute(
            update(Feed)
            .where(Feed.id.in_([f.id for f in feeds]))
            .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=settings.lease_seconds))
            .execution_options(synchronize_session=False)
        )
    return feeds


@dataclass(frozen=True, slots=True)
class Success:
    """A fetch that worked, changed or not, to be recorded on the feed row."""

    feed_id: int
    interval_s: int
    etag: str | None
    last_modified: str | None
    body_hash: str | None


_feeds: Table = Feed.__table__  # type: ignore[assignment]
# Core, not ORM: a list of parameters with an ORM update() would switch to bulk-by-primary-key mode.
_SUCCESS = (
    update(_feeds)
    .where(_feeds.c.id == bindparam("feed_id"))
    .values(
        consecutive_failures=0,
        last_error=None,
        last_checked_at=bindparam("now"),
        last_success_at=bindparam("now"),
        next_check_at=bindparam("next_check_at"),
        baselined=True,
        lease_owner=None,
        lease_expires_at=None,
        # A server that stops sending a validator keeps the last one it sent.
        etag=func.coalesce(bindparam("etag"), _feeds.c.etag),
        last_modified=func.coalesce(bindparam("last_modified"), _feeds.c.last_modified),
        body_hash=func.coalesce(bindparam("body_hash"), _feeds.c.body_hash),
    )
)


async def record_successes(session: AsyncSession, successes: Sequence[Success], now: datetime) -> None:
    """Reset failures, keep validators, schedule the next check and release the lease: one executemany UPDATE
    with no prior SELECT, because this runs for every unchanged feed on every cycle."""
    if not successes:
        return
    params = [
        {
            "feed_id": s.feed_id,
            "now": now,
            "next_check_at": schedule.next_success_check(now, s.feed_id, s.interval_s),
            "etag": s.etag,
            "last_modified": s.last_modified,
            "body_hash": s.body_hash,
        }
        for s in successes
    ]
    await session.execute(_SUCCESS, params)


def record_failure(
    feed: Feed, now: datetime, error: str, settings: PollSettings, retry_after_s: float | None = None
) -> bool:
    """A failed fetch or parse: back off; disable after too many in a row. True when the feed was disabled."""
    feed.consecutive_failures += 1
    feed.last_error = error[:2000]
    feed.last_checked_at = now
    feed.next_check_at = schedule.next_failure_check(
        now, feed.consecutive_failures, feed.interval_s, settings, retry_after_s
    )
    _release(feed)
    if schedule.should_disable(feed.consecutive_failures, settings):
        feed.enabled = False
        feed.disabled_reason = f"disabled after {feed.consecutive_failures} consecutive failures; last: {error}"[:2000]
        return True
    return False


def _release(feed: Feed) -> None:
    feed.lease_owner = None
    feed.lease_expires_at = None


async def feed_health(session: AsyncSession) -> dict[str, int]:
    """Counts for /status and /healthz: enabled, failing (has errors), disabled."""
    rows = await session.execute(
        select(
            func.count().filter(Feed.enabled.is_(True)),
            func.count().filter(Feed.enabled.is_(True), Feed.consecutive_failures > 0),
            func.count().filter(Feed.enabled.is_(False)),
        )
    )
    enabled, failing, disabled = rows.one()
    return {"enabled": enabled, "failing": failing, "disabled": disabled}
