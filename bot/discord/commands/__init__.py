"""The slash commands, registered on a bot's CommandTree (a fresh set of command objects per bot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands

from bot.discord.commands import admin, lookup, model, trends

if TYPE_CHECKING:
    from bot.discord.client import SitrepBot


def register_commands(tree: app_commands.CommandTree[SitrepBot], bot: SitrepBot) -> None:
    """Add every command to `tree`; handlers reach the AppContext through `interaction.client`."""
    for module in (lookup, trends, model, admin):
        for command in module.build():
            tree.add_command(command)
