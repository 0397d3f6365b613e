"""Pure publishing decisions, checked with plain values and a fixed `now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.publishing import policy
from bot.publishing.digest import digest_due

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@dataclass
class Sub:
    channel_id: int
    kind: str
    min_confidence: float = 0.0
    broken_reason: str | None = None


def test_matching_by_kind_confidence_and_health() -> None:
    assert policy.matches(Sub(1, "militia_attack", 0.7), "militia_attack", 0.7)
    assert not policy.matches(Sub(1, "militia_attack", 0.7), "militia_attack", 0.69)
    assert not policy.matches(Sub(1, "us_strike"), "militia_attack", 0.99)
    assert not policy.matches(Sub(1, "militia_attack", broken_reason="403"), "militia_attack", 0.99)


def test_target_channels_dedup_and_console() -> None:
    subs = [Sub(1, "militia_attack"), Sub(2, "militia_attack", 0.95), Sub(3, "us_strike"), Sub(1, "us_strike")]
    assert policy.target_channels(subs, "militia_attack", 0.9) == [1]
    assert policy.target_channels(subs, "us_strike", 0.1) == [3, 1]
    assert policy.target_channels(subs, "militia_attack", 0.1, console_channel=0) == [1, 0]
    assert policy.target_channels([], "other", 0.0, console_channel=0) == [0]


def test_needs_edit_only_for_posted_older_revisions() -> None:
    assert policy.needs_edit(1, 2)
    assert not policy.needs_edit(2, 2)
    assert not policy.needs_edit(0, 2)  # never posted: that is a send, not an edit


def test_backoff_doubles_up_to_a_cap_then_gives_up() -> None:
    delays = [policy.backoff_s(n) for n in range(1, 12)]
    assert delays[:4] == [15, 30, 60, 120]
    assert max(delays) == policy.BACKOFF_MAX_S and delays == sorted(delays)
    assert policy.after_failure(3, 4, NOW) == NOW + timedelta(seconds=60)
    assert policy.after_failure(4, 4, NOW) is None


def test_burst_plan_singles_digest_and_hold() -> None:
    window = 300
    # Room for all: singles.
    assert policy.plan_burst(3, [], NOW, 3, window) == policy.BurstPlan(3, False, None)
    # More than the cap at once: one digest.
    assert policy.plan_burst(4, [], NOW, 3, window) == policy.BurstPlan(0, True, None)
    # Two slots used, two more due: 4 > 3, one slot left -> the two go as one digest.
    recent = [NOW - timedelta(seconds=100), NOW - timedelta(seconds=50)]
    assert policy.plan_burst(2, recent, NOW, 3, window).digest
    # Cap reached: hold until the oldest message in the window leaves it.
    full = [*recent, NOW - timedelta(seconds=10)]
    plan = policy.plan_burst(1, full, NOW, 3, window)
    assert plan.hold_until == NOW - timedelta(seconds=100) + timedelta(seconds=window)
    # Messages older than the window do not count.
    old = [NOW - timedelta(seconds=window + 1)] * 10
    assert policy.plan_burst(2, old, NOW, 3, window) == policy.BurstPlan(2, False, None)
    assert policy.plan_burst(0, full, NOW, 3, window) == policy.BurstPlan(0, False, None)


def test_burst_cap_holds_over_a_simulated_storm() -> None:
    """Whatever arrives, no window ever holds more than `limit` messages, and every event goes out."""
    limit, window = 3, 300
    sent: list[datetime] = []
    pending = 0
    delivered = 0
    held_until: datetime | None = None
    for second in range(0, 3600, 10):
        now = NOW + timedelta(seconds=second)
        pending += 4 if second < 600 else (1 if second % 120 == 0 else 0)
        if held_until and now < held_until:
            continue
        plan = policy.plan_burst(pending, sent, now, limit, window)
        held_until = plan.hold_until
        if plan.digest:
            sent.append(now)
            delivered += pending
            pending = 0
        elif plan.singles:
            sent.extend([now] * plan.singles)
            delivered += plan.singles
            pending = 0
        in_window = [t for t in sent if now - timedelta(seconds=window) < t <= now]
        assert len(in_window) <= limit
    assert pending == 0 or held_until is not None
    assert delivered > 0


def test_daily_digest_due_once_after_its_time() -> None:
    assert not digest_due(NOW.replace(hour=17, minute=59), "18:00", None)
    assert digest_due(NOW.replace(hour=18), "18:00", None)
    assert digest_due(NOW.replace(hour=18), "18:00", "2026-01-09")
    assert not digest_due(NOW.replace(hour=23), "18:00", "2026-01-10")
