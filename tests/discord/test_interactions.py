"""Interactions as the real platform treats them: acknowledged within 3 s whatever the store does, private
answers that stay private after a public defer, and /subscribe refusing what would fail silently later."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.discord.commands import lookup
from bot.discord.poster import DiscordPoster
from bot.publishing.render import render_event
from bot.storage import corrections
from tests.discord.conftest import NOW, ephemeral, invoke
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import (
    ALERT_ROLE,
    EVENTS_CHANNEL,
    NO_FILES_CHANNEL,
    QUIET_ROLE,
    Channel,
    Role,
    click,
    options,
    slash,
)
from tests.discord.scenario import event_post, seed

STALL_S = 0.6  # a store slower than the (shortened) acknowledgement deadline below


def stalled(real: Any) -> Any:
    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(STALL_S)
        return await real(*args, **kwargs)
    return slow


@pytest.fixture
def strict(fake: FakeDiscord) -> FakeDiscord:
    fake.ack_deadline = STALL_S / 3  # Discord's 3 s, scaled down with the stall so the test stays fast
    return fake


async def test_a_slow_store_never_makes_a_command_miss_the_deadline(strict: FakeDiscord, bot, ctx,
                                                                    monkeypatch) -> None:
    await seed(ctx.sessions, NOW)
    monkeypatch.setattr(lookup, "latest_events", stalled(lookup.latest_events))
    state = await invoke(strict, slash("latest"), limit_s=5)
    assert state.callbacks[0]["type"] == 5  # acknowledged before the store was read
    assert "Tower 22" in str(state.messages[-1]["embeds"])


async def test_a_slow_store_never_loses_a_vote_from_the_users_view(strict: FakeDiscord, bot, ctx,
                                                                   monkeypatch) -> None:
    ids = await seed(ctx.sessions, NOW)
    message_id = await DiscordPoster(bot).send(EVENTS_CHANNEL, render_event(event_post(ids["attack"])),
                                               event_id=ids["attack"])
    monkeypatch.setattr("bot.discord.views.record_correction", stalled(corrections.record_correction))
    state = await invoke(strict, click(strict.messages[message_id], f"sitrep:correct:{ids['attack']}"), limit_s=5)
    assert ephemeral(state) and "recorded" in state.messages[-1]["content"]


async def test_an_error_after_a_public_defer_is_shown_to_the_user_alone(fake: FakeDiscord, bot, ctx,
                                                                       monkeypatch) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(lookup, "latest_events", broken)
    state = await invoke(fake, slash("latest"))
    assert state.callbacks[0]["type"] == 5 and not (state.callbacks[0].get("data") or {}).get("flags")  # public
    assert ephemeral(state)  # ...whose "thinking…" was deleted, then the error sent privately
    assert "went wrong" in state.messages[-1]["embeds"][0]["description"]
    assert all(int(m["id"]) not in fake.messages for m in state.messages[:-1])
    assert [type(e.original) for e in bot.unexpected_errors] == [RuntimeError]  # type: ignore[attr-defined]
    bot.unexpected_errors.clear()


async def test_subscribe_refuses_a_role_nobody_would_hear_and_a_channel_without_attach_files(
        fake: FakeDiscord, bot) -> None:
    state = await invoke(fake, slash("subscribe", options(kind="militia_attack", channel=Channel(EVENTS_CHANNEL),
                                                         role=Role(QUIET_ROLE))))
    assert ephemeral(state) and "cannot be pinged" in state.messages[-1]["embeds"][0]["description"]
    state = await invoke(fake, slash("subscribe", options(kind="militia_attack",
                                                         channel=Channel(NO_FILES_CHANNEL))))
    assert "missing Attach Files" in state.messages[-1]["embeds"][0]["description"]
    state = await invoke(fake, slash("subscribe", options(kind="militia_attack", channel=Channel(EVENTS_CHANNEL),
                                                         role=Role(ALERT_ROLE))))
    assert "Subscribed" in state.messages[-1]["embeds"][0]["title"]
