"""SitrepBot: the discord.py client with the slash-command tree and the persistent feedback buttons.

Built by the composition root with the AppContext; tests construct it the same way and pass discord.py
options such as `guild_ready_timeout`. Start it with `await bot.login(token)` then `await bot.connect()`
(or `bot.start(token)`): login runs `setup_hook`, which registers the commands and the button templates
and syncs the commands (to one guild when `settings.discord_guild_id` is set: instant; else globally).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
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
from bot.storage.meta import read_value, write_value

log = logging.getLogger(__name__)

# Gateway close codes after which reconnecting cannot help (discord.py raises them out of connect()); each with
# what the operator has to do. Resumable closes (4000-4009, network errors) are retried by discord.py itself.
FATAL_CLOSES = {
    4004: "authentication failed: the token is wrong or was reset (SITREP_DISCORD_TOKEN or _FILE)",
    4010: "invalid shard sent",
    4011: "sharding required: the bot is in too many guilds for one connection",
    4012: "invalid gateway API version",
    4013: "invalid intents",
    4014: "disallowed intents: enable them for the application in the Discord Developer Portal",
}
# A command sync that failed (400, 429, network) is tried again after this long, doubling up to an hour.
SYNC_RETRY_S = 300.0
SYNC_RETRY_MAX_S = 3600.0


class GatewayFatal(Exception):
    """The gateway closed for good: the service must stop with this one-line reason (and a non-zero exit)."""


def close_reason(exc: BaseException) -> str:
    """One line for an exception that ended the gateway connection."""
    code = 4014 if isinstance(exc, discord.PrivilegedIntentsRequired) else getattr(exc, "code", None)
    if code in FATAL_CLOSES:
        return f"Discord closed the gateway with {code}: {FATAL_CLOSES[code]}"
    if isinstance(exc, discord.ConnectionClosed):
        return f"Discord closed the gateway with {exc.code} and the session cannot be resumed"
    return f"the Discord gateway connection ended: {type(exc).__name__}: {exc}"


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
        sync_retry_s: float = SYNC_RETRY_S,
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
        self.sync_retry_s = sync_retry_s
        self._sync_retry: asyncio.Task[None] | None = None
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = on_tree_error  # type: ignore[method-assign]
        self.unexpected_errors: list[Exception] = []  # errors no handler expected: tests assert none
        self.poster = DiscordPoster(self)
        register_commands(self.tree, self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if self.sync_commands and not await self.sync_if_changed():
            self._sync_retry = asyncio.create_task(self._retry_sync(self.sync_retry_s), name="command-sync-retry")

    def _scope(self) -> discord.Object | None:
        guild_id = self.ctx.settings.discord_guild_id
        return discord.Object(guild_id) if guild_id else None

    def command_hash(self, guild: discord.Object | None) -> str:
        """A hash of exactly what a sync would send for this scope: unchanged hash, nothing to sync."""
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        scope = f"{self.application_id}:{guild.id if guild else 'global'}"
        return hashlib.sha256(json.dumps([scope, payload], sort_keys=True).encode()).hexdigest()

    async def sync_if_changed(self) -> bool:
        """Sync the slash commands only when the set changed since the last successful sync (Discord limits
        command creates per day, and a restart loop must not spend them). A failed sync is logged, never fatal:
        the bot runs with the commands Discord already has. True when the commands are in place."""
        guild = self._scope()
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        digest = self.command_hash(guild)
        key = f"discord.commands.{guild.id if guild else 'global'}"
        async with self.ctx.sessions() as session:
            if await read_value(session, key) == digest:
                log.info("slash commands unchanged since the last sync; not syncing")
                return True
        try:
            synced = await self.tree.sync(guild=guild)
        except discord.RateLimited as exc:
            log.warning("command sync rate limited for %.0f s; the existing commands stay, retrying later",
                        exc.retry_after)
            return False
        except (discord.HTTPException, discord.app_commands.AppCommandError, OSError, TimeoutError) as exc:
            log.warning("command sync failed (%s); the existing commands stay, retrying later", exc)
            return False
        async with self.ctx.sessions() as session:
            await write_value(session, key, digest)
            await session.commit()
        log.info("synced %d slash commands%s", len(synced), f" to guild {guild.id}" if guild else "")
        return True

    async def _retry_sync(self, delay: float) -> None:
        while True:
            await asyncio.sleep(delay)
            if await self.sync_if_changed():
                return
            delay = min(delay * 2, SYNC_RETRY_MAX_S)

    async def hold_gateway(self) -> None:
        """Hold the gateway connection until `close()`. Resumable closes reconnect inside discord.py; a fatal
        one (bad token, disallowed intents...) closes the client and raises GatewayFatal with its reason."""
        try:
            await self.connect(reconnect=True)
        except (discord.ConnectionClosed, discord.PrivilegedIntentsRequired, discord.LoginFailure) as exc:
            await self.close()
            raise GatewayFatal(close_reason(exc)) from exc

    async def close(self) -> None:
        if self._sync_retry is not None:
            self._sync_retry.cancel()
        await super().close()

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
