"""Article rows: storing new items once (by key, canonical URL or content hash) and moving them by stage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.feeds.normalize import ArticleDraft
from bot.storage.models import Article, EventArticle
from bot.storage.upsert import insert_ignoring_conflicts


@dataclass(frozen=True, slots=True)
class StoreResult:
    new: int  # stored and to be classified
    baseline: int  # stored, never posted (first poll of the feed, or too old)
    duplicates: int  # already known by key, URL or text


async def store_articles(
    session: AsyncSession,
    drafts: Sequence[ArticleDraft],
    *,
    feed_id: int | None,
    source: str,
    now: datetime,
    postable: Callable[[ArticleDraft], bool],
) -> StoreResult:
    """Insert the drafts not seen before. An edited item (same key), the same story under a new guid (same URL)
    or a copy in another feed (same text) is a duplicate, so nothing is reposted."""
    if not drafts:
        return StoreResult(0, 0, 0)
    rows = [
        {
            "key": d.key,
            "feed_id": feed_id,
            "source": source,
            "url": d.url,
            "title": d.title,
            "summary": d.summary,
            "published_at": d.published_at,
            "fetched_at": now,
            "content_hash": d.content_hash,
            "stage": "new" if postable(d) else "baseline",
        }
        for d in drafts
    ]
    # The unique indexes on key, URL and text hash do the dedup: ON CONFLICT DO NOTHING skips a known item in
    # the database engine, which costs less than asking first, and stays right when workers race.
    stages = await insert_ignoring_conflicts(session, Article, rows, returning=Article.stage)
    new = stages.count("new")
    return StoreResult(new, len(stages) - new, len(drafts) - len(stages))


async def articles_in_stage(session: AsyncSession, stage: str, limit: int) -> list[Article]:
    query = select(Article).where(Article.stage == stage).order_by(Article.id).limit(limit)
    return list((await session.scalars(query)).all())


async def delete_old_articles(session: AsyncSession, before: datetime) -> int:
    """Retention: delete articles fetched before `before` that no event cites (events keep their sources)."""
    cited = select(EventArticle.article_id)
    result = await session.execute(
        delete(Article).where(Article.fetched_at < before, Article.id.not_in(cited), Article.stage != "new")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
