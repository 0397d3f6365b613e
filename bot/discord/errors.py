"""The command tree's error handler: a specific, private message for every error a user can cause."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.discord.embeds import error_embed
from bot.discord.replies import reply

log = logging.getLogger(__name__)


class UserError(Exception):
    """A bad argument or a request that cannot be met; the message is shown to the user, privately."""


def describe(error: app_commands.AppCommandError) -> str | None:
    """The message for an error the user caused, or None for a bug (which is logged instead)."""
    if isinstance(error, app_commands.CommandInvokeError) and isinstance(error.original, UserError):
        return str(error.original)
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in error.missing_permissions)
        return f"You need the {needed} permission for this command."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only in a server."
    if isinstance(error, app_commands.TransformerError):
        return f"{error.value!r} is not a valid {error.type.name.lower()} here."
    if isinstance(error, app_commands.CheckFailure):
        return "You are not allowed to use this command here."
    return None


async def on_tree_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    """Answer privately with what went wrong; unexpected errors are logged and remembered for tests."""
    message = describe(error)
    if message is None:
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("/%s failed", command, exc_info=error)
        unexpected = getattr(interaction.client, "unexpected_errors", None)
        if isinstance(unexpected, list):
            unexpected.append(error)
        message = "Something went wrong on our side; it has been logged. Please try again later."
    try:
        await reply(interaction, embed=error_embed(message), ephemeral=True)  # to the user alone, always
    except discord.HTTPException:
        log.warning("could not tell the user about an error (interaction expired?)", exc_info=True)
