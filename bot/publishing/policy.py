"""Pure publishing decisions: who gets an event, when a burst becomes a digest, how long to back off.

No I/O here: the outbox code gathers the facts from the store and asks these functions, so every rule can be
tested with plain values and a `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

KINDS = ("militia_attack", "us_strike")
BACKOFF_BASE_S = 15.0
BACKOFF_MAX_S = 3600.0
# How long a claimed row is left alone before another drain may take it (a crash mid-send).
CLAIM_S = 120.0
# 429s shorter than this are waited out in the same drain; longer ones reschedule the channel's rows.
MAX_INLINE_WAIT_S = 30.0
# While the Discord session is closed the channel waits this long between tries, spending no attempt.
NOT_CONNECTED_WAIT_S = 15.0


class SubscriptionLike(Protocol):
    channel_id: int
    kind: str
    min_confidence: float
    broken_reason: str | None


def matches(subscription: SubscriptionLike, kind: str, confidence: float) -> bool:
    """Should an event of `kind` with `confidence` go to this subscription?"""
    return (
        subscription.broken_reason is None
        and subscription.kind == kind
        and confidence >= subscription.min_confidence
    )


def target_channels(
    subscriptions: Sequence[SubscriptionLike], kind: str, confidence: float, console_channel: int | None = None
) -> list[int]:
    """The channels an event goes to, without duplicates, in subscription order; the console gets everything."""
    channels = [sub.channel_id for sub in subscriptions if matches(sub, kind, confidence)]
    if console_channel is not None:
        channels.append(console_channel)
    return list(dict.fromkeys(channels))


def needs_edit(posted_revision: int, revision: int) -> bool:
    """A posted message shows an older revision of its event than the store has."""
    return 0 < posted_revision < revision


def backoff_s(attempts: int, base_s: float = BACKOFF_BASE_S, max_s: float = BACKOFF_MAX_S) -> float:
    """Delay before attempt `attempts + 1`: base, 2x base, 4x base, ... capped at max_s."""
    return min(max_s, base_s * 2 ** max(0, attempts - 1))


def after_failure(attempts: int, max_attempts: int, now: datetime) -> datetime | None:
    """When to try again after the `attempts`-th failure, or None when the row should be given up."""
    if attempts >= max_attempts:
        return None
    return now + timedelta(seconds=backoff_s(attempts))


@dataclass(frozen=True, slots=True)
class BurstPlan:
    """What to do with a channel's due new posts: send singles, one digest, or hold them."""

    singles: int  # how many of the due rows (oldest first) go out as single messages
    digest: bool  # the due rows all go out as one digest message
    hold_until: datetime | None  # the channel is at its cap: wait until a message leaves the window


def plan_burst(
    due_new: int, sent_times: Sequence[datetime], now: datetime, burst_limit: int, window_s: float
) -> BurstPlan:
    """Keep a channel within `burst_limit` new messages per `window_s`.

    `sent_times` are the send times of the channel's distinct messages (a digest counts once). While the due
    posts fit under the cap they go out one by one; when they do not, they all become ONE digest, which takes
    a single slot; when the channel is already at its cap they wait until the oldest message leaves the
    window and then go out by the same rule. So a storm of N events costs at most `burst_limit` messages per
    window whatever N is, and a digest always holds at least two events.
    """
    if due_new <= 0:
        return BurstPlan(0, False, None)
    start = now - timedelta(seconds=window_s)
    recent = sorted(t for t in sent_times if start < t <= now)
    if len(recent) + due_new <= burst_limit:
        return BurstPlan(due_new, False, None)
    if len(recent) < burst_limit:
        return BurstPlan(0, True, None)
    # At the cap: the slot frees when the (len - limit + 1)-th oldest message leaves the window.
    frees_at = recent[len(recent) - burst_limit] + timedelta(seconds=window_s)
    return BurstPlan(0, False, max(frees_at, now + timedelta(seconds=1)))


def digest_title(count: int) -> str:
    """The title of a burst digest; derived from the count only, so an edit of the digest keeps it stable."""
    return f"{count} new events in a burst"
