"""Pure scheduling decisions: when a feed is next due, backoff after failures, when to give up, what is new."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.feeds.normalize import ArticleDraft
from bot.settings import PollSettings


def spread(feed_id: int, interval_s: int) -> timedelta:
    """A stable offset of up to 10% of the interval, so feeds added together do not stay in lockstep."""
    return timedelta(seconds=(feed_id * 2654435761 % 1000) / 1000 * 0.1 * interval_s)


def next_success_check(now: datetime, feed_id: int, interval_s: int) -> datetime:
    return now + timedelta(seconds=interval_s) + spread(feed_id, interval_s)


def backoff_seconds(failures: int, interval_s: int, settings: PollSettings) -> float:
    """Exponential backoff from the base, capped, never sooner than the feed's own interval."""
    exponent = max(0, failures - 1)
    delay = settings.backoff_base_s * 2 ** min(exponent, 30)
    return float(max(interval_s, min(delay, settings.backoff_max_s)))


def next_failure_check(
    now: datetime, failures: int, interval_s: int, settings: PollSettings, retry_after_s: float | None = None
) -> datetime:
    """After a failure: the backoff, or the server's Retry-After when it asks for longer (capped at the max)."""
    delay = backoff_seconds(failures, interval_s, settings)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, float(settings.backoff_max_s)))
    return now + timedelta(seconds=delay)


def should_disable(failures: int, settings: PollSettings) -> bool:
    return failures >= settings.max_failures


def is_postable(draft: ArticleDraft, now: datetime, settings: PollSettings, *, baselined: bool) -> bool:
    """Whether an item becomes `new` (classified, maybe posted) rather than stored as baseline.

    After a feed's first poll, anything up to `max_article_age_hours` old is new, and an undated item is new
    because it was not there before. The first poll is the feed's baseline: only dated items within
    `catch_up_hours` are new, so a fresh start shows the latest incidents without replaying the whole backlog
    of every feed (an undated item's age is unknown, so it could be years old).
    """
    hours = settings.max_article_age_hours
    if not baselined:
        if not draft.dated:
            return False
        hours = min(hours, settings.catch_up_hours)
    return hours > 0 and now - draft.published_at <= timedelta(hours=hours)
