"""Fixtures: a fake Discord on 127.0.0.1, a real SQLite store, and the real SitrepBot logged in to the fake."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
import yarl

from bot.app import AppContext
from bot.discord.client import SitrepBot
from bot.settings import load_settings
from bot.storage.db import create_engine, session_factory
from tests.clock import Clock
from tests.discord import scenario
from tests.discord.fake_discord import FakeDiscord, InteractionState
from tests.discord.payloads import TOKEN

NOW = datetime(2024, 2, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any name lookup other than loopback fails: a test that reaches for the real Discord breaks loudly."""
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1", None):
            raise OSError(f"test network guard: refusing to resolve {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.rest_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
    yield server
    await server.close()


@pytest.fixture
async def ctx(sqlite_url: str) -> AsyncIterator[AppContext]:
    settings = load_settings(database_url=sqlite_url, discord_guild_id=None)
    engine = create_engine(sqlite_url)
    context = AppContext(settings=settings, engine=engine, sessions=session_factory(engine),
                         gazetteer=scenario.tiny_gazetteer(), classifier=scenario.tiny_classifier())
    yield context
    await engine.dispose()



@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


async def start_bot(fake: FakeDiscord, ctx: AppContext, clock: Callable[[], datetime]) -> SitrepBot:
    bot = SitrepBot(ctx, clock=clock, guild_ready_timeout=0.05)
    await bot.login(TOKEN)
    bot._test_task = asyncio.create_task(bot.connect(reconnect=False))  # type: ignore[attr-defined]
    await asyncio.wait_for(bot.wait_until_ready(), 5)
    return bot


async def stop_bot(bot: SitrepBot) -> None:
    await bot.close()
    await asyncio.wait_for(bot._test_task, 5)  # type: ignore[attr-defined]


@pytest.fixture
async def bot(fake: FakeDiscord, ctx: AppContext, clock: Clock) -> AsyncIterator[SitrepBot]:
    client = await start_bot(fake, ctx, clock)
    yield client
    await stop_bot(client)
    assert client.unexpected_errors == [], client.unexpected_errors


async def invoke(fake: FakeDiscord, payload: dict[str, Any], limit_s: float = 5.0) -> InteractionState:
    """Dispatch an interaction and wait until the bot has answered it completely (a deferred one: followed up)."""
    state = await fake.interact(payload)
    deadline = asyncio.get_running_loop().time() + limit_s
    while asyncio.get_running_loop().time() < deadline:
        # A deferred answer (5: "thinking…", 6: update later) is complete once its follow-up or edit arrived.
        wanted = {5: 2, 6: 1}.get(state.callbacks[0]["type"], 0) if state.callbacks else 0
        done = state.callbacks and len(state.messages) >= wanted
        if done:
            await asyncio.sleep(0.02)  # let the command task finish its bookkeeping
            return state
        await asyncio.sleep(0.005)
    raise AssertionError(f"interaction {payload['data'].get('name') or payload['data']} not answered: {state}")


def shown(state: InteractionState) -> dict[str, Any]:
    """The message the user finally sees for an interaction (the follow-up after a defer)."""
    return state.messages[-1]


def ephemeral(state: InteractionState) -> bool:
    """Only the user saw the answer: an ephemeral response or defer, or a public "thinking…" that was deleted
    and followed by an ephemeral message (how an error after a public defer stays private)."""
    first = state.callbacks[0]
    if ((first.get("data") or {}).get("flags") or 0) & 64:
        return True
    final = state.messages[-1] if state.messages else {}
    earlier = [m for m in state.messages[:-1] if m is not final]
    return bool(final.get("flags", 0) & 64) and all(m.get("deleted") for m in earlier)
