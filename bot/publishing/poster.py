"""The Poster protocol: how the publisher talks to wherever posts go (Discord, the console, a test double).

The publisher only knows this protocol and these errors; `bot.discord` maps HTTP statuses and discord.py
exceptions onto them. Messages are sent with no mentions allowed except the one role passed as `ping_role_id`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.publishing.render import RenderedPost


class PostError(Exception):
    """Base of every error a Poster raises."""


class RateLimited(PostError):
    """Discord said 429: wait `retry_after` seconds before the next request to this channel."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after:.2f} s")
        self.retry_after = max(0.0, float(retry_after))


class MissingAccess(PostError):
    """Missing permissions or unknown channel: the subscription is marked broken, nothing is retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MessageGone(PostError):
    """The message to edit was deleted: the publisher sends the post anew."""


class NotConnected(PostError):
    """The Discord session is closed (the bot is down or reconnecting): the channel waits; no attempt is spent."""


class TransientError(PostError):
    """Anything worth retrying later (5xx, timeouts, connection resets)."""


class Poster(Protocol):
    async def send(
        self,
        channel_id: int,
        post: RenderedPost,
        *,
        ping_role_id: int | None = None,
        event_id: int | None = None,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> int:
        """Post a new message and return its id; with `event_id` the feedback buttons are attached."""
        ...

    async def edit(self, channel_id: int, message_id: int, post: RenderedPost, *, event_id: int | None = None) -> None:
        """Replace the content of a message this bot posted earlier."""
        ...
