"""Retention: old articles no event cites are deleted; cited, recent and unclassified ones stay, and search agrees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.storage.articles import delete_old_articles
from bot.storage.models import Article, Event, EventArticle
from bot.storage.search import search_articles

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=365)
OLD = CUTOFF - timedelta(days=10)
RECENT = CUTOFF + timedelta(days=10)

# name -> (fetched_at, stage, cited by an event); each title carries one distinctive word to search for.
ARTICLES = {
    "oldplain": (OLD, "done", False),
    "oldbaseline": (OLD, "baseline", False),
    "oldcited": (OLD, "done", True),
    "oldunclassified": (OLD, "new", False),
    "recentplain": (RECENT, "done", False),
    "borderline": (CUTOFF, "classified", False),  # fetched exactly at the cutoff: not before it
}


def article(name: str, fetched_at: datetime, stage: str) -> Article:
    return Article(
        key=f"key-{name}",
        source="Wire",
        url=f"https://news.example/{name}",
        title=f"Rocket report {name} near the base",
        summary=f"Officials described the {name} incident.",
        published_at=fetched_at,
        fetched_at=fetched_at,
        content_hash=f"hash-{name}",
        stage=stage,
    )


async def populate(sessions) -> dict[str, int]:
    async with sessions.begin() as s:
        rows = {name: article(name, fetched, stage) for name, (fetched, stage, _cited) in ARTICLES.items()}
        s.add_all(rows.values())
        event = Event(kind="militia_attack", occurred_at=OLD, first_seen_at=OLD, updated_at=OLD, title="Attack")
        s.add(event)
        await s.flush()
        for name, (_fetched, _stage, cited) in ARTICLES.items():
            if cited:
                s.add(EventArticle(article_id=rows[name].id, event_id=event.id, added_at=OLD))
        return {name: row.id for name, row in rows.items()}


async def test_retention_deletes_only_old_uncited_processed_articles(sessions):
    ids = await populate(sessions)
    async with sessions.begin() as s:
        deleted = await delete_old_articles(s, CUTOFF)
    assert deleted == 2
    async with sessions() as s:
        left = set((await s.scalars(select(Article.id))).all())
        cited = set((await s.scalars(select(EventArticle.article_id))).all())
    assert left == {ids[n] for n in ("oldcited", "oldunclassified", "recentplain", "borderline")}
    assert cited == {ids["oldcited"]}  # the event keeps its source
    async with sessions.begin() as s:
        assert await delete_old_articles(s, CUTOFF) == 0  # idempotent


async def test_search_index_follows_the_deletions(sessions):
    ids = await populate(sessions)
    async with sessions() as s:  # before: every article can be found by its word
        for name in ARTICLES:
            assert [h.article_id for h in await search_articles(s, name)] == [ids[name]], name
    async with sessions.begin() as s:
        await delete_old_articles(s, CUTOFF)
    async with sessions() as s:
        for name in ("oldplain", "oldbaseline"):
            assert await search_articles(s, name) == [], name
        for name in ("oldcited", "oldunclassified", "recentplain", "borderline"):
            assert [h.article_id for h in await search_articles(s, name)] == [ids[name]], name
        hits = await search_articles(s, "rocket report", limit=50)
        assert sorted(h.article_id for h in hits) == sorted(
            ids[n] for n in ("oldcited", "oldunclassified", "recentplain", "borderline")
        )
        [cited] = await search_articles(s, "oldcited")
        assert cited.event_id is not None


async def test_sqlite_fts_index_has_no_rows_for_deleted_articles(sqlite_url):
    from sqlalchemy import text

    from bot.storage.db import create_engine, session_factory

    engine = create_engine(sqlite_url)
    try:
        sessions = session_factory(engine)
        ids = await populate(sessions)
        async with sessions.begin() as s:
            await delete_old_articles(s, CUTOFF)
        async with sessions() as s:
            # An FTS5 integrity check compares the index with its content table and fails on any mismatch.
            await s.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')"))
            matched = set((await s.scalars(text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'report'")))
                          .all())
        assert matched == {ids[n] for n in ("oldcited", "oldunclassified", "recentplain", "borderline")}
    finally:
        await engine.dispose()
