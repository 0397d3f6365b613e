"""Feedback buttons on every event post: "Correct" and "Wrong type" (then a select of the right kind).

The items are DynamicItems: the event id lives in the custom_id (`sitrep:correct:<event_id>`,
`sitrep:wrongtype:<event_id>`, `sitrep:kind:<event_id>`), and the bot registers the three templates at start-up
(`add_dynamic_items`), so buttons on messages posted before a restart keep working without the bot having to
remember one view per message. The views have `timeout=None` for the same reason.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.discord.replies import acknowledge, reply
from bot.publishing.render import kind_label
from bot.storage.corrections import LABELS, CorrectionError, record_correction
from bot.storage.models import Event

if TYPE_CHECKING:
    from bot.discord.client import SitrepBot

log = logging.getLogger(__name__)
LABEL_TEXT = {"militia_attack": "Militia attack", "us_strike": "US strike", "other": "Neither (not an attack/strike)"}


def _bot(interaction: discord.Interaction[Any]) -> SitrepBot:
    return interaction.client  # Client[Any] at type level; always a SitrepBot at run time


class CorrectButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sitrep:correct:(?P<event_id>\d{1,20})"):
    def __init__(self, event_id: int) -> None:
        super().__init__(discord.ui.Button(label="Correct", style=discord.ButtonStyle.success,
                                           custom_id=f"sitrep:correct:{event_id}"))
        self.event_id = event_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> CorrectButton:
        return cls(int(match["event_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await store_verdict(interaction, self.event_id, None)


class WrongTypeButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                      template=r"sitrep:wrongtype:(?P<event_id>\d{1,20})"):
    def __init__(self, event_id: int) -> None:
        super().__init__(discord.ui.Button(label="Wrong type", style=discord.ButtonStyle.secondary,
                                           custom_id=f"sitrep:wrongtype:{event_id}"))
        self.event_id = event_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> WrongTypeButton:
        return cls(int(match["event_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Ask (privately) which kind the event really is."""
        await acknowledge(interaction, ephemeral=True)
        async with _bot(interaction).ctx.sessions() as session:
            event = await session.get(Event, self.event_id)
        if event is None:
            await reply(interaction, content=f"Event #{self.event_id} no longer exists.", ephemeral=True)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(KindSelect(self.event_id, exclude=event.kind))
        await reply(interaction, content=f"Event #{self.event_id} was posted as **{kind_label(event.kind)}**. "
                    "What is it really?", view=view, ephemeral=True)


class KindSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"sitrep:kind:(?P<event_id>\d{1,20})"):
    def __init__(self, event_id: int, exclude: str | None = None) -> None:
        options = [discord.SelectOption(label=LABEL_TEXT[label], value=label) for label in LABELS if label != exclude]
        super().__init__(discord.ui.Select(custom_id=f"sitrep:kind:{event_id}", placeholder="The right kind",
                                           options=options, min_values=1, max_values=1))
        self.event_id = event_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> KindSelect:
        return cls(int(match["event_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or []
        await store_verdict(interaction, self.event_id, str(values[0]) if values else "", edit=True)


async def store_verdict(interaction: discord.Interaction[Any], event_id: int, label: str | None,
                        *, edit: bool = False) -> None:
    """Store who said what about an event's kind, and tell only them (acknowledged before the store is touched:
    a slow store must never leave the user with "This interaction failed" while the vote is stored)."""
    bot = _bot(interaction)
    if edit:
        await interaction.response.defer()  # the choice prompt stays until it is replaced below
    else:
        await acknowledge(interaction, ephemeral=True)
    try:
        async with bot.ctx.sessions.begin() as session:
            row = await record_correction(session, event_id=event_id, label=label, user_id=interaction.user.id,
                                          user_name=str(interaction.user), now=bot.now())
            note = "confirmed" if row.label == row.predicted else f"was posted as {kind_label(row.predicted)}"
            text = f"Thanks, recorded: event #{event_id} is **{LABEL_TEXT[row.label]}** ({note})."
    except CorrectionError as exc:
        text = f"Not recorded: {exc}."
    log.info("label verdict on event %s by %s: %s", event_id, interaction.user.id, text)
    if edit:
        await interaction.edit_original_response(content=text, view=None)
    else:
        await reply(interaction, content=text, ephemeral=True)


class FeedbackView(discord.ui.View):
    """The two buttons under an event post."""

    def __init__(self, event_id: int) -> None:
        super().__init__(timeout=None)
        self.add_item(CorrectButton(event_id))
        self.add_item(WrongTypeButton(event_id))


DYNAMIC_ITEMS = (CorrectButton, WrongTypeButton, KindSelect)
