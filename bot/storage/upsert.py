"""Dialect-aware INSERT ... ON CONFLICT DO NOTHING, so concurrent workers can insert the same row safely."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignoring_conflicts(
    session: AsyncSession, model: Any, rows: list[dict[str, Any]], returning: Any = None
) -> list[Any]:
    """INSERT `rows`, skipping rows that violate any unique constraint; returns the `returning` column (by
    default the id) of each row inserted.

    The rows go as executemany parameters rather than one VALUES clause, so the statement compiles once and
    stays in SQLAlchemy's cache (a VALUES list of varying length compiles anew for every batch).
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    column = model.id if returning is None else returning
    statement = module.insert(model).on_conflict_do_nothing().returning(column)
    result = await session.execute(statement, rows)
    return list(result.scalars().all())
