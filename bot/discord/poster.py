"""DiscordPoster: the publisher's Poster protocol over discord.py, with Discord errors mapped to PostErrors."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator, Sequence

import aiohttp
import discord

from bot.discord.embeds import to_embed
from bot.discord.views import FeedbackView
from bot.publishing.poster import (
    MessageGone,
    MissingAccess,
    NotConnected,
    PostError,
    RateLimited,
    TransientError,
)
from bot.publishing.render import RenderedPost

log = logging.getLogger(__name__)

# Discord JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
ACCESS_CODES = {UNKNOWN_CHANNEL, MISSING_ACCESS, MISSING_PERMISSIONS}


def allowed_mentions(role_id: int | None) -> discord.AllowedMentions:
    """Nobody can be pinged by a post except the one role a subscription configured."""
    roles: list[discord.abc.Snowflake] | bool = [discord.Object(role_id)] if role_id else False
    return discord.AllowedMentions(everyone=False, users=False, roles=roles, replied_user=False)


def map_error(exc: BaseException) -> PostError:
    """The PostError the publisher acts on for a discord.py or network exception."""
    if isinstance(exc, discord.RateLimited):  # discord.py gave up waiting (longer than max_ratelimit_timeout)
        return RateLimited(exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        detail = f"{exc.status} (code {exc.code}): {exc.text}"
        if exc.status == 404 and exc.code == UNKNOWN_MESSAGE:
            return MessageGone(detail)
        if isinstance(exc, discord.Forbidden | discord.NotFound) or exc.code in ACCESS_CODES:
            return MissingAccess(detail)
        if exc.status == 429:
            return RateLimited(_retry_after(exc))
        if exc.status >= 500:
            return TransientError(detail)
        return PostError(f"Discord refused the message: {detail}")
    if isinstance(exc, RuntimeError) and "Session is closed" in str(exc):  # aiohttp, after the client closed
        return NotConnected("the Discord session is closed")
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return TransientError(f"{type(exc).__name__}: {exc}")
    raise exc


def _retry_after(exc: discord.HTTPException) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        with contextlib.suppress(TypeError, ValueError):
            return float(headers[name])
    return 1.0


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    try:
        yield
    except (TimeoutError, discord.DiscordException, aiohttp.ClientError, OSError, RuntimeError) as exc:
        raise map_error(exc) from exc


class DiscordPoster:
    """Posts and edits event messages through a logged-in discord.py client."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def _connected(self) -> None:
        if self.client.is_closed():
            raise NotConnected("the Discord client is closed")

    async def send(
        self,
        channel_id: int,
        post: RenderedPost,
        *,
        ping_role_id: int | None = None,
        event_id: int | None = None,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> int:
        """Post a new message; returns its id. A role ping is the only mention the message can make."""
        self._connected()
        channel = self.client.get_partial_messageable(channel_id)
        image = next((name for name, _ in attachments if name.lower().endswith(".png")), None)
        files = [discord.File(io.BytesIO(data), filename=name) for name, data in attachments]
        content = f"<@&{ping_role_id}>" if ping_role_id else None
        view = FeedbackView(event_id) if event_id is not None else discord.utils.MISSING
        with _mapped():
            message = await channel.send(content, embed=to_embed(post, image=image), files=files,
                                         allowed_mentions=allowed_mentions(ping_role_id), view=view)
        await self._crosspost(channel_id, message)
        return message.id

    async def _crosspost(self, channel_id: int, message: discord.Message) -> None:
        """In an announcement channel, publish the post to the servers that follow it. The post itself is
        already accepted, so a refused crosspost (Discord allows 10 an hour per channel) is logged, not raised."""
        channel = self.client.get_channel(channel_id)
        if not (isinstance(channel, discord.TextChannel) and channel.is_news()):
            return
        try:
            await message.publish()
        except (discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("could not crosspost message %s in announcement channel %s: %s", message.id, channel_id, exc)

    async def edit(self, channel_id: int, message_id: int, post: RenderedPost, *, event_id: int | None = None) -> None:
        """Replace the embed of an earlier message (the ping, if any, is not repeated: edits never notify)."""
        self._connected()
        message = self.client.get_partial_messageable(channel_id).get_partial_message(message_id)
        view = FeedbackView(event_id) if event_id is not None else discord.utils.MISSING
        with _mapped():
            await message.edit(embed=to_embed(post), allowed_mentions=allowed_mentions(None), view=view)
