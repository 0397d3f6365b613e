from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from bot.storage.models import Article, Feed


async def test_schema_roundtrips_aware_datetimes_and_enforces_unique_keys(sessions):
    now = datetime(2024, 1, 28, 5, 30, tzinfo=UTC)
    async with sessions() as s:
        feed = Feed(url="http://127.0.0.1/f.xml", name="f", next_check_at=now, created_at=now)
        s.add(feed)
        await s.flush()
        s.add(Article(key="g:1", feed_id=feed.id, source="f", title="t", summary="s",
                      published_at=now, fetched_at=now, content_hash="h"))
        await s.commit()
    async with sessions() as s:
        art = (await s.execute(select(Article))).scalar_one()
        assert art.published_at == now and art.published_at.tzinfo is not None
        s.add(Article(key="g:1", source="f", title="dup", published_at=now, fetched_at=now, content_hash="h2"))
        with pytest.raises(Exception, match=r"(?i)unique"):
            await s.commit()


async def test_full_text_search_index_follows_inserts(sessions, db_url):
    now = datetime(2024, 1, 28, tzinfo=UTC)
    async with sessions() as s:
        s.add_all([
            Article(key="a", source="f", title="Drone attack on Tower 22", summary="Three soldiers killed",
                    published_at=now, fetched_at=now, content_hash="1"),
            Article(key="b", source="f", title="Markets rally", summary="Stocks rose",
                    published_at=now, fetched_at=now, content_hash="2"),
        ])
        await s.commit()
        if db_url.startswith("sqlite"):
            q = text("SELECT a.key FROM articles_fts f JOIN articles a ON a.id = f.rowid "
                     "WHERE articles_fts MATCH 'soldier'")
        else:
            q = text("SELECT key FROM articles WHERE search_vector @@ plainto_tsquery('english', 'soldier')")
        assert [r[0] for r in (await s.execute(q)).all()] == ["a"]


def test_the_schema_head_constant_is_the_newest_migration():
    # Start-up skips Alembic when the database is at SCHEMA_HEAD, so a new migration must move it too.
    from bot.storage.db import SCHEMA_HEAD, alembic_config, revisions

    assert revisions(alembic_config("sqlite+aiosqlite://"))[-1] == SCHEMA_HEAD
