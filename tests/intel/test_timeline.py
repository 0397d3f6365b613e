"""Seed idempotence, timeline context, posts and the timeline CLI on the seeded history."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app
from bot.intel.context import timeline_context
from bot.intel.events import build_events
from bot.intel.posts import load_post
from bot.intel.seed import SeedError, read_timeline, seed_timeline
from bot.settings import EventSettings
from bot.storage.events import place_keys
from bot.storage.models import CasualtyReport, Event, EventGroup, EventPlace
from tests.intel.helpers import add_classified

ROOT = Path(__file__).resolve().parents[2]
TIMELINE = ROOT / "config" / "timeline.jsonl"


async def seeded(sessions):
    async with sessions() as s:
        return await seed_timeline(s, TIMELINE)


async def by_key(s, key):
    return (await s.execute(select(Event).where(Event.seed_key == key))).scalar_one()


def test_seed_file_covers_dec_2019_to_2025():
    rows = read_timeline(TIMELINE)
    incidents = [r for r in rows if r["kind"] in ("militia_attack", "us_strike")]
    assert len(incidents) >= 40
    assert min(r["date"] for r in rows) <= "2019-12-31" and max(r["date"] for r in rows) >= "2025-01-01"
    assert all(r["source"].startswith("http") and r["title"] for r in rows)


async def test_seed_is_idempotent(sessions):
    added = await seeded(sessions)
    assert added == len(read_timeline(TIMELINE))
    assert await seeded(sessions) == 0
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Event)) == added
        kh = await s.scalar(select(func.count()).select_from(EventGroup)
                            .where(EventGroup.group_key == "kataib-hezbollah"))
        assert kh >= 10
        # Every seeded event can be found by each of its places, main place included.
        events = (await s.execute(select(Event))).scalars().all()
        rows = set((await s.execute(select(EventPlace.event_id, EventPlace.place_key))).all())
        assert rows == {(e.id, key) for e in events for key in place_keys(e)}
        assert sum(1 for _e, key in rows if key == "erbil") >= 3


def _line(**over):
    row = {"seed_key": "k", "date": "2023-10-18", "kind": "militia_attack", "title": "t", "source": "https://a.test",
           "place": "al-tanf", "casualties": {"us_military": {"killed": 0, "wounded": 32}},
           "revisions": [{"date": "2023-10-26", "source": "https://a.test/1",
                          "casualties": {"us_military": {"killed": 0, "wounded": 17}}},
                         {"date": "2023-11-06", "source": "https://a.test/2",
                          "casualties": {"us_military": {"killed": 0, "wounded": 32}}}]}
    row.update(over)
    return json.dumps(row) + "\n"


async def test_revised_count_shows_first_count_and_history(tmp_path, sessions, gz):
    path = tmp_path / "t.jsonl"
    path.write_text(_line())
    async with sessions() as s:
        assert await seed_timeline(s, path) == 1
        event = await by_key(s, "k")
        assert event.casualties["us_military"] == {"killed": 0, "wounded": 32, "revised_from": {"wounded": 17}}
        history = (await s.execute(select(CasualtyReport).where(CasualtyReport.event_id == event.id)
                                   .order_by(CasualtyReport.reported_at))).scalars().all()
        assert [(h.wounded, h.reported_at.date().isoformat()) for h in history] == [(17, "2023-10-26"),
                                                                                     (32, "2023-11-06")]
        post = await load_post(s, event.id, datetime(2025, 1, 1, tzinfo=UTC), gazetteer=gz)
    assert post.casualties == "US troops: 32 wounded (revised from 17)"


async def test_seed_carries_corrections_and_removals(tmp_path, sessions):
    path = tmp_path / "t.jsonl"
    path.write_text(_line() + _line(seed_key="gone", place="erbil", revisions=[],
                                    casualties={"none_reported": True}))
    async with sessions() as s:
        assert await seed_timeline(s, path) == 2
    # A corrected line (moved to the local day, new place) updates the stored event; a dropped line deletes it.
    path.write_text(_line(date="2023-10-19", place="tower-22"))
    async with sessions() as s:
        assert await seed_timeline(s, path) == 0
        event = await by_key(s, "k")
        assert event.occurred_at.date().isoformat() == "2023-10-19" and event.place_key == "tower-22"
        assert event.revision == 2
        assert await s.scalar(select(func.count()).select_from(Event)) == 1
        assert await s.scalar(select(func.count()).select_from(CasualtyReport)) == 2
        assert set((await s.execute(select(EventPlace.place_key))).scalars()) == {"tower-22"}
        assert await seed_timeline(s, path) == 0 and (await by_key(s, "k")).revision == 2


def test_last_revision_must_match_casualties(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(_line(casualties={"us_military": {"killed": 0, "wounded": 17}}))
    with pytest.raises(SeedError, match="differ from the last revision"):
        read_timeline(path)


async def test_bad_seed_line_is_named(tmp_path, sessions):
    path = tmp_path / "t.jsonl"
    path.write_text('{"seed_key": "a", "date": "2024-13-01", "kind": "militia_attack", "title": "t", "source": "x"}\n')
    with pytest.raises(SeedError, match=r"t.jsonl:1: date"):
        async with sessions() as s:
            await seed_timeline(s, path)


async def _context(s, key, gz):
    event = await by_key(s, key)
    now = event.occurred_at + timedelta(hours=3)  # pinned: a post three hours after the incident
    ctx = await timeline_context(s, event, now=now)
    return ctx, ctx.lines(gz, now=now)


async def test_context_for_tower22(sessions, gz):
    await seeded(sessions)
    async with sessions() as s:
        ctx, lines = await _context(s, "2024-01-28-tower22-drone", gz)
    # The record: the last US strikes before Tower 22 were those of 24 Jan on Kataib Hezbollah at Jurf al-Sakhar
    # and al-Qaim. Attack lines in the file from 22 to 28 Jan: Conoco (22nd), Ain al-Asad (23rd), Erbil, Ain
    # al-Asad and Conoco (24th), Erbil and Ain al-Asad (25th), Erbil (26th), and on the 28th al-Tanf, al-Rukban,
    # Shaddadi, Harir and Tower 22 itself. The Pentagon's own count rose by about 20 between 18 and 27 Jan: the file is
    # short of it (docs/timeline.md), and this test pins what the file says.
    assert ctx.last_opposite.title.startswith("US strikes Kataib Hezbollah at Jurf") and ctx.days_since_opposite == 4
    assert ctx.counts["militia_attack"] == {7: 13, 30: 43} and ctx.counts["us_strike"] == {7: 1, 30: 2}
    # Seed events of one day share a time, so the last attack strictly before is the one of 26 Jan.
    assert ctx.last_same_kind.occurred_at.date().isoformat() == "2024-01-26" and ctx.days_since_last == 2
    assert lines == ("first recorded attack on Tower 22",
                     "last US strike: 4 days ago, on Kataib Hezbollah sites near Jurf al-Sakhar",
                     "previous Kataib Hezbollah event: US strike near Jurf al-Sakhar, 4 days ago",
                     "last 7 days: 13 attacks, 1 US strike · last 30 days: 43 attacks, 2 US strikes")


async def _lines_and_post(sessions, seed_key: str, gz):
    """The seeded store's context lines for one seed event, and its post as rendered three hours later."""
    await seeded(sessions)
    async with sessions() as s:
        ctx, lines = await _context(s, seed_key, gz)
        post = await load_post(s, ctx.event.id, ctx.event.occurred_at + timedelta(hours=3), gazetteer=gz)
    return lines, post


async def test_context_for_al_tanf_on_18_october_2023(sessions, gz):
    lines, post = await _lines_and_post(sessions, "2023-10-18-tanf-drones", gz)
    # The record: the campaign's first day hit Harir, Ain al-Asad and al-Tanf; the previous attack on al-Tanf
    # was the two drones of 15 Aug 2022; the last US strike, the Deir ez-Zor strikes of 24 Mar 2023.
    assert lines == ("first attack on al-Tanf in 429 days",
                     "last US strike: 208 days ago, on IRGC-Quds Force sites near Deir ez-Zor",
                     "last 7 days: 3 attacks, 0 US strikes · last 30 days: 3 attacks, 0 US strikes")
    assert post.casualties == "US troops: 32 wounded (revised from 17)" and post.severe


async def test_context_for_taji_on_11_march_2020(sessions, gz):
    lines, post = await _lines_and_post(sessions, "2020-03-11-taji-rockets", gz)
    # The record: rockets hit Taji on 14 Jan 2020 (57 days before); the last US strike was the 3 Jan strike at
    # Baghdad airport (68 days); the Iranian missiles of 8 Jan are a state attack (kind other), not counted.
    assert lines == ("first attack on Taji in 57 days",
                     "last US strike: 68 days ago, on IRGC-Quds Force sites near Victory base",
                     "previous Kataib Hezbollah event: US strike near Victory base, 68 days ago",
                     "last 7 days: 1 attack, 0 US strikes · last 30 days: 1 attack, 0 US strikes")
    assert post.casualties == ("US troops: 2 killed (revised from 1); "
                               "coalition personnel: 1 killed, 14 wounded (revised from 12)")


async def test_context_place_ordinal_and_strike_answers_attack(sessions, gz):
    await seeded(sessions)
    async with sessions() as s:
        strike = await by_key(s, "2023-12-26-kh-drone-sites")
        ctx = await timeline_context(s, strike, now=datetime(2025, 1, 1, tzinfo=UTC))
        # The attack this strike answers: the KH-attributed Christmas drone on Erbil, one day before.
        assert ctx.last_opposite.place_key == "erbil"
        assert "last attack: 1 day before, on Erbil by Kataib Hezbollah" in ctx.lines(gz, datetime(2025, 1, 1,
                                                                                                     tzinfo=UTC))
        asad = await by_key(s, "2022-01-04-asad-drones")
        lines = (await timeline_context(s, asad, datetime(2025, 1, 1, tzinfo=UTC))).lines(gz, datetime(2025, 1, 1,
                                                                                                       tzinfo=UTC))
        assert lines[0] == "first attack on Ain al-Asad in 181 days"


async def test_live_event_post(sessions, gz):
    await seeded(sessions)
    now = datetime(2024, 2, 9, 20, tzinfo=UTC)
    async with sessions() as s:
        await add_classified(s, "live1", "Drone attack on al-Omar base wounds two US troops",
                             "A one-way drone hit the al-Omar oil field base in Syria on Friday, wounding two US "
                             "service members. The Islamic Resistance in Iraq claimed the attack on Telegram.",
                             now, url="https://example.test/omar")
        await s.commit()
    [update] = await build_events(sessions, gz, EventSettings(), now)
    async with sessions() as s:
        post = await load_post(s, update.event_id, now, gazetteer=gz)
    assert post.severe and post.kind == "militia_attack"
    assert post.who == "Islamic Resistance in Iraq (claimed)"
    assert post.where == "al-Omar oil field base (MSS Euphrates), Syria"
    assert post.weapon == "one-way attack drones" and post.casualties == "US troops: 2 wounded"
    assert post.context[0] == "2nd attack on al-Omar in 7 days"  # the seeded Feb 4 drone attack (Feb 2 is 7 days back)
    assert post.context[1].startswith("last US strike: 2 days ago, on Kataib Hezbollah sites near Baghdad")
    assert [src.url for src in post.sources] == ["https://example.test/omar"]
    assert post.model_version == "test-1" and post.confidence == 0.9
    async with sessions() as s:
        seed_post = await load_post(s, (await by_key(s, "2024-04-21-rumalyn-rockets")).id, now, gazetteer=gz)
    assert seed_post.casualties == "no injuries reported" and not seed_post.severe
    assert seed_post.sources[0].url.startswith("https://")


def test_timeline_cli(sqlite_url, monkeypatch):
    monkeypatch.setenv("SITREP_DATABASE_URL", sqlite_url)
    from bot.cli.common import console

    # The console is built once per process, before COLUMNS could apply: widen it so rows are not wrapped.
    monkeypatch.setattr(console, "width", 200)
    runner = CliRunner()
    result = runner.invoke(app, ["db", "seed"])
    assert result.exit_code == 0 and f"{len(read_timeline(TIMELINE))} event(s) added" in result.output
    assert "0 event(s) added" in runner.invoke(app, ["db", "seed"]).output
    result = runner.invoke(app, ["timeline", "--group", "Kata'ib Hizballah", "--kind", "strike", "--since",
                                 "2024-01-01"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2024-02-07" in result.output and "2024-01-24" in result.output
    assert "2023-12-26" not in result.output and "Tower 22" not in result.output
    result = runner.invoke(app, ["timeline", "--place", "Irbil"], env={"COLUMNS": "200"})
    assert "Christmas drone attack" in result.output and "Tower 22" not in result.output
    result = runner.invoke(app, ["timeline", "--group", "Nobody"])
    assert result.exit_code == 2 and "unknown group" in result.output
    # The gazetteer's own display names and bare aliases are accepted, in any case.
    result = runner.invoke(app, ["timeline", "--place", "Ain al-Asad air base"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2024-01-20" in result.output and "Tower 22" not in result.output
    result = runner.invoke(app, ["timeline", "--group", "Badr"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output


def test_timeline_cli_on_a_fresh_database(tmp_path, monkeypatch):
    # No migrations run beforehand: the command must create the schema itself, not print a traceback.
    monkeypatch.setenv("SITREP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    runner = CliRunner()
    result = runner.invoke(app, ["timeline"])
    assert result.exit_code == 0, result.output
    assert "Timeline (0 events)" in result.output and "sitrep db seed" in result.output
    assert "Traceback" not in result.output and "OperationalError" not in result.output
    result = runner.invoke(app, ["timeline", "--place", "Ain al-Asad air base"])
    assert result.exit_code == 0, result.output
