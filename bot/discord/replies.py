"""Answering interactions within Discord's rules: acknowledge first, then answer, privately when asked.

Discord drops an interaction that is not acknowledged within 3 s (10062), and a store read can take longer
(SQLite's busy timeout is 30 s), so every command and button acknowledges before it touches the store. After a
public defer, the first follow-up replaces the public "thinking…" message whatever its flags say: a private
answer (an error, "nothing found") deletes that message first, so it is never shown to the whole channel.
"""

from __future__ import annotations

from typing import Any

import discord

PUBLIC_DEFER = "sitrep.public_defer"


async def acknowledge(interaction: discord.Interaction[Any], *, ephemeral: bool) -> None:
    """Defer with a "thinking…" state unless already answered; remember whether the channel can see it."""
    if interaction.response.is_done():
        return
    await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    interaction.extras[PUBLIC_DEFER] = not ephemeral


async def reply(interaction: discord.Interaction[Any], *, ephemeral: bool, **message: Any) -> None:
    """Send the answer (embed, content, view, file...) as the response or the follow-up, as the state needs."""
    if not interaction.response.is_done():
        await interaction.response.send_message(ephemeral=ephemeral, **message)
        return
    if ephemeral and interaction.extras.get(PUBLIC_DEFER):
        await interaction.delete_original_response()
        interaction.extras[PUBLIC_DEFER] = False
    await interaction.followup.send(ephemeral=ephemeral, **message)
