"""The Discord edge: the only package that imports discord.py (client, slash commands, buttons, poster).

Import the modules themselves (`bot.discord.client`, `bot.discord.poster`): this package imports nothing, so a
command that only needs `bot.discord.endpoint` does not load discord.py and matplotlib.
"""
