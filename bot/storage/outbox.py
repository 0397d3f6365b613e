"""Outbox rows: one per (event, channel). Queries only; the publishing rules live in bot.publishing.

Row life: `pending` (due at `next_attempt_at`; `message_id` empty = to send, set = to edit) -> `sent`
(Discord accepted `posted_revision`) -> `pending` again when the event gets a newer revision -> ... ;
`failed` when retries ran out or the channel became unreachable. The rows of one burst digest share their
`message_id`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Event, OutboxItem, Subscription
from bot.storage.upsert import insert_ignoring_conflicts

PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    event_id: int
    channel_id: int
    message_id: int | None
    attempts: int
    kind: str
    revision: int


async def add_rows(session: AsyncSession, event_id: int, channel_ids: Iterable[int], now: datetime) -> int:
    """Insert a pending row per channel; rows that exist already are left alone. Returns how many were new."""
    rows = [dict(event_id=event_id, channel_id=channel, status=PENDING, posted_revision=0, attempts=0,
                 next_attempt_at=now, created_at=now) for channel in channel_ids]
    if not rows:
        return 0
    return len(await insert_ignoring_conflicts(session, OutboxItem, rows))


async def rearm_changed(session: AsyncSession, event_id: int, revision: int, now: datetime) -> int:
    """Make the event's sent rows that show an older revision due again (for an edit). Returns how many."""
    return await _rearm(session, now, OutboxItem.event_id == event_id, OutboxItem.posted_revision < revision)


async def rearm_stale(session: AsyncSession, updated_since: datetime, now: datetime) -> int:
    """`rearm_changed` for every event updated since `updated_since` at once: the recovery sweep's half for
    edits a stopped worker never enqueued. Returns how many rows."""
    newer = select(Event.id).where(Event.id == OutboxItem.event_id, Event.updated_at >= updated_since,
                                   Event.revision > OutboxItem.posted_revision)
    return await _rearm(session, now, exists(newer))


async def _rearm(session: AsyncSession, now: datetime, *where: ColumnElement[bool]) -> int:
    result = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.status == SENT, *where)
        .values(status=PENDING, next_attempt_at=now, attempts=0, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def due_rows(session: AsyncSession, now: datetime, limit: int = 500) -> list[DueRow]:
    """Pending rows whose time has come, oldest first, with their event's kind and current revision.

    On PostgreSQL the rows are locked with SKIP LOCKED, so two drains (a second bot replica started by
    mistake) do not take the same rows; the claim written right after keeps them apart once committed.
    """
    query = (
        select(OutboxItem.id, OutboxItem.event_id, OutboxItem.channel_id, OutboxItem.message_id,
               OutboxItem.attempts, Event.kind, Event.revision)
        .join(Event, Event.id == OutboxItem.event_id)
        .where(OutboxItem.status == PENDING, OutboxItem.next_attempt_at <= now)
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=OutboxItem, skip_locked=True)
    return [DueRow(*row) for row in (await session.execute(query)).all()]


async def claim(session: AsyncSession, ids: Sequence[int], now: datetime, until: datetime) -> list[int]:
    """Count an attempt and hide the rows from other drains until `until` (a crash mid-send retries then).

    Only rows still due are taken, and the ids actually claimed are returned: if two drains selected the same
    rows (SQLite has no SKIP LOCKED), the second one's UPDATE finds them claimed already and gets nothing.
    """
    if not ids:
        return []
    result = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(ids), OutboxItem.status == PENDING, OutboxItem.next_attempt_at <= now)
        .values(attempts=OutboxItem.attempts + 1, next_attempt_at=until)
        .returning(OutboxItem.id)
    )
    return list(result.scalars().all())


async def renew_claim(session: AsyncSession, ids: Sequence[int], held_until: datetime,
                      until: datetime) -> list[int]:
    """Extend this drain's claim on `ids` to `until`, for the rows it still holds: rows whose claim ran out and
    were taken by another drain carry another `next_attempt_at` (or were sent). Returns the ids still held."""
    if not ids:
        return []
    result = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(ids), OutboxItem.status == PENDING, OutboxItem.next_attempt_at == held_until)
        .values(next_attempt_at=until)
        .returning(OutboxItem.id)
    )
    return list(result.scalars().all())


async def mark_sent(
    session: AsyncSession, shown: dict[int, int], message_id: int, now: datetime, *, new_message: bool
) -> None:
    """Record that Discord accepted `message_id` showing, per row id, the given event revision.

    A row whose event moved on while the message was in flight stays pending (due now) so it is edited next;
    `sent_at` is the time the message was created, which the burst cap counts, so edits do not move it.
    """
    if not shown:
        return
    current = dict((await session.execute(
        select(OutboxItem.id, Event.revision).join(Event, Event.id == OutboxItem.event_id)
        .where(OutboxItem.id.in_(list(shown)))
    )).all())
    for row_id, revision in shown.items():
        values: dict[str, object] = dict(message_id=message_id, posted_revision=revision, attempts=0,
                                         last_error=None, next_attempt_at=now)
        values["status"] = SENT if revision >= current.get(row_id, revision) else PENDING
        if new_message:
            values["sent_at"] = now
        await session.execute(update(OutboxItem).where(OutboxItem.id == row_id).values(**values))


async def mark_retry(session: AsyncSession, ids: Sequence[int], at: datetime, error: str,
                     *, refund: bool = False) -> None:
    """Try again at `at`; `refund` takes back the attempt the claim counted (a 429 is not the row's fault)."""
    values: dict[str, object] = dict(status=PENDING, next_attempt_at=at, last_error=error[:2000])
    if refund:
        values["attempts"] = func.max(OutboxItem.attempts - 1, 0) if _sqlite(session) else \
            func.greatest(OutboxItem.attempts - 1, 0)
    await session.execute(update(OutboxItem).where(OutboxItem.id.in_(ids)).values(**values))


async def mark_failed(session: AsyncSession, ids: Sequence[int], error: str) -> None:
    """Give the rows up; they stay for /status and are never retried."""
    await session.execute(
        update(OutboxItem).where(OutboxItem.id.in_(ids)).values(status=FAILED, last_error=error[:2000])
    )


async def fail_channel(session: AsyncSession, channel_id: int, error: str) -> int:
    """Give up every unsent or unedited row of a channel (it became unreachable). Returns how many."""
    result = await session.execute(
        update(OutboxItem).where(OutboxItem.channel_id == channel_id, OutboxItem.status == PENDING)
        .values(status=FAILED, last_error=error[:2000])
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def message_times(session: AsyncSession, channel_id: int, since: datetime) -> list[datetime]:
    """Send times of the channel's distinct messages created after `since` (a digest counts once)."""
    query = (
        select(OutboxItem.message_id, func.min(OutboxItem.sent_at))
        .where(OutboxItem.channel_id == channel_id, OutboxItem.sent_at > since,
               OutboxItem.message_id.is_not(None))
        .group_by(OutboxItem.message_id)
    )
    return [sent_at for _, sent_at in (await session.execute(query)).all() if sent_at is not None]


async def message_members(session: AsyncSession, channel_id: int, message_id: int) -> list[OutboxItem]:
    """All rows shown by one message: one for an event post, several for a burst digest."""
    query = (
        select(OutboxItem)
        .where(and_(OutboxItem.channel_id == channel_id, OutboxItem.message_id == message_id))
        .order_by(OutboxItem.id)
    )
    return list((await session.scalars(query)).all())


async def channels_with_reports(session: AsyncSession, channel_ids: Iterable[int]) -> set[int]:
    """The channels among `channel_ids` that were given at least one event since they subscribed (a channel
    with no subscription, such as the console, since ever): the ones a daily digest has something to sum up."""
    channels = set(channel_ids)
    if not channels:
        return set()
    subscribed = dict((await session.execute(
        select(Subscription.channel_id, func.min(Subscription.created_at))
        .where(Subscription.channel_id.in_(channels)).group_by(Subscription.channel_id)
    )).all())
    latest = (await session.execute(
        select(OutboxItem.channel_id, func.max(OutboxItem.created_at))
        .where(OutboxItem.channel_id.in_(channels)).group_by(OutboxItem.channel_id)
    )).all()
    return {channel for channel, last in latest
            if channel not in subscribed or (last is not None and last >= subscribed[channel])}


async def outbox_depth(session: AsyncSession) -> dict[str, int]:
    """Row counts by status, for /status and /metrics."""
    rows = (await session.execute(select(OutboxItem.status, func.count()).group_by(OutboxItem.status))).all()
    counts = {PENDING: 0, SENT: 0, FAILED: 0}
    counts.update({status: count for status, count in rows})
    return counts


def _sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"
