"""Helpers the slash commands share: argument parsing with specific errors, autocomplete, replies."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.discord.embeds import to_embed
from bot.discord.errors import UserError
from bot.discord.replies import reply
from bot.publishing.render import RenderedPost, kind_label
from bot.publishing.text import escape, link, truncate

if TYPE_CHECKING:
    from bot.discord.client import SitrepBot
    from bot.storage.models import Event

KINDS = ("militia_attack", "us_strike")
KIND_CHOICES = [app_commands.Choice(name=kind_label(k), value=k) for k in KINDS]
_SPAN = re.compile(r"^(\d{1,4})\s*([dwmy])$")
_SPAN_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
MAX_CHOICES = 25


def bot_of(interaction: discord.Interaction[Any]) -> SitrepBot:
    return interaction.client  # Client[Any] at type level; always a SitrepBot at run time


def parse_kind(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in KINDS:
        raise UserError(f"Unknown kind {value!r}: choose militia_attack or us_strike.")
    return value


def parse_since(text: str | None, now: datetime) -> datetime | None:
    """'2024-01-28' (a UTC date) or a span back from now: '7d', '2w', '6m', '1y'."""
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    if match := _SPAN.match(value):
        return now - timedelta(days=int(match[1]) * _SPAN_DAYS[match[2]])
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=now.tzinfo)
    except ValueError:
        raise UserError(f"`since` must be a date like 2024-01-28 or a span like 7d, 2w, 6m, 1y (got {text!r}).")\
            from None
    if day > now:
        raise UserError(f"`since` {value} is in the future.")
    return day


def _gazetteer(interaction: discord.Interaction[Any]) -> Any:
    return bot_of(interaction).ctx.gazetteer


def _resolve(table: dict[str, Any], lookup: Any, value: str, what: str) -> str:
    if value in table:
        return value
    entry = lookup(value) if lookup is not None else None
    if entry is None:
        raise UserError(f"Unknown {what} {value!r}: pick one of the suggestions as you type.")
    return str(entry.key)


def resolve_group(interaction: discord.Interaction[Any], value: str | None) -> str | None:
    """A gazetteer group key from an autocomplete value (the key) or a typed name or alias."""
    if not value:
        return None
    gaz = _gazetteer(interaction)
    if gaz is None:
        raise UserError("Groups are not available: the gazetteer is not loaded.")
    return _resolve(gaz.groups, getattr(gaz, "lookup_group", None), value, "group")


def resolve_place(interaction: discord.Interaction[Any], value: str | None) -> str | None:
    if not value:
        return None
    gaz = _gazetteer(interaction)
    if gaz is None:
        raise UserError("Places are not available: the gazetteer is not loaded.")
    return _resolve(gaz.places, getattr(gaz, "lookup_place", None), value, "place")


def suggest(entries: dict[str, Any], current: str) -> list[app_commands.Choice[str]]:
    """Entries whose name, key or an alias starts with (first) or contains what the user typed."""
    typed = current.strip().lower()
    ranked: list[tuple[int, str, str]] = []
    for key, entry in entries.items():
        names = [entry.name, key, *getattr(entry, "aliases", ())]
        lowered = [n.lower() for n in names]
        if not typed or any(n.startswith(typed) for n in lowered):
            ranked.append((0, entry.name, key))
        elif any(typed in n for n in lowered):
            ranked.append((1, entry.name, key))
    ranked.sort()
    return [app_commands.Choice(name=truncate(name, 100), value=key) for _, name, key in ranked[:MAX_CHOICES]]


async def group_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    gaz = _gazetteer(interaction)
    return suggest(gaz.groups, current) if gaz is not None else []


async def place_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    gaz = _gazetteer(interaction)
    return suggest(gaz.places, current) if gaz is not None else []


def group_name(interaction: discord.Interaction[Any], key: str) -> str:
    gaz = _gazetteer(interaction)
    entry = gaz.groups.get(key) if gaz is not None else None
    return entry.name if entry is not None else key


def place_name(interaction: discord.Interaction[Any], key: str) -> str:
    gaz = _gazetteer(interaction)
    entry = gaz.places.get(key) if gaz is not None else None
    return entry.name if entry is not None else key


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "?"


def event_line(interaction: discord.Interaction[Any], event: Event) -> str:
    """One line about an event for lists: id, date, kind, title (escaped), place."""
    where = f" — {escape(place_name(interaction, event.place_key), single_line=True)}" if event.place_key else ""
    title = escape(truncate(event.title, 150), single_line=True)
    return f"`#{event.id}` {day(event.occurred_at)} · {kind_label(event.kind)} · {link(title, event.source_url)}{where}"


async def send(
    interaction: discord.Interaction[Any],
    post: RenderedPost,
    *,
    ephemeral: bool = False,
    chart: tuple[str, bytes] | None = None,
) -> None:
    """Answer with one embed (and an optional chart shown inside it), whether or not the command deferred."""
    embed = to_embed(post, image=chart[0] if chart else None)
    kwargs: dict[str, Any] = {"embed": embed}
    if chart:
        kwargs["file"] = discord.File(io.BytesIO(chart[1]), filename=chart[0])
    await reply(interaction, ephemeral=ephemeral, **kwargs)
