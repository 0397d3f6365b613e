"""/feeds list|add|remove|check, /subscribe and /unsubscribe: for members with Manage Server only.

`default_permissions` hides the commands from other members in Discord's UI; the `has_permissions` check
enforces it on every call as well, because server admins can change who sees a command.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.discord.commands.common import KIND_CHOICES, bot_of, day, parse_kind, send
from bot.discord.embeds import bounded, lines_within
from bot.discord.errors import UserError
from bot.discord.replies import acknowledge
from bot.publishing.render import DESCRIPTION_MAX, kind_label
from bot.publishing.text import escape, truncate
from bot.storage import feeds as feed_store
from bot.storage import subscriptions as sub_store

MANAGE = {"manage_guild": True}


def build() -> list[app_commands.Command[Any, Any, Any] | app_commands.Group]:
    feeds = app_commands.Group(name="feeds", description="Manage the watched news feeds", guild_only=True,
                               default_permissions=discord.Permissions(manage_guild=True))

    @feeds.command(name="list", description="Every watched feed and its health")
    @app_commands.checks.has_permissions(**MANAGE)
    async def feeds_list(interaction: discord.Interaction[Any]) -> None:
        await acknowledge(interaction, ephemeral=True)
        async with bot_of(interaction).ctx.sessions() as session:
            rows = await feed_store.list_feeds(session)
        lines = [_feed_line(f) for f in rows]
        await send(interaction, bounded(f"{len(rows)} feeds", lines_within(lines, DESCRIPTION_MAX) or "No feeds."),
                   ephemeral=True)

    @feeds.command(name="add", description="Watch a new RSS/Atom feed (it is checked first)")
    @app_commands.describe(url="The feed's http(s) address", name="A short name (default: the feed's title)",
                           minutes="Poll interval in minutes (1-1440, default 15)")
    @app_commands.checks.has_permissions(**MANAGE)
    async def feeds_add(interaction: discord.Interaction[Any], url: app_commands.Range[str, 1, 2048],
                        name: app_commands.Range[str, 1, 200] | None = None,
                        minutes: app_commands.Range[int, 1, 1440] = 15) -> None:
        bot = bot_of(interaction)
        await acknowledge(interaction, ephemeral=True)  # fetching the feed can take seconds
        check = await _check(bot.ctx, url)
        if not check.ok:
            raise UserError(f"Not added: {url} does not work as a feed ({check.error or check.status}).")
        try:
            async with bot.ctx.sessions.begin() as session:
                feed = await feed_store.add_feed(session, url, (name or check.title or url)[:200], minutes * 60,
                                                 bot.now())
        except feed_store.FeedError as exc:
            raise UserError(f"Not added: {exc}.") from None
        await send(interaction, bounded("Feed added", f"#{feed.id} **{escape(feed.name)}** — {check.entries} "
                                        f"entries now, checked every {minutes} min.\n{escape(url)}"), ephemeral=True)

    @feeds.command(name="remove", description="Stop watching a feed")
    @app_commands.describe(feed="The feed's id, URL or name (see /feeds list)")
    @app_commands.checks.has_permissions(**MANAGE)
    async def feeds_remove(interaction: discord.Interaction[Any], feed: str) -> None:
        await acknowledge(interaction, ephemeral=True)
        async with bot_of(interaction).ctx.sessions.begin() as session:
            removed = await feed_store.remove_feed(session, feed.strip())
        if removed is None:
            raise UserError(f"No feed with id, URL or name {feed!r}. /feeds list shows them.")
        await send(interaction, bounded("Feed removed", f"**{escape(removed.name)}** ({escape(removed.url)})"),
                   ephemeral=True)

    @feeds.command(name="check", description="Fetch a feed now and show what it contains (nothing is stored)")
    @app_commands.describe(url="The feed's http(s) address")
    @app_commands.checks.has_permissions(**MANAGE)
    async def feeds_check(interaction: discord.Interaction[Any], url: app_commands.Range[str, 1, 2048]) -> None:
        await acknowledge(interaction, ephemeral=True)
        check = await _check(bot_of(interaction).ctx, url)
        if not check.ok:
            raise UserError(f"{url} does not work as a feed: {check.error or check.status}.")
        sample = [f"• {escape(truncate(t, 150), single_line=True)}" for t in (getattr(check, "sample", None) or [])]
        await send(interaction, bounded(f"Feed OK: {escape(check.title or url, single_line=True)}",
                                        f"HTTP {check.status}, {check.entries} entries.\n" + "\n".join(sample[:10])),
                   ephemeral=True)

    @app_commands.command(name="subscribe", description="Post events of one kind to a channel")
    @app_commands.describe(kind="Which events", channel="Where to post them",
                           min_confidence="Only events the model is at least this sure of (0-1)",
                           role="A role to ping for severe events (US casualties)")
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(**MANAGE)
    async def subscribe(interaction: discord.Interaction[Any], kind: str, channel: discord.TextChannel,
                        min_confidence: app_commands.Range[float, 0.0, 1.0] | None = None,
                        role: discord.Role | None = None) -> None:
        bot = bot_of(interaction)
        wanted = parse_kind(kind) or ""
        threshold = bot.ctx.settings.events.min_confidence if min_confidence is None else min_confidence
        _check_postable(interaction, channel, role)
        await acknowledge(interaction, ephemeral=True)
        try:
            async with bot.ctx.sessions.begin() as session:
                await sub_store.subscribe(session, interaction.guild_id, channel.id, wanted, threshold,
                                          role.id if role else None, bot.now())
        except sub_store.SubscriptionError as exc:
            raise UserError(str(exc)) from None
        ping = f", pinging {role.mention} for severe events" if role else ""
        await send(interaction, bounded("Subscribed", f"{kind_label(wanted)}s go to {channel.mention} when the "
                                        f"model is at least {threshold:.0%} sure{ping}."), ephemeral=True)

    @app_commands.command(name="unsubscribe", description="Stop posting events of one kind to a channel")
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(**MANAGE)
    async def unsubscribe(interaction: discord.Interaction[Any], kind: str, channel: discord.TextChannel) -> None:
        wanted = parse_kind(kind) or ""
        await acknowledge(interaction, ephemeral=True)
        async with bot_of(interaction).ctx.sessions.begin() as session:
            removed = await sub_store.unsubscribe(session, channel.id, wanted)
        if not removed:
            raise UserError(f"{channel.mention} has no {kind_label(wanted)} subscription.")
        await send(interaction, bounded("Unsubscribed", f"No more {kind_label(wanted)}s in {channel.mention}."),
                   ephemeral=True)

    return [feeds, subscribe, unsubscribe]


async def _check(ctx: Any, url: str) -> Any:
    from bot.feeds.check import check_feed  # the feed layer is loaded only when an admin uses it

    return await check_feed(ctx, url.strip())


def _check_postable(interaction: discord.Interaction[Any], channel: Any, role: discord.Role | None) -> None:
    """Refuse a channel the bot cannot fully post in now (embeds; chart attachments for the digest) and a ping
    role nobody would hear, rather than failing silently later."""
    me = interaction.guild.me if interaction.guild else None
    if me is None or not hasattr(channel, "permissions_for"):
        return
    perms = channel.permissions_for(me)
    missing = [name for name, ok in (("View Channel", perms.view_channel), ("Send Messages", perms.send_messages),
                                     ("Embed Links", perms.embed_links), ("Attach Files", perms.attach_files))
               if not ok]
    if missing:
        raise UserError(f"I cannot post in {channel.mention}: missing {', '.join(missing)}.")
    if role is not None and not (role.mentionable or perms.mention_everyone):
        raise UserError(f"{role.mention} cannot be pinged: make it mentionable (Server Settings > Roles) or give me "
                        f"Mention @everyone, @here and All Roles in {channel.mention}.")


def _feed_line(feed: Any) -> str:
    state = "ok" if feed.enabled and not feed.consecutive_failures else (
        f"failing ×{feed.consecutive_failures}" if feed.enabled else "disabled")
    return (f"`{feed.id}` **{escape(truncate(feed.name, 80), single_line=True)}** · {state} · every "
            f"{feed.interval_s // 60} min · last ok {day(feed.last_success_at)}")
