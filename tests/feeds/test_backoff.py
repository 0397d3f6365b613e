"""Backoff after feed failures: exponential from the base, capped, Retry-After honoured; and through the poller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.feeds import schedule
from bot.settings import PollSettings
from bot.storage import feeds as feed_store
from bot.storage.models import Feed
from tests.feeds import feed_docs
from tests.feeds.feed_server import Route

NOW = datetime(2024, 1, 28, 12, tzinfo=UTC)
# An interval below the base, so the backoff is what decides the delay (the interval is only a floor).
SETTINGS = PollSettings(backoff_base_s=100, backoff_max_s=3600)
INTERVAL = 60


def delay(failures: int, retry_after_s: float | None = None, settings: PollSettings = SETTINGS) -> float:
    return (schedule.next_failure_check(NOW, failures, INTERVAL, settings, retry_after_s) - NOW).total_seconds()


def test_backoff_doubles_with_each_failure_then_stops_at_the_max():
    delays = [delay(n) for n in range(1, 10)]
    assert delays == [100, 200, 400, 800, 1600, 3200, 3600, 3600, 3600]
    assert [schedule.backoff_seconds(n, INTERVAL, SETTINGS) for n in range(1, 10)] == delays
    assert delay(10_000) == 3600  # a huge failure count neither overflows nor passes the cap


def test_backoff_is_never_sooner_than_the_feeds_interval():
    assert schedule.backoff_seconds(1, 900, SETTINGS) == 900  # 100 s backoff, 900 s interval
    assert schedule.backoff_seconds(4, 900, SETTINGS) == 900  # 800 s
    assert schedule.backoff_seconds(5, 900, SETTINGS) == 1600


def test_retry_after_is_honoured_when_longer_and_capped_at_the_max():
    assert delay(1, retry_after_s=1000) == 1000  # the server asks for longer than the backoff
    assert delay(3, retry_after_s=1000) == 1000
    assert delay(1, retry_after_s=10) == 100  # shorter than the backoff: the backoff wins
    assert delay(5, retry_after_s=1000) == 1600
    assert delay(1, retry_after_s=86_400) == 3600  # a server cannot park a feed for a day
    assert delay(1, retry_after_s=0) == 100


async def test_a_failing_feed_is_checked_further_out_after_each_failure(
    sessions, feed_server, poll_settings, poller, clock
):
    poll_settings.backoff_base_s = 120
    poll_settings.backoff_max_s = 1000
    poll_settings.max_failures = 10
    feed_server.routes["/down"] = Route(status=500)
    async with sessions.begin() as s:
        feed_id = (await feed_store.add_feed(s, feed_server.url("/down"), "Down", INTERVAL, clock())).id

    delays = []
    for failures in range(1, 7):
        [outcome] = await poller.poll()
        assert outcome.status == "error" and "500" in (outcome.error or "")
        async with sessions() as s:
            feed = await s.get(Feed, feed_id)
        assert feed is not None
        assert feed.consecutive_failures == failures and feed.enabled and feed.lease_owner is None
        due = feed.next_check_at
        delays.append((due - clock.now).total_seconds())
        clock.now = due - timedelta(seconds=1)
        assert await poller.poll() == []  # not due before its backoff has passed
        clock.now = due
    assert delays == [120, 240, 480, 960, 1000, 1000]
    assert feed_server.hits["/down"] == 6

    # It recovers: one success resets the failures and the feed's own interval applies again.
    feed_server.routes["/down"] = Route(body=feed_docs.rss2("Back", feed_docs.items("back", 2, clock.now)))
    [outcome] = await poller.poll()
    assert outcome.status == "new"
    async with sessions() as s:
        feed = await s.get(Feed, feed_id)
    assert feed is not None and feed.consecutive_failures == 0 and feed.last_error is None
    assert feed.next_check_at == schedule.next_success_check(clock.now, feed_id, INTERVAL)


async def test_retry_after_from_the_server_sets_the_next_check(sessions, feed_server, poll_settings, poller, clock):
    poll_settings.max_failures = 10
    feed_server.routes["/busy"] = Route(status=503, headers={"Retry-After": "1800"})
    async with sessions.begin() as s:
        feed_id = (await feed_store.add_feed(s, feed_server.url("/busy"), "Busy", INTERVAL, clock())).id
    [outcome] = await poller.poll()
    assert outcome.status == "error"
    async with sessions() as s:
        feed = await s.get(Feed, feed_id)
    assert feed is not None and (feed.next_check_at - clock.now).total_seconds() == 1800
