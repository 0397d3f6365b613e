"""Label corrections from the Discord buttons: stored with who and when, read back by `sitrep train`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Event, EventArticle, LabelCorrection
from bot.storage.upsert import insert_ignoring_conflicts

LABELS = ("militia_attack", "us_strike", "other")


class CorrectionError(ValueError):
    """The correction cannot be stored (unknown event or label); the message says why."""


async def record_correction(
    session: AsyncSession, *, event_id: int, label: str | None, user_id: int, user_name: str, now: datetime
) -> LabelCorrection:
    """Store one person's verdict on an event's kind; `label=None` confirms the predicted kind ("Correct").

    One verdict per person and event: clicking again replaces the earlier one, so a misclick is fixed by
    clicking the right button and nobody can stack votes.
    """
    if label is not None and label not in LABELS:
        raise CorrectionError(f"unknown label {label!r}; one of {', '.join(LABELS)}")
    event = await session.get(Event, event_id)
    if event is None:
        raise CorrectionError(f"event #{event_id} no longer exists")
    label = label or event.kind
    article_id = await session.scalar(
        select(EventArticle.article_id).where(EventArticle.event_id == event_id)
        .order_by(EventArticle.added_at, EventArticle.article_id).limit(1)
    )
    # Insert-or-keep under the unique (event, user) index, then update: two clicks landing together end as one
    # row, whichever commits first (a read-then-insert would let both insert).
    await insert_ignoring_conflicts(session, LabelCorrection, [dict(
        event_id=event_id, user_id=user_id, title=event.title, text=event.summary or "", predicted=event.kind,
        article_id=article_id, label=label, user_name=user_name[:200], created_at=now)])
    row = await session.scalar(
        select(LabelCorrection).where(LabelCorrection.event_id == event_id, LabelCorrection.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if row is None:  # cannot happen: the row was inserted or already there
        raise CorrectionError(f"verdict on event #{event_id} could not be stored")
    row.label = label
    row.user_name = user_name[:200]
    row.created_at = now
    await session.flush()
    return row


async def list_corrections(session: AsyncSession, *, event_id: int | None = None) -> list[LabelCorrection]:
    query = select(LabelCorrection).order_by(LabelCorrection.created_at, LabelCorrection.id)
    if event_id is not None:
        query = query.where(LabelCorrection.event_id == event_id)
    return list((await session.scalars(query)).all())


async def training_items(session: AsyncSession) -> list[dict[str, Any]]:
    """Corrections as extra training items for `classifiers.training.train(extra_items=...)`."""
    return [
        {"id": f"correction-{c.id}", "title": c.title, "text": c.text, "label": c.label}
        for c in await list_corrections(session)
    ]
