"""event_places: the place filter of both timelines (main place or any place its reports name), the rows kept in
step with the event, and migration 0003 backfilling events stored before it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy import delete, select

from bot.storage.db import alembic_config, create_engine, session_factory, upgrade
from bot.storage.events import set_event_index_rows, timeline
from bot.storage.lookups import timeline_events
from bot.storage.models import Event, EventPlace

NOW = datetime(2024, 8, 10, 12, tzinfo=UTC)
WEEK_AGO = NOW - timedelta(days=7)


def incident(title: str, kind: str, at: datetime, place: str | None, places: list[str],
          groups: tuple[str, ...] = ()) -> Event:
    return Event(kind=kind, occurred_at=at, first_seen_at=at, updated_at=at, title=title, place_key=place,
                    places=places, groups=[{"key": g, "role": "claimed"} for g in groups])


async def store(sessions, *events: Event) -> list[int]:
    async with sessions.begin() as s:
        for e in events:
            s.add(e)
            await s.flush()
            await set_event_index_rows(s, e)
    return [e.id for e in events]


async def both_timelines(sessions, **filters) -> tuple[list[int], list[int]]:
    """Ids found by the CLI timeline and by the Discord /timeline for the same filters."""
    async with sessions() as s:
        cli = [e.id for e in await timeline(s, **filters)]
        discord = [e.id for e in await timeline_events(s, since=NOW - timedelta(days=30), until=NOW, **filters)]
    return cli, discord


async def test_place_filter_finds_any_place_the_reports_name(sessions):
    harir, baghdad = await store(
        sessions,
        incident("Drone attack on Harir air base near Erbil", "militia_attack", NOW - timedelta(days=1), "harir",
              ["harir", "erbil"], groups=("islamic-resistance-in-iraq",)),
        incident("US strike in Baghdad", "us_strike", NOW - timedelta(days=2), "baghdad", ["baghdad"],
              groups=("kataib-hezbollah",)))
    assert await both_timelines(sessions, place="erbil") == ([harir], [harir])  # named, not the main place
    assert await both_timelines(sessions, place="harir") == ([harir], [harir])  # the main place
    assert await both_timelines(sessions, place="ain-al-asad") == ([], [])
    assert await both_timelines(sessions, place="erbil", kind="us_strike") == ([], [])
    assert await both_timelines(sessions, place="erbil", group="islamic-resistance-in-iraq") == ([harir], [harir])
    assert await both_timelines(sessions, place="erbil", group="kataib-hezbollah") == ([], [])
    assert await both_timelines(sessions, place="baghdad", group="kataib-hezbollah") == ([baghdad], [baghdad])
    assert await both_timelines(sessions, group="kataib-hezbollah") == ([baghdad], [baghdad])


async def test_place_filter_orders_newest_first_and_limits_in_the_query(sessions):
    ids = await store(sessions, *(incident(f"Attack {i}", "militia_attack", WEEK_AGO + timedelta(days=i), "harir",
                                        ["harir", "erbil"]) for i in range(5)))
    newest_first = ids[::-1]
    async with sessions() as s:
        assert [e.id for e in await timeline(s, place="erbil", limit=3)] == newest_first[:3]
        assert [e.id for e in await timeline(s, place="erbil", since=WEEK_AGO + timedelta(days=3))] == [ids[4], ids[3]]
        found = await timeline_events(s, since=WEEK_AGO, until=NOW, place="erbil", limit=3)
        assert [e.id for e in found] == newest_first[:3]


async def rows_of(sessions, event_id: int) -> set[tuple[str, str, datetime]]:
    async with sessions() as s:
        found = await s.execute(select(EventPlace.place_key, EventPlace.kind, EventPlace.occurred_at)
                                .where(EventPlace.event_id == event_id))
        return {(k, kind, at) for k, kind, at in found.all()}


async def test_rows_follow_the_event_and_go_with_it(sessions):
    [event_id] = await store(sessions, incident("Attack", "militia_attack", WEEK_AGO, "harir", ["harir", "erbil"]))
    assert await rows_of(sessions, event_id) == {("harir", "militia_attack", WEEK_AGO),
                                                 ("erbil", "militia_attack", WEEK_AGO)}
    async with sessions.begin() as s:  # a later report moves the time and names another place instead of Erbil
        stored = await s.get(Event, event_id)
        assert stored is not None
        stored.occurred_at, stored.places = NOW, ["harir", "ain-al-asad", "harir"]
        await set_event_index_rows(s, stored)
    assert await rows_of(sessions, event_id) == {("harir", "militia_attack", NOW),
                                                 ("ain-al-asad", "militia_attack", NOW)}
    async with sessions.begin() as s:
        await s.execute(delete(Event).where(Event.id == event_id))
    assert await rows_of(sessions, event_id) == set()  # ON DELETE CASCADE, like event_groups


# The events table as revision 0002 left it, so the rows are written without the ORM models.
EVENTS = sa.table(
    "events",
    *(sa.column(name) for name in ("kind", "title", "summary", "place_key", "confidence", "origin", "revision")),
    *(sa.column(name, sa.DateTime(timezone=True)) for name in ("occurred_at", "first_seen_at", "updated_at")),
    *(sa.column(name, sa.JSON()) for name in ("groups", "places", "weapons", "casualties")),
)


def stored_before(title: str, place: str | None, places: list[str]) -> dict[str, object]:
    return {"kind": "militia_attack", "occurred_at": WEEK_AGO, "first_seen_at": WEEK_AGO, "updated_at": WEEK_AGO,
            "title": title, "summary": "", "place_key": place, "places": places, "groups": [], "weapons": [],
            "casualties": {}, "confidence": 0.5, "origin": "feed", "revision": 1}


async def test_migration_backfills_events_stored_before_it(db_url):
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0002")
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            assert "event_places" not in await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
            for row in (stored_before("Harir", "harir", ["harir", "erbil"]),
                        stored_before("Places only", None, ["al-tanf"]),
                        stored_before("Nowhere", None, [])):
                await conn.execute(sa.insert(EVENTS).values(**row))
        await upgrade(db_url)
        sessions = session_factory(engine)
        async with sessions() as s:
            ids = dict((await s.execute(select(Event.title, Event.id))).all())
        assert await rows_of(sessions, ids["Harir"]) == {("harir", "militia_attack", WEEK_AGO),
                                                         ("erbil", "militia_attack", WEEK_AGO)}
        assert await rows_of(sessions, ids["Places only"]) == {("al-tanf", "militia_attack", WEEK_AGO)}
        assert await rows_of(sessions, ids["Nowhere"]) == set()
        assert await both_timelines(sessions, place="erbil") == ([ids["Harir"]], [ids["Harir"]])
    finally:
        await engine.dispose()
