"""/timeline and /stats: lists and counts over a time window, each with a PNG chart made off the event loop."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands

from bot.discord.commands.common import (
    KIND_CHOICES,
    bot_of,
    day,
    event_line,
    group_autocomplete,
    group_name,
    parse_kind,
    place_autocomplete,
    place_name,
    resolve_group,
    resolve_place,
    send,
)
from bot.discord.embeds import bounded, lines_within
from bot.discord.errors import UserError
from bot.discord.replies import acknowledge
from bot.publishing import charts
from bot.publishing.render import DESCRIPTION_MAX, FIELD_VALUE_MAX, kind_label
from bot.publishing.text import escape
from bot.storage.lookups import timeline_events
from bot.storage.stats import event_stats, weekly_counts


def build() -> list[app_commands.Command[Any, Any, Any]]:
    @app_commands.command(name="timeline", description="Events over time, filtered, with a chart of events per week")
    @app_commands.describe(group="An armed group (start typing for suggestions)",
                           place="A base, city or region (start typing for suggestions)",
                           kind="Only this kind of event", days="How far back (1-3650 days, default 90)")
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.autocomplete(group=group_autocomplete, place=place_autocomplete)
    async def timeline(interaction: discord.Interaction[Any], group: str | None = None, place: str | None = None,
                       kind: str | None = None, days: app_commands.Range[int, 1, 3650] = 90) -> None:
        bot = bot_of(interaction)
        wanted, group_key, place_key = parse_kind(kind), resolve_group(interaction, group), resolve_place(
            interaction, place)
        _check_days(days)
        await acknowledge(interaction, ephemeral=False)  # the chart takes longer than Discord's 3 s allow-list
        now = bot.now()
        since = now - timedelta(days=days)
        async with bot.ctx.sessions() as session:
            events = await timeline_events(session, since=since, until=now, kind=wanted, group=group_key,
                                           place=place_key)
        weeks = weekly_counts([(e.occurred_at, e.kind) for e in events], since, now)
        rows = [(w.week, w.kind, w.count) for w in weeks]
        filters = [kind_label(wanted) if wanted else "",
                   group_name(interaction, group_key) if group_key else "",
                   place_name(interaction, place_key) if place_key else ""]
        label = ", ".join(f for f in filters if f) or "all events"
        png = await asyncio.to_thread(charts.events_per_week_png, rows, title=f"{label}: events per week")
        lines = [event_line(interaction, e) for e in events]
        body = lines_within(lines, DESCRIPTION_MAX) if lines else "No events match in this period."
        await send(interaction, bounded(f"Timeline: {escape(label, single_line=True)}, last {days} days", body,
                                        footer=f"{len(events)} events since {day(since)}"),
                   chart=("timeline.png", png))

    @app_commands.command(name="stats", description="Counts by kind, group and place, with a chart")
    @app_commands.describe(days="How far back (1-3650 days, default 30)")
    async def stats(interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, 3650] = 30) -> None:
        bot = bot_of(interaction)
        _check_days(days)
        await acknowledge(interaction, ephemeral=False)
        now = bot.now()
        async with bot.ctx.sessions() as session:
            result = await event_stats(session, now - timedelta(days=days), now)
        by_kind = {kind_label(k): n for k, n in result.by_kind}
        by_group = {group_name(interaction, k): n for k, n in result.by_group}
        by_place = {place_name(interaction, k): n for k, n in result.by_place}
        png = await asyncio.to_thread(charts.stats_png, dict(result.by_kind), by_group, by_place,
                                      title=f"Events in the last {days} days")
        fields = [
            ("By kind", _counts(by_kind) or "none", True),
            ("Most active groups", _counts(by_group) or "none named", True),
            ("Most hit places", _counts(by_place) or "none named", True),
        ]
        await send(interaction, bounded(f"Statistics, last {days} days", f"**{result.total}** events "
                                        f"since {day(result.since)}.", fields=fields),
                   chart=("stats.png", png))

    return [timeline, stats]


def _check_days(days: int) -> None:
    if not 1 <= days <= 3650:
        raise UserError(f"`days` must be between 1 and 3650 (got {days}).")


def _counts(counts: dict[str, int]) -> str:
    return lines_within([f"{escape(name, single_line=True)}: **{n}**" for name, n in counts.items()],
                        FIELD_VALUE_MAX)
