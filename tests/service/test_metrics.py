"""/metrics over real HTTP: every sitrep metric, fed the way the runtime feeds it, with its value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy import update

from bot.feeds.poller import FeedOutcome
from bot.service.http import start_http
from bot.service.metrics import Metrics
from bot.storage.models import Event, OutboxItem
from tests.service.test_service import context

NOW = datetime(2024, 2, 1, 12, tzinfo=UTC)


async def add_outbox(ctx, statuses: list[str]) -> None:
    async with ctx.sessions.begin() as s:
        event = Event(kind="us_strike", occurred_at=NOW, first_seen_at=NOW, updated_at=NOW, title="Strike")
        s.add(event)
        await s.flush()
        for channel, status in enumerate(statuses, start=1):
            s.add(OutboxItem(event_id=event.id, channel_id=channel, status=status, next_attempt_at=NOW,
                             created_at=NOW))


async def scrape(port: int) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return await response.text()


async def test_metrics_endpoint_shows_every_metric_with_its_value(sqlite_url, unused_tcp_port):
    ctx = context(sqlite_url, service={"http_port": unused_tcp_port, "http_host": "127.0.0.1"})
    await add_outbox(ctx, ["pending", "pending", "pending", "sent", "failed"])
    metrics = Metrics()
    # One poll cycle of 2.5 s (bot/service/runtime.py: record_poll with the cycle's outcomes and duration).
    metrics.record_poll(
        [
            FeedOutcome(1, "Wire", "new", new=3, baseline=2, duplicates=5),
            FeedOutcome(2, "Regional", "new", new=1),
            FeedOutcome(3, "Quiet", "unchanged"),
            FeedOutcome(4, "Broken", "error", error="HTTP 500 Internal Server Error"),
            FeedOutcome(5, "Gone", "disabled", error="HTTP 404 Not Found"),
            FeedOutcome(6, "Deleted", "removed"),
        ],
        2.5,
    )
    metrics.record_poll([FeedOutcome(3, "Quiet", "unchanged")], 0.2)  # a second, idle cycle
    # Classification, clustering and publishing, as the runtime counts them.
    for label, count in {"militia_attack": 4, "us_strike": 2, "other": 7}.items():
        metrics.classifications.labels(label).inc(count)
    metrics.events.labels("created").inc()
    metrics.events.labels("created").inc()
    metrics.events.labels("updated").inc()
    metrics.posts.labels("sent").inc(3 + 1)  # report.sent + report.digests
    metrics.posts.labels("edited").inc(2)

    stop = await start_http(ctx, metrics, "all", lambda: NOW + timedelta(seconds=5))
    try:
        text = await scrape(unused_tcp_port)
    finally:
        await stop()
        await ctx.engine.dispose()
    lines = set(text.splitlines())
    expected = [
        'sitrep_feeds_polled_total{result="new"} 2.0',
        'sitrep_feeds_polled_total{result="unchanged"} 2.0',
        'sitrep_feeds_polled_total{result="error"} 1.0',
        'sitrep_feeds_polled_total{result="disabled"} 1.0',
        'sitrep_feeds_polled_total{result="removed"} 1.0',
        "sitrep_feed_failures_total 2.0",  # error + disabled; removed is not a failure
        "sitrep_articles_new_total 4.0",  # baseline excluded
        'sitrep_classifications_total{label="militia_attack"} 4.0',
        'sitrep_classifications_total{label="us_strike"} 2.0',
        'sitrep_classifications_total{label="other"} 7.0',
        'sitrep_events_total{change="created"} 2.0',
        'sitrep_events_total{change="updated"} 1.0',
        'sitrep_posts_total{action="sent"} 4.0',
        'sitrep_posts_total{action="edited"} 2.0',
        "sitrep_outbox_depth 3.0",  # pending rows only
        "sitrep_poll_duration_seconds_count 2.0",
        "sitrep_poll_duration_seconds_sum 2.7",
        'sitrep_poll_duration_seconds_bucket{le="0.5"} 1.0',
        'sitrep_poll_duration_seconds_bucket{le="2.0"} 1.0',
        'sitrep_poll_duration_seconds_bucket{le="5.0"} 2.0',
        'sitrep_poll_duration_seconds_bucket{le="+Inf"} 2.0',
    ]
    missing = [line for line in expected if line not in lines]
    assert not missing, f"missing from /metrics: {missing}\n{text}"
    for name in ("sitrep_feeds_polled", "sitrep_feed_failures", "sitrep_articles_new", "sitrep_classifications",
                 "sitrep_events", "sitrep_posts", "sitrep_outbox_depth", "sitrep_poll_duration_seconds"):
        assert f"# HELP {name}" in text and f"# TYPE {name}" in text, name


async def test_outbox_depth_is_read_at_each_scrape(sqlite_url, unused_tcp_port):
    ctx = context(sqlite_url, service={"http_port": unused_tcp_port, "http_host": "127.0.0.1"})
    metrics = Metrics()
    stop = await start_http(ctx, metrics, "all", lambda: NOW)
    try:
        assert "sitrep_outbox_depth 0.0" in (await scrape(unused_tcp_port)).splitlines()
        await add_outbox(ctx, ["pending", "pending", "sent"])
        assert "sitrep_outbox_depth 2.0" in (await scrape(unused_tcp_port)).splitlines()
        async with ctx.sessions.begin() as s:
            await s.execute(update(OutboxItem).values(status="sent"))
        text = await scrape(unused_tcp_port)
        assert "sitrep_outbox_depth 0.0" in text.splitlines()
        # Nothing recorded yet: counters without labels read zero and labelled ones have no samples.
        assert "sitrep_feed_failures_total 0.0" in text.splitlines()
        assert "sitrep_feeds_polled_total{" not in text
    finally:
        await stop()
        await ctx.engine.dispose()
