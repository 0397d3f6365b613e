"""Votes on an event's kind: one per person and event, even when two clicks land at the same moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.storage.corrections import list_corrections, record_correction
from tests.discord.scenario import seed

NOW = datetime(2024, 2, 10, 12, 0, tzinfo=UTC)
USER = 730_000_000_000_000_002


async def test_two_clicks_at_once_store_one_verdict(sessions) -> None:
    """On SQLite and PostgreSQL: both clicks are answered, one row stays, holding the later choice."""
    ids = await seed(sessions, NOW)

    async def click(label: str | None) -> str:
        async with sessions() as session:
            row = await record_correction(session, event_id=ids["attack"], label=label, user_id=USER,
                                          user_name="bob", now=NOW)
            await session.commit()
            return row.label

    labels = await asyncio.gather(click(None), click("us_strike"))
    async with sessions() as session:
        rows = await list_corrections(session, event_id=ids["attack"])
    assert len(rows) == 1 and rows[0].label in labels
    await click("other")  # changing one's mind replaces the verdict
    async with sessions() as session:
        [row] = await list_corrections(session, event_id=ids["attack"])
    assert row.label == "other"
