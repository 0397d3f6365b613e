"""What the real platform does that a happy-path fake would not: fatal gateway closes, and command syncs that
fail or are not needed. The real discord.py client against the fake Discord."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.discord.client import GatewayFatal, SitrepBot
from bot.discord.poster import DiscordPoster
from bot.publishing.poster import NotConnected
from bot.publishing.render import render_event
from bot.service.errors import ServiceFailed
from bot.service.runtime import serve
from bot.settings import load_settings
from tests.discord import limits
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import APP_ID, EVENTS_CHANNEL, TOKEN
from tests.discord.scenario import event_post

COMMANDS = rf"/applications/{APP_ID}/commands"


def syncs(fake: FakeDiscord) -> int:
    return sum(r.method == "PUT" and r.path == f"/applications/{APP_ID}/commands" and r.status == 200
               for r in fake.requests)


async def connected(fake: FakeDiscord, ctx, **options) -> tuple[SitrepBot, asyncio.Task[None]]:
    bot = SitrepBot(ctx, guild_ready_timeout=0.05, **options)
    await bot.login(TOKEN)
    task = asyncio.create_task(bot.hold_gateway())
    await asyncio.wait_for(bot.wait_until_ready(), 5)
    return bot, task


@pytest.mark.parametrize(("code", "says"), [(4004, "token"), (4014, "intents")])
async def test_a_fatal_close_ends_the_gateway_with_one_reason(fake: FakeDiscord, ctx, code, says) -> None:
    bot, task = await connected(fake, ctx)
    await fake.close_gateway(code)
    with pytest.raises(GatewayFatal, match=rf"{code}.*{says}"):
        await asyncio.wait_for(task, 5)
    assert bot.is_closed()
    # The outbox sees "not connected" (the channel waits, attempts kept), not an error that burns attempts.
    with pytest.raises(NotConnected):
        await DiscordPoster(bot).send(EVENTS_CHANNEL, render_event(event_post(1)), event_id=1)


async def test_a_resumable_close_reconnects_instead(fake: FakeDiscord, ctx) -> None:
    bot, task = await connected(fake, ctx)
    await fake.close_gateway(4000)  # "unknown error": Discord expects a resume
    for _ in range(200):
        if any(op["op"] == 6 for op in fake.gateway_ops):
            break
        await asyncio.sleep(0.025)
    assert any(op["op"] == 6 for op in fake.gateway_ops) and not task.done()
    await bot.close()
    await asyncio.wait_for(task, 5)


@pytest.mark.timeout(400)
async def test_the_service_exits_with_one_line_when_the_gateway_dies(fake: FakeDiscord, sqlite_url,
                                                                      shared_model_dir, tmp_path, caplog) -> None:
    feeds_file = tmp_path / "feeds.toml"
    feeds_file.write_text("")
    settings = load_settings(database_url=sqlite_url, discord_token=TOKEN, discord_guild_id=None,
                             feeds_file=feeds_file, model={"path": shared_model_dir}, service={"http_port": 0})
    service = asyncio.create_task(serve(settings, role="all"))
    # Start-up loads (or trains) the model first: allow for a loaded machine before Discord is reached.
    await fake.wait_for(lambda r: r.path.endswith("/commands"), 180)
    for _ in range(400):
        if fake._sockets:
            break
        await asyncio.sleep(0.025)
    await fake.close_gateway(4004)
    with caplog.at_level(logging.ERROR), pytest.raises(ServiceFailed, match="4004"):
        await asyncio.wait_for(service, 10)  # the promise: out within 10 s of the fatal close
    assert any("4004" in r.getMessage() and "stopping" in r.getMessage() for r in caplog.records)


async def test_commands_are_synced_once_and_not_again_when_unchanged(fake: FakeDiscord, ctx) -> None:
    bot, task = await connected(fake, ctx)
    assert syncs(fake) == 1
    await bot.close()
    await asyncio.wait_for(task, 5)
    again, task = await connected(fake, ctx)  # a restart with the same command set
    assert syncs(fake) == 1
    await again.close()
    await asyncio.wait_for(task, 5)


@pytest.mark.parametrize(("status", "code", "retry_after"), [(400, 50035, None), (429, 0, 120.0)])
async def test_a_failed_sync_never_stops_the_bot_and_is_retried(fake: FakeDiscord, ctx, status, code,
                                                                 retry_after) -> None:
    fake.fail("PUT", COMMANDS, status, code=code, retry_after=retry_after)
    bot, task = await connected(fake, ctx, sync_retry_s=0.05)
    assert bot.is_ready() and not task.done()
    for _ in range(200):
        if syncs(fake):
            break
        await asyncio.sleep(0.025)
    assert syncs(fake) == 1 and fake.commands[None]
    await bot.close()
    await asyncio.wait_for(task, 5)


def test_the_fake_refuses_what_discord_refuses_in_a_command_set() -> None:
    option = {"type": 4, "name": "id", "description": "Event", "required": True, "min_value": 1}
    command = {"name": "event", "description": "One event", "options": [option]}
    assert limits.command_errors([command]) == []
    assert limits.command_errors([{**command, "options": [{**option, "max_value": 2**53}]}])
    optional_first = [{**option, "name": "a", "required": False}, {**option, "name": "b"}]
    assert limits.command_errors([{**command, "options": optional_first}])
    long_choice = {**option, "type": 3, "min_value": None, "choices": [{"name": "x" * 101, "value": "x"}]}
    assert limits.command_errors([{**command, "options": [long_choice]}])
    choices = [{"name": f"{j}" + "c" * 90, "value": j} for j in range(3)]
    many = [{**option, "name": f"o{i}", "description": "d" * 100, "required": False, "choices": choices}
            for i in range(15)]
    assert any("4000" in e for e in limits.command_errors([{**command, "options": many}]))
