"""RenderedPost -> discord.Embed, and a bounded builder for the embeds the slash commands answer with.

Every embed the bot sends goes through a RenderedPost first, so the same limit-keeping code (truncation at
256/4096/1024/2048 characters, 25 fields, 6000 in total) protects command answers as well as event posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.publishing.render import (
    DESCRIPTION_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
    TITLE_MAX,
    RenderedPost,
    fit_total,
)
from bot.publishing.text import truncate

INFO_COLOR = 0x5865F2
ERROR_COLOR = 0xE67E22
EMPTY = "—"


def to_embed(post: RenderedPost, *, image: str | None = None) -> discord.Embed:
    """The Discord embed for a rendered post; `image` names an attached file shown inside the embed."""
    embed = discord.Embed(
        title=post.title or None,
        description=post.description or None,
        url=post.url,
        color=post.color,
        timestamp=post.timestamp,
    )
    for name, value, inline in post.fields:
        embed.add_field(name=name, value=value, inline=inline)
    if post.footer:
        embed.set_footer(text=post.footer)
    if image:
        embed.set_image(url=f"attachment://{image}")
    return embed


def bounded(
    title: str,
    description: str = "",
    *,
    fields: Sequence[tuple[str, str, bool]] = (),
    footer: str = "",
    color: int = INFO_COLOR,
    url: str | None = None,
    timestamp: datetime | None = None,
) -> RenderedPost:
    """A RenderedPost whose every part is cut to Discord's limits (callers pass text that is already escaped)."""
    cut = tuple(
        (truncate(name, FIELD_NAME_MAX) or EMPTY, truncate(value, FIELD_VALUE_MAX) or EMPTY, inline)
        for name, value, inline in fields[:FIELDS_MAX]
    )
    post = RenderedPost(
        title=truncate(title, TITLE_MAX),
        description=truncate(description, DESCRIPTION_MAX),
        url=url,
        color=color,
        fields=cut,
        footer=truncate(footer, FOOTER_MAX),
        timestamp=timestamp,
    )
    return fit_total(post)


def lines_within(lines: Sequence[str], limit: int, *, more: str = "… and {n} more") -> str:
    """Join whole lines while they fit in `limit` characters; say how many were left out."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        tail = more.format(n=len(lines) - i)
        if used + len(line) + 1 + len(tail) + 1 > limit and i < len(lines):
            out.append(tail)
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def error_embed(message: str) -> discord.Embed:
    return to_embed(bounded("Cannot do that", message, color=ERROR_COLOR))
