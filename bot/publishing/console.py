"""ConsolePoster: with no Discord token, posts go to a text stream with the same rendering, as plain text."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.publishing.render import RenderedPost, as_text

RULE = "=" * 72


class ConsolePoster:
    """A Poster that prints each post and edit; message ids are a counter, so edits can name what they replace."""

    def __init__(self, stream: TextIO | None = None) -> None:
        # Resolve sys.stdout at call time, not import time, so pytest's capture and redirection work.
        self._stream = stream
        self._ids = itertools.count(1)

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stdout

    async def send(
        self,
        channel_id: int,
        post: RenderedPost,
        *,
        ping_role_id: int | None = None,
        event_id: int | None = None,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> int:
        """Print the post and return a new message id."""
        message_id = next(self._ids)
        head = f"[channel {channel_id}] message {message_id}"
        if ping_role_id is not None:
            head += f" (pings role {ping_role_id})"
        lines = [RULE, head, as_text(post)]
        lines += [f"[attachment {name}: {len(data)} bytes]" for name, data in attachments]
        self._write(lines)
        return message_id

    async def edit(self, channel_id: int, message_id: int, post: RenderedPost, *, event_id: int | None = None) -> None:
        """Print the new version of an earlier message."""
        self._write([RULE, f"[channel {channel_id}] message {message_id} edited", as_text(post)])

    def article(self, label: str, confidence: float, source: str, title: str) -> None:
        """One line per newly classified article, so a console run shows what arrived, not only the events."""
        self._write([f"[article] {label} {confidence:.0%} · {source}: {title}"])

    def _write(self, lines: list[str]) -> None:
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
