"""Prometheus metrics of one sitrep process, in its own registry (no process globals)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.feeds.poller import FeedOutcome


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.feeds_polled = Counter("sitrep_feeds_polled", "Feed fetches by result", ["result"], registry=r)
        self.feed_failures = Counter("sitrep_feed_failures", "Feed fetches that failed", registry=r)
        self.articles_new = Counter("sitrep_articles_new", "New articles stored (baseline excluded)", registry=r)
        self.classifications = Counter("sitrep_classifications", "Articles classified by label", ["label"], registry=r)
        self.events = Counter("sitrep_events", "Events created or updated", ["change"], registry=r)
        self.posts = Counter("sitrep_posts", "Messages posted or edited", ["action"], registry=r)
        self.outbox_depth = Gauge("sitrep_outbox_depth", "Outbox rows waiting to be posted", registry=r)
        self.poll_duration = Histogram(
            "sitrep_poll_duration_seconds", "Duration of one poll cycle", registry=r,
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
        )

    def record_poll(self, outcomes: Iterable[FeedOutcome], seconds: float) -> None:
        for outcome in outcomes:
            self.feeds_polled.labels(outcome.status).inc()
            if outcome.status in ("error", "disabled"):
                self.feed_failures.inc()
            self.articles_new.inc(outcome.new)
        self.poll_duration.observe(seconds)
