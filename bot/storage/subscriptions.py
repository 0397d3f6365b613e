"""Subscriptions: which channel gets which kind of event, from what confidence, with which role to ping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Subscription

KINDS = ("militia_attack", "us_strike")


class SubscriptionError(ValueError):
    """A subscription request with a bad value; the message says which and why."""


async def list_subscriptions(session: AsyncSession) -> list[Subscription]:
    """Every subscription, broken ones included (the caller shows or filters them)."""
    return list((await session.scalars(select(Subscription).order_by(Subscription.channel_id,
                                                                       Subscription.kind))).all())


async def subscribe(
    session: AsyncSession,
    guild_id: int | None,
    channel_id: int,
    kind: str,
    min_confidence: float,
    role_id: int | None,
    now: datetime,
) -> Subscription:
    """Create or update the (channel, kind) subscription; subscribing again also repairs a broken one."""
    if kind not in KINDS:
        raise SubscriptionError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    if not 0.0 <= min_confidence <= 1.0:
        raise SubscriptionError(f"min_confidence must be between 0 and 1, got {min_confidence}")
    if channel_id <= 0:
        raise SubscriptionError(f"not a channel id: {channel_id}")
    sub = await session.scalar(
        select(Subscription).where(Subscription.channel_id == channel_id, Subscription.kind == kind)
    )
    if sub is None:
        sub = Subscription(channel_id=channel_id, kind=kind, created_at=now)
        session.add(sub)
    sub.guild_id = guild_id
    sub.min_confidence = min_confidence
    sub.role_id = role_id
    sub.broken_reason = None
    await session.flush()
    return sub


async def unsubscribe(session: AsyncSession, channel_id: int, kind: str) -> bool:
    """Remove the (channel, kind) subscription; False when there was none."""
    result = await session.execute(
        delete(Subscription).where(Subscription.channel_id == channel_id, Subscription.kind == kind)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_broken(session: AsyncSession, sub_id: int, reason: str) -> None:
    """Stop posting to a subscription (e.g. missing permissions) and keep why, for /status."""
    await session.execute(
        update(Subscription).where(Subscription.id == sub_id).values(broken_reason=reason[:2000])
    )


async def mark_channel_broken(session: AsyncSession, channel_id: int, reason: str) -> list[int]:
    """Mark every subscription of a channel broken (the channel itself is unreachable); returns their ids."""
    ids = list((await session.scalars(select(Subscription.id).where(Subscription.channel_id == channel_id))).all())
    for sub_id in ids:
        await mark_broken(session, sub_id, reason)
    return ids


async def broken_subscriptions(session: AsyncSession) -> list[Subscription]:
    """Subscriptions that stopped working, for /status."""
    query = select(Subscription).where(Subscription.broken_reason.is_not(None)).order_by(Subscription.channel_id)
    return list((await session.scalars(query)).all())
