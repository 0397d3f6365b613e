"""/latest, /event and /search: looking things up in the store."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.discord.commands.common import (
    KIND_CHOICES,
    bot_of,
    day,
    event_line,
    group_name,
    parse_kind,
    parse_since,
    place_name,
    send,
)
from bot.discord.embeds import bounded, lines_within
from bot.discord.errors import UserError
from bot.discord.replies import acknowledge
from bot.publishing.render import DESCRIPTION_MAX, FIELD_VALUE_MAX, KIND_COLORS, kind_label
from bot.publishing.text import escape, link, truncate
from bot.storage.lookups import EventDetail, event_detail, latest_events
from bot.storage.search import SearchError, query_terms, search_articles

MAX_EVENT_ID = 2**53 - 1  # the largest integer Discord accepts in an option (documented bound)


def build() -> list[app_commands.Command[Any, Any, Any]]:
    """Fresh command objects (one set per bot, so several bots in one process never share state)."""

    @app_commands.command(name="latest", description="The most recent attacks and strikes")
    @app_commands.describe(kind="Only this kind of event", count="How many (1-20, default 5)")
    @app_commands.choices(kind=KIND_CHOICES)
    async def latest(interaction: discord.Interaction[Any], kind: str | None = None,
                     count: app_commands.Range[int, 1, 20] = 5) -> None:
        wanted = parse_kind(kind)
        if not 1 <= count <= 20:
            raise UserError(f"`count` must be between 1 and 20 (got {count}).")
        await acknowledge(interaction, ephemeral=False)
        async with bot_of(interaction).ctx.sessions() as session:
            events = await latest_events(session, kind=wanted, limit=count)
        what = kind_label(wanted) + "s" if wanted else "events"
        if not events:
            await send(interaction, bounded(f"Latest {what.lower()}", "Nothing recorded yet."), ephemeral=True)
            return
        lines = [event_line(interaction, e) for e in events]
        await send(interaction, bounded(f"Latest {what.lower()}", lines_within(lines, DESCRIPTION_MAX),
                                        footer="/event <id> shows one event with all its sources"))

    @app_commands.command(name="event", description="One event with all its sources and casualty history")
    @app_commands.describe(id="The event number shown in posts and lists (e.g. 42)")
    async def event(interaction: discord.Interaction[Any], id: app_commands.Range[int, 1, MAX_EVENT_ID]) -> None:
        if id < 1:
            raise UserError(f"Event ids start at 1 (got {id}).")
        await acknowledge(interaction, ephemeral=False)
        async with bot_of(interaction).ctx.sessions() as session:
            detail = await event_detail(session, id)
        if detail is None:
            raise UserError(f"There is no event #{id}. /latest lists recent ones.")
        await send(interaction, _detail_post(interaction, detail))

    @app_commands.command(name="search", description="Full-text search of collected articles, newest first")
    @app_commands.describe(query="Words that must all appear (end a word with * for a prefix)",
                           kind="Only articles classified as this kind",
                           since="A date (2024-01-28) or a span back from now (7d, 2w, 6m, 1y)")
    @app_commands.choices(kind=KIND_CHOICES)
    async def search(interaction: discord.Interaction[Any], query: app_commands.Range[str, 1, 200],
                     kind: str | None = None, since: str | None = None) -> None:
        bot = bot_of(interaction)
        wanted = parse_kind(kind)
        start = parse_since(since, bot.now())
        try:
            query_terms(query)  # a bad query is answered privately, before the public "thinking…"
        except SearchError as exc:
            raise UserError(f"Cannot search for {query!r}: {exc}.") from None
        await acknowledge(interaction, ephemeral=False)
        async with bot.ctx.sessions() as session:
            hits = await search_articles(session, query, kind=wanted, since=start, limit=10)
        lines = [
            f"{day(h.published_at)} · {escape(h.source, single_line=True)} · "
            f"{link(escape(truncate(h.title, 140), single_line=True), h.url)}"
            + (f" · {kind_label(h.label)}" if h.label and h.label != "other" else "")
            + (f" · event `#{h.event_id}`" if h.event_id else "")
            for h in hits
        ]
        title = f"Search: {truncate(' '.join(query.split()), 200)}"
        body = lines_within(lines, DESCRIPTION_MAX) if lines else "No article matches all of these words."
        scope = (f"kind {wanted}, " if wanted else "") + (f"since {day(start)}, " if start else "")
        await send(interaction, bounded(escape(title, single_line=True), body,
                                        footer=f"{scope}newest first, at most 10"))

    return [latest, event, search]


def _detail_post(interaction: discord.Interaction[Any], detail: EventDetail) -> Any:
    e = detail.event
    groups = [f"{escape(group_name(interaction, g['key']))} ({g.get('role', 'named')})"
              for g in (e.groups or []) if isinstance(g, dict) and g.get("key")]
    places = [escape(place_name(interaction, p)) for p in (e.places or [])]
    casualties = "; ".join(f"{cat}: {_counts(v)}" for cat, v in (e.casualties or {}).items() if isinstance(v, dict))
    history = [
        f"{day(c.reported_at)} · {escape(c.source, single_line=True)}: {c.category} "
        f"{_counts(dict(killed=c.killed, wounded=c.wounded))}"
        for c in detail.casualties
    ]
    sources = [f"{day(a.published_at)} · {link(escape(truncate(a.source, 60), single_line=True), a.url)}: "
               f"{escape(truncate(a.title, 120), single_line=True)}" for a in detail.sources]
    fields = [
        ("When", f"{e.occurred_at:%Y-%m-%d %H:%M} UTC", True),
        ("Kind", kind_label(e.kind), True),
        ("Confidence", f"{e.confidence:.0%}" + (f" ({e.model_version})" if e.model_version else ""), True),
        ("Who", ", ".join(groups) or "not named", False),
        ("Where", ", ".join(places) or "not named", False),
        ("Weapons", ", ".join(escape(str(w)) for w in (e.weapons or [])) or "not named", True),
        ("Casualties", casualties or "none reported", True),
        ("Casualty history", lines_within(history, FIELD_VALUE_MAX) or "no reports", False),
        (f"Sources ({len(sources)})", lines_within(sources, FIELD_VALUE_MAX) or "seeded from history", False),
    ]
    return bounded(f"#{e.id} {kind_label(e.kind)}: {escape(e.title, single_line=True)}",
                   escape(e.summary), fields=fields, color=KIND_COLORS.get(e.kind, 0x7F8C8D),
                   url=e.source_url, footer=f"revision {e.revision} · first seen {day(e.first_seen_at)}",
                   timestamp=e.occurred_at)


def _counts(values: dict[str, Any]) -> str:
    parts = [f"{values[k]} {k}" for k in ("killed", "wounded") if values.get(k) is not None]
    return ", ".join(parts) or "no numbers"
