"""Point discord.py at another REST API base and gateway (a local fake Discord, or a proxy).

discord.py keeps both addresses in class attributes: `discord.http.Route.BASE` (each Route builds its URL from
it when constructed) and `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` (used by the non-sharded
`Client.connect`). Setting them once before login redirects every later request and the gateway connection.
This is process-wide by nature, so only the composition root calls it, and only when a setting asks for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

# discord.py is imported in the functions: `sitrep` commands catch EndpointError without loading discord.py.

log = logging.getLogger(__name__)

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class EndpointError(ValueError):
    """An API base or gateway URL that cannot be used; the message names it."""


def _check(url: str, schemes: tuple[str, ...], what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        raise EndpointError(f"{what} must be a {' or '.join(schemes)} URL with a host, got {url!r}")
    if parts.scheme in ("http", "ws") and parts.hostname not in _LOOPBACK:
        # The bot token travels in every request: in clear text only to this machine.
        log.warning("%s %s is not encrypted; the bot token is sent over it", what, url)
    return url


def use_discord_endpoints(api_base: str | None, gateway: str | None) -> dict[str, str]:
    """Redirect discord.py's REST calls to `api_base` (e.g. http://127.0.0.1:8999/api/v10) and its gateway
    to `gateway` (e.g. ws://127.0.0.1:8999/gateway/). None leaves that address alone.

    Returns what was changed (name -> new address), for the start-up log.
    """
    import discord
    import yarl

    changed: dict[str, str] = {}
    if api_base:
        base = _check(api_base, ("https", "http"), "Discord API base").rstrip("/")
        discord.http.Route.BASE = base
        changed["api_base"] = base
    if gateway:
        url = _check(gateway, ("wss", "ws"), "Discord gateway")
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        changed["gateway"] = url
    return changed


@contextmanager
def discord_endpoints(api_base: str | None, gateway: str | None) -> Iterator[dict[str, str]]:
    """`use_discord_endpoints` for the lifetime of a connection: the previous addresses come back on exit, so a
    process that runs the service more than once (tests) does not keep one run's fake Discord."""
    import discord

    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    try:
        yield use_discord_endpoints(api_base, gateway)
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
