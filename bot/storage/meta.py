"""Small key/value state in the `meta` table (a digest day, the hash of the last synced command set...)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Meta


async def read_value(session: AsyncSession, key: str) -> str | None:
    row = await session.get(Meta, key)
    return row.value if row is not None else None


async def write_value(session: AsyncSession, key: str, value: str) -> None:
    """Insert or replace; the caller commits."""
    row = await session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value
