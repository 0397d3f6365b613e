"""The Discord edge: the only package that imports discord.py (client, slash commands, buttons, poster)."""

from bot.discord.client import SitrepBot
from bot.discord.poster import DiscordPoster

__all__ = ["DiscordPoster", "SitrepBot"]
