"""Start-up waits for a database and a Discord that are not up yet: backoff, one log line per try, and one line
naming the cause and the fix when `service.startup_wait_s` runs out; a refused token is not retried."""

from __future__ import annotations

import logging
import socket

import discord
import pytest

from bot.app import StartupError
from bot.discord.client import SitrepBot, login_discord
from bot.service.runtime import serve, wait_for_database
from bot.service.wait import wait_until_ready
from bot.settings import load_settings
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import TOKEN


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


async def test_a_database_that_never_answers_ends_start_up_with_one_line(caplog):
    url = f"postgresql+asyncpg://sitrep:hunter2@127.0.0.1:{closed_port()}/sitrep"
    settings = load_settings(database_url=url, service={"startup_wait_s": 5, "http_port": 0})
    caplog.set_level(logging.WARNING, logger="bot.service.wait")
    with pytest.raises(StartupError) as error:
        await serve(settings, role="worker")
    message = str(error.value)
    assert "\n" not in message and message.startswith("the database at postgresql+asyncpg://sitrep:***@127.0.0.1")
    assert "did not answer within 5 s (" in message and "tries; last: " in message
    assert "SITREP_DATABASE_URL" in message and "SITREP_SERVICE__STARTUP_WAIT_S" in message
    assert "hunter2" not in message and "hunter2" not in caplog.text
    tries = [r.getMessage() for r in caplog.records if "not reachable yet" in r.getMessage()]
    assert len(tries) >= 2 and "try 1:" in tries[0] and tries[0].endswith("retrying in 1 s")  # one line per try
    assert "try 2:" in tries[1]


async def test_a_sqlite_store_needs_no_wait(sqlite_url):
    await wait_for_database(load_settings(database_url=sqlite_url, service={"startup_wait_s": 0}))


async def test_the_wait_returns_as_soon_as_a_try_succeeds(caplog):
    calls = []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) < 2:
            raise ConnectionRefusedError("not yet")
        return "up"

    caplog.set_level(logging.WARNING, logger="bot.service.wait")
    assert await wait_until_ready("the thing", attempt, 10, "fix it") == "up"
    assert [r.getMessage() for r in caplog.records] == [
        "the thing not reachable yet (try 1: ConnectionRefusedError: not yet); retrying in 1 s"]


async def test_an_unreachable_discord_is_retried_then_given_up_with_the_client_closed(ctx, monkeypatch, caplog):
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{closed_port()}/api/v10")
    settings = load_settings(database_url="sqlite+aiosqlite://", service={"startup_wait_s": 2})
    client = SitrepBot(ctx)
    caplog.set_level(logging.WARNING, logger="bot.service.wait")
    with pytest.raises(StartupError, match=r"^Discord did not answer within 2 s \(\d tries; last: Unavailable"):
        await login_discord(client, TOKEN, settings)
    assert client.is_closed()
    assert TOKEN not in caplog.text


async def test_a_refused_token_is_one_line_at_once(fake: FakeDiscord, ctx):
    fake.fail("GET", r"/users/@me", 401, code=0)
    settings = load_settings(database_url="sqlite+aiosqlite://", service={"startup_wait_s": 60})
    client = SitrepBot(ctx)
    with pytest.raises(StartupError, match=r"^Discord refused the token \(401 Unauthorized\): .*SITREP_DISCORD_TOKEN"):
        await login_discord(client, TOKEN, settings)
    assert client.is_closed()
    assert len([r for r in fake.requests if r.path == "/users/@me"]) == 1  # not retried
