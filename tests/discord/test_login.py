"""Log in, sync the commands, connect to the gateway: the real discord.py client against the fake."""

from __future__ import annotations

from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import APP_ID, GUILD_ID, TOKEN

EXPECTED = {"latest", "event", "search", "timeline", "stats", "classify", "status", "feeds", "subscribe",
            "unsubscribe"}


async def test_login_syncs_every_command_and_identifies(fake: FakeDiscord, bot) -> None:
    calls = [(r.method, r.path) for r in fake.requests]
    assert calls[:3] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me"),
                         ("PUT", f"/applications/{APP_ID}/commands")]
    assert fake.requests[0].headers["Authorization"] == f"Bot {TOKEN}"
    assert {c["name"] for c in fake.commands[None]} == EXPECTED
    identify = next(op for op in fake.gateway_ops if op["op"] == 2)
    assert identify["d"]["token"] == TOKEN
    assert identify["d"]["intents"] & (1 << 15) == 0  # no message-content intent: the bot reads no messages
    assert bot.get_guild(GUILD_ID) is not None
    admin_only = {c["name"]: c.get("default_member_permissions") for c in fake.commands[None]}
    admin_only = {k: None if v is None else int(v) for k, v in admin_only.items()}
    assert admin_only["feeds"] == admin_only["subscribe"] == admin_only["unsubscribe"] == 1 << 5
    assert admin_only["latest"] is None


async def test_a_resumed_session_counts_as_connected_for_health(fake: FakeDiscord, bot) -> None:
    import asyncio

    assert bot.ctx.state["discord_connected"] is True
    await fake.request_reconnect()  # Discord does this routinely; the client resumes instead of identifying
    for _ in range(200):
        if any(op["op"] == 6 for op in fake.gateway_ops) and bot.ctx.state.get("discord_connected"):
            break
        await asyncio.sleep(0.025)
    resume = next(op for op in fake.gateway_ops if op["op"] == 6)
    assert resume["d"]["session_id"] == "fake-session"
    assert sum(op["op"] == 2 for op in fake.gateway_ops) == 1  # resumed, not identified again
    assert bot.ctx.state["discord_connected"] is True
