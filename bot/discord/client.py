"""SitrepBot: the discord.py client with the slash-command tree and the persistent feedback buttons.

Built by the composition root with the AppContext; tests construct it the same way and pass discord.py
options such as `guild_ready_timeout`. Start it with `await bot.login(token)` then `await bot.connect()`
(or `bot.start(token)`): login runs `setup_hook`, which registers the commands and the button templates
and syncs the commands (to one guild when `settings.discord_guild_id` is set: instant; else globally).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands

from bot.app import AppContext
from bot.discord.commands import register_commands
from bot.discord.errors import on_tree_error
from bot.discord.poster import DiscordPoster, allowed_mentions
from bot.discord.views import DYNAMIC_ITEMS
from bot.settings import Settings

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class SitrepBot(discord.Client):
    """The Discord edge. `ctx` gives the store, model and gazetteer; `clock` is injectable for tests."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        clock: Callable[[], datetime] = utc_now,
        sync_commands: bool = True,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # channels and roles for /subscribe; no message content, no member list
        options.setdefault("allowed_mentions", allowed_mentions(None))
        # A long 429 comes back to the publisher as RateLimited instead of blocking the whole drain.
        options.setdefault("max_ratelimit_timeout", 30.0)
        super().__init__(intents=intents, **options)
        self.ctx = ctx
        self.now = clock
        self.sync_commands = sync_commands
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = on_tree_error  # type: ignore[method-assign]
        self.unexpected_errors: list[Exception] = []  # errors no handler expected: tests assert none
        self.poster = DiscordPoster(self)
        register_commands(self.tree, self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if not self.sync_commands:
            return
        guild_id = self.ctx.settings.discord_guild_id
        if guild_id:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d slash commands%s", len(synced), f" to guild {guild_id}" if guild_id else "")

    async def on_ready(self) -> None:
        self.ctx.state["discord_connected"] = True
        self.ctx.state["discord_ready_at"] = self.now()
        log.info("connected to Discord as %s in %d guild(s)", self.user, len(self.guilds))

    async def on_resumed(self) -> None:
        # A resumed session (Discord asks clients to reconnect routinely) fires `resumed`, not `ready`.
        self.ctx.state["discord_connected"] = True
        log.info("Discord session resumed")

    async def on_disconnect(self) -> None:
        self.ctx.state["discord_connected"] = False


async def login_discord(client: discord.Client, token: str, settings: Settings) -> None:
    """Log in, retrying while Discord (or the network to it) is unreachable or failing; a refused token is
    not retried. The client is closed when it gives up, so no HTTP session is left open."""
    import aiohttp

    from bot.app import StartupError
    from bot.service.wait import wait_until_ready

    class Unavailable(Exception):
        pass

    async def attempt() -> None:
        try:
            await client.login(token)
        except discord.LoginFailure:
            raise
        except discord.HTTPException as exc:
            if exc.status < 500 and exc.status != 429:
                raise
            raise Unavailable(f"HTTP {exc.status}") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise Unavailable(str(exc) or type(exc).__name__) from None

    try:
        await wait_until_ready("Discord", attempt, settings.service.startup_wait_s,
                               "check the network and discord_api_base, or wait longer with service.startup_wait_s "
                               "(SITREP_SERVICE__STARTUP_WAIT_S)", retry_on=(Unavailable,))
    except discord.LoginFailure:
        await client.close()
        raise StartupError("Discord refused the token (401 Unauthorized): set a valid bot token in discord_token "
                           "(SITREP_DISCORD_TOKEN) or the file named by SITREP_DISCORD_TOKEN_FILE") from None
    except BaseException:
        await client.close()
        raise
