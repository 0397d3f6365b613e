from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.feeds.fetch import Fetcher, make_session
from bot.feeds.poller import Poller
from bot.settings import PollSettings
from tests.clock import Clock


@pytest.fixture
def poll_settings() -> PollSettings:
    return PollSettings(
        allow_private=["127.0.0.1"],
        connect_timeout_s=1.0,
        total_timeout_s=2.0,
        max_body_bytes=200_000,
        max_concurrency=8,
        max_failures=3,
        backoff_base_s=60,
        lease_seconds=60,
        catch_up_hours=0,  # a first poll posts nothing here; test_first_poll_catches_up_on_recent_items overrides
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2024, 1, 28, 12, 0, tzinfo=UTC))


@pytest.fixture
async def poller(sessions, poll_settings, clock) -> AsyncIterator[Poller]:
    async with make_session(poll_settings) as http:
        yield Poller(sessions, Fetcher(http, poll_settings), poll_settings, "test-worker", clock)
