from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.intel.clustering_eval import evaluate_clustering
from bot.intel.events import build_events
from bot.settings import EventSettings
from bot.storage.events import timeline
from bot.storage.lookups import timeline_events
from bot.storage.models import Article, CasualtyReport, Event, EventArticle, EventGroup, EventPlace
from tests.intel.helpers import add_classified

ROOT = Path(__file__).resolve().parents[2]
MON = datetime(2024, 8, 5, 18, 0, tzinfo=UTC)  # a Monday
SETTINGS = EventSettings()


async def test_same_incident_across_outlets_joins_and_raises_counts(sessions, gz):
    async with sessions() as s:
        await add_classified(s, "a1", "Rockets hit Ain al-Asad air base in Iraq",
                             "Two Katyusha rockets struck Ain al-Asad air base on Monday evening, wounding several "
                             "US personnel, officials said.", MON)
        await s.commit()
    first = await build_events(sessions, gz, SETTINGS, MON + timedelta(minutes=5))
    assert len(first) == 1 and first[0].created
    async with sessions() as s:
        await add_classified(s, "a2", "Five US troops, two contractors hurt in al-Asad rocket attack",
                             "Five US service members and two US contractors were wounded when rockets hit Ain "
                             "al-Assad airbase late Monday, a US official said.", MON + timedelta(hours=6),
                             source="Broadcaster D")
        await add_classified(s, "x1", "Oil prices rise", "Markets moved on Monday.", MON, label="other")
        await add_classified(s, "x2", "Rockets near Ain al-Asad", "Maybe an attack on Monday.", MON, confidence=0.3)
        await s.commit()
    second = await build_events(sessions, gz, SETTINGS, MON + timedelta(hours=7))
    assert [(u.event_id, u.created, u.changed) for u in second] == [(first[0].event_id, False, True)]
    async with sessions() as s:
        event = (await s.execute(select(Event))).scalar_one()
        assert event.revision == 2 and event.place_key == "ain-al-asad" and event.country == "Iraq"
        assert event.casualties["us_military"]["wounded"] == 5 and event.casualties["us_contractor"]["wounded"] == 2
        assert event.weapons == ["rocket"]
        assert await s.scalar(select(func.count()).select_from(EventArticle)) == 2
        history = (await s.execute(select(CasualtyReport).order_by(CasualtyReport.id))).scalars().all()
        assert [(h.category, h.wounded, h.source) for h in history] == [
            ("us_military", 5, "Broadcaster D"), ("us_contractor", 2, "Broadcaster D")]
        stages = dict((await s.execute(select(Article.key, Article.stage))).all())
        assert set(stages.values()) == {"done"}
    # Nothing left to do: a repeat is harmless.
    assert await build_events(sessions, gz, SETTINGS, MON + timedelta(hours=8)) == []


async def test_look_alike_attacks_a_day_apart_stay_apart(sessions, gz):
    tue = datetime(2023, 10, 24, 15, tzinfo=UTC)
    async with sessions() as s:
        await add_classified(s, "t1", "Drones target Ain al-Asad air base in Iraq",
                             "Two drones targeted Ain al-Asad air base on Tuesday; no injuries, an official said.", tue)
        await add_classified(s, "w1", "Ain al-Asad base hit by drones again",
                             "Drones were launched at Ain al-Asad air base on Wednesday; there were no injuries.",
                             tue + timedelta(hours=23))
        await add_classified(s, "s1", "US strikes Kataib Hezbollah sites near al-Qaim",
                             "US jets struck Kataib Hezbollah sites near al-Qaim on Wednesday.",
                             tue + timedelta(hours=24), label="us_strike")
        await s.commit()
    updates = await build_events(sessions, gz, SETTINGS, tue + timedelta(days=2))
    assert len(updates) == 3 and all(u.created for u in updates)
    async with sessions() as s:
        events = (await s.execute(select(Event).order_by(Event.occurred_at))).scalars().all()
        assert [(e.kind, e.occurred_at.date().isoformat()) for e in events] == [
            ("militia_attack", "2023-10-24"), ("militia_attack", "2023-10-25"), ("us_strike", "2023-10-25")]
        assert events[0].casualties == {"none_reported": True}
        groups = (await s.execute(select(EventGroup.group_key, EventGroup.kind))).all()
        assert groups == [("kataib-hezbollah", "us_strike")]
        assert events[2].groups == [{"key": "kataib-hezbollah", "role": "targeted"}]


async def test_pipeline_indexes_every_place_the_reports_name(sessions, gz):
    async with sessions() as s:
        await add_classified(s, "h1", "Drone attack targets Harir air base in Iraq's Kurdistan region",
                             "A drone targeted Harir air base, north-east of Erbil, on Monday; no injuries were "
                             "reported.", MON)
        await s.commit()
    [update] = await build_events(sessions, gz, SETTINGS, MON + timedelta(minutes=5))
    async with sessions() as s:
        event = await s.get(Event, update.event_id)
        assert event is not None and event.place_key == "harir" and event.places == ["harir", "erbil"]
        rows = (await s.execute(select(EventPlace.place_key, EventPlace.kind, EventPlace.occurred_at)
                                .where(EventPlace.event_id == event.id))).all()
        assert sorted(rows) == [("erbil", "militia_attack", event.occurred_at),
                                ("harir", "militia_attack", event.occurred_at)]
        # Found at Erbil by both timelines, though Harir is its main place.
        assert [e.id for e in await timeline(s, place="erbil")] == [event.id]
        found = await timeline_events(s, since=MON - timedelta(days=7), until=MON + timedelta(days=1), place="erbil")
        assert [e.id for e in found] == [event.id]


async def test_roundup_articles_do_not_form_events(sessions, gz):
    async with sessions() as s:
        await add_classified(s, "r1", "US forces attacked 55 times since October 17",
                             "The Pentagon said the tally included 27 attacks in Iraq.", MON)
        await s.commit()
    assert await build_events(sessions, gz, SETTINGS, MON) == []
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Event)) == 0
        assert await s.scalar(select(Article.stage)) == "done"


def test_clustering_set_meets_target(gz):
    report = evaluate_clustering(ROOT / "classifiers" / "data" / "clustering.jsonl", EventSettings(), gz)
    assert report.items >= 40 and report.clusters >= 15
    assert report.scores.f1 >= 0.95, report.errors
    data = report.as_dict()
    assert data["f1"] == report.scores.f1 and "0.2" in data["sweep"]
    assert report.as_table().row_count == len(report.sweep)
