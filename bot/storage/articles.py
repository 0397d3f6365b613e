"""Article rows: storing new items once (by key, canonical URL or content hash) and moving them by stage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.feeds.normalize import ArticleDraft
from bot.storage.models import Article, EventArticle
from bot.storage.upsert import insert_ignoring_conflicts


@dataclass(frozen=True, slots=True)
class StoreResult:
    new: int  # stored and to be classified
    baseline: int  # stored, never posted (first poll of the feed, or too old)
    duplicates: int  # already known by key, URL or text


async def _known(session: AsyncSession, drafts: Sequence[ArticleDraft]) -> set[str]:
    """Keys, URLs and content hashes among the drafts' that are stored already (one query, not three)."""
    keys = {d.key for d in drafts}
    urls = {d.url for d in drafts if d.url}
    hashes = {d.content_hash for d in drafts}
    query = select(Article.key, Article.url, Article.content_hash).where(
        or_(Article.key.in_(keys), Article.url.in_(urls), Article.content_hash.in_(hashes))
    )
    known: set[str] = set()
    for row in await session.execute(query):
        known.update(value for value in row if value)
    return known


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
    known = await _known(session, drafts)
    fresh = [d for d in drafts if d.key not in known and d.url not in known and d.content_hash not in known]
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
        for d in fresh
    ]
    if not rows:
        return StoreResult(0, 0, len(drafts))
    # ON CONFLICT DO NOTHING: another worker may have stored the same key since the checks above.
    inserted = set(await insert_ignoring_conflicts(session, Article, rows))
    new = sum(1 for r in rows if r["stage"] == "new")
    if len(inserted) < len(rows):
        stored = set((await session.scalars(select(Article.key).where(Article.id.in_(inserted)))).all())
        new = sum(1 for r in rows if r["stage"] == "new" and r["key"] in stored)
    return StoreResult(new, len(inserted) - new, len(drafts) - len(inserted))


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
