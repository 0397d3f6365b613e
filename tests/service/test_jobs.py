"""The scheduler's jobs per role, and the daily digest that is posted late rather than never."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from bot.app import open_context
from bot.publishing.console import ConsolePoster
from bot.service.metrics import Metrics
from bot.service.runtime import Runtime, build_scheduler
from bot.settings import load_settings
from tests.clock import Clock

BEFORE_DIGEST = datetime(2024, 2, 1, 17, 30, tzinfo=UTC)  # the default digest_time is 18:00 UTC


def jobs(runtime: Runtime, role: str) -> set[str]:
    return {job.id for job in build_scheduler(runtime, role).get_jobs()}


async def test_each_role_schedules_only_its_own_jobs(sqlite_url):
    settings = load_settings(database_url=sqlite_url)
    async with open_context(settings, pipeline=False) as ctx:
        runtime = Runtime(ctx, None, Metrics())
        assert jobs(runtime, "all") == {"ingest", "retention", "drain", "digest"}
        assert jobs(runtime, "worker") == {"ingest", "retention"}
        assert jobs(runtime, "bot") == {"drain", "digest"}
    settings = load_settings(database_url=sqlite_url, service={"retrain_cron": "0 4 * * 0"})
    async with open_context(settings, pipeline=False) as ctx:
        assert "retrain" in jobs(Runtime(ctx, None, Metrics()), "worker")


async def test_the_daily_digest_is_posted_once_a_day_even_when_its_minute_was_missed(sqlite_url):
    settings = load_settings(database_url=sqlite_url)
    out = io.StringIO()
    clock = Clock(BEFORE_DIGEST)
    async with open_context(settings, pipeline=False) as ctx:
        runtime = Runtime(ctx, ConsolePoster(out), Metrics(), clock=clock)
        assert not await runtime.digest()  # before 18:00
        clock.advance(hours=2, minutes=35)  # the process was down at 18:00 and is back at 20:05
        assert await runtime.digest()
        assert "Daily digest 2024-02-01" in out.getvalue()
        clock.advance(minutes=1)
        assert not await runtime.digest()  # once a day
        clock.now = BEFORE_DIGEST + timedelta(days=1, minutes=31)
        assert await runtime.digest()
    assert out.getvalue().count("Daily digest") == 2
