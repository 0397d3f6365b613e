"""The queries behind the commands, on SQLite (FTS5) and PostgreSQL (tsvector) alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage.lookups import event_detail, health, latest_events, timeline_events
from bot.storage.search import SearchError, fts5_query, query_terms, search_articles
from bot.storage.stats import event_stats, week_start, weekly_counts
from tests.discord.conftest import NOW
from tests.discord.scenario import seed


def test_query_terms_neutralise_syntax() -> None:
    assert query_terms('Drone* "AND" OR (NEAR) al-Asad') == ["drone*", "and", "or", "near", "al", "asad"]
    assert fts5_query(["drone*", "and"]) == '"drone"* "and"'
    with pytest.raises(SearchError, match="no words"):
        query_terms("*** ()")
    with pytest.raises(SearchError, match="too long"):
        query_terms("x" * 201)


async def test_search_filters_and_order(sessions) -> None:
    ids = await seed(sessions, NOW)
    async with sessions() as session:
        hits = await search_articles(session, "drone")
        assert len(hits) == 4 and {h.event_id for h in hits} == {ids["tower"], ids["attack"]}
        assert [h.article_id for h in hits] == sorted((h.article_id for h in hits), reverse=True)  # newest first
        assert {h.label for h in hits} == {"militia_attack"}
        assert await search_articles(session, "drone", kind="us_strike") == []
        recent = await search_articles(session, "drone", since=NOW - timedelta(days=7))
        assert {h.event_id for h in recent} == {ids["attack"]}
        assert len(await search_articles(session, "drone", limit=1)) == 1
        assert await search_articles(session, '"; DROP TABLE articles; --') == []


async def test_stats_and_timeline(sessions) -> None:
    ids = await seed(sessions, NOW)
    async with sessions() as session:
        stats = await event_stats(session, NOW - timedelta(days=30), NOW)
        assert stats.total == 3
        assert dict(stats.by_kind) == {"militia_attack": 2, "us_strike": 1}
        assert dict(stats.by_group)["islamic-resistance-in-iraq"] == 2
        assert sum(w.count for w in stats.per_week) == 3
        events = await timeline_events(session, since=NOW - timedelta(days=30), until=NOW, group="kataib-hezbollah")
        assert [e.id for e in events] == [ids["strike"], ids["tower"]]
        events = await timeline_events(session, since=NOW - timedelta(days=30), until=NOW, place="tower-22")
        assert [e.id for e in events] == [ids["tower"]]
        assert [e.id for e in await latest_events(session, kind="us_strike")] == [ids["strike"]]
        detail = await event_detail(session, ids["tower"])
        assert detail is not None and len(detail.sources) == 2 and len(detail.casualties) == 2
        assert await event_detail(session, 10**9) is None
        state = await health(session)
        assert state.feeds_enabled == 2 and [f.name for f in state.feeds_failing] == ["Broken feed"]


def test_weekly_counts_fill_quiet_weeks() -> None:
    rows = [(NOW - timedelta(days=20), "us_strike"), (NOW, "militia_attack")]
    weeks = weekly_counts(rows, NOW - timedelta(days=21), NOW)
    assert weeks[0].week == week_start(NOW - timedelta(days=21)) and weeks[0].week.weekday() == 0
    assert len({w.week for w in weeks}) == 4
    assert sum(w.count for w in weeks) == 2 and any(w.count == 0 for w in weeks)
