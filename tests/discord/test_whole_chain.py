"""The whole chain through the real composition root (`serve`) and the real discord.py client: a local feed
server publishes a new item, the scheduler polls it, the classifier and the event layer run, and the fake
Discord receives one post with its timeline context; a second outlet edits that message instead of reposting.

The service runs on a clock pinned to 17:00 UTC that then moves at the real pace: the outcome must not depend on
the hour the suite runs at (the daily digest is due at 18:00)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.intel.seed import seed_timeline
from bot.service.runtime import serve
from bot.settings import load_settings
from bot.storage.db import create_engine, session_factory
from bot.storage.models import Feed
from bot.storage.subscriptions import subscribe
from tests.clock import RunningClock
from tests.discord.payloads import EVENTS_CHANNEL, GUILD_ID, TOKEN
from tests.feeds import feed_docs
from tests.feeds.feed_server import Route

START = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


def item(guid: str, title: str, summary: str, minutes_ago: float) -> feed_docs.Item:
    return (guid, title, summary, f"https://{guid}.example/story", START - timedelta(minutes=minutes_ago))


OLD = item("old", "Parliament debates the budget in Baghdad", "Lawmakers met again.", 60 * 24 * 5)
WIRE = item(
    "wire",
    "Rockets target Ain al-Asad air base hosting US troops in western Iraq",
    "Several rockets struck inside Ain al-Asad air base in Anbar province, US officials said. "
    "Two US service members suffered minor injuries. The Islamic Resistance in Iraq claimed the attack.",
    5,
)
REGIONAL = item(
    "regional",
    "Islamic Resistance in Iraq claims rocket attack on Ain al-Asad base",
    "The Iran-backed Islamic Resistance in Iraq said its fighters fired Katyusha rockets at the Ain al-Asad air "
    "base, where American forces are stationed, wounding two US soldiers.",
    2,
)


async def make_due(sessions, now: datetime) -> None:
    async with sessions.begin() as session:
        await session.execute(update(Feed).values(next_check_at=now - timedelta(seconds=1)))


async def wait_for(check, limit_s: float = 60.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if result := check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_feed_to_discord_post_with_timeline_context(fake, feed_server, sqlite_url, shared_model_dir, tmp_path):
    feeds_file = tmp_path / "feeds.toml"
    feeds_file.write_text(
        f'[[feed]]\nname = "Wire"\nurl = "{feed_server.url("/wire")}"\ninterval = 600\n'
        f'[[feed]]\nname = "Regional"\nurl = "{feed_server.url("/regional")}"\ninterval = 600\n'
    )
    settings = load_settings(
        database_url=sqlite_url, discord_token=TOKEN, discord_guild_id=GUILD_ID, feeds_file=feeds_file,
        model={"path": shared_model_dir},
        poll={"allow_private": ["127.0.0.1"], "tick_seconds": 1},
        service={"http_port": 0},
    )
    clock = RunningClock(START)
    engine = create_engine(sqlite_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await seed_timeline(session, settings.timeline_file)
    async with sessions.begin() as session:
        await subscribe(session, GUILD_ID, EVENTS_CHANNEL, "militia_attack", 0.5, None, clock())
    feed_server.routes["/wire"] = Route(body=feed_docs.rss2("Wire", [OLD]))
    feed_server.routes["/regional"] = Route(body=feed_docs.rss2("Regional", []))

    stop = asyncio.Event()
    service = asyncio.create_task(serve(settings, role="all", stop=stop, clock=clock))
    try:
        await wait_for(lambda: feed_server.hits.get("/regional"))  # the first (baseline) cycle ran
        feed_server.routes["/wire"] = Route(body=feed_docs.rss2("Wire", [WIRE, OLD]))
        await make_due(sessions, clock())
        [post] = await wait_for(lambda: fake.posted(EVENTS_CHANNEL))
        embed = post["embeds"][0]
        assert "Ain al-Asad" in embed["title"]
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        timeline = next(value for name, value in fields.items() if "imeline" in name)
        assert "last US strike" in timeline and "Ain al-Asad" in timeline
        assert any("2 wounded" in value for value in fields.values())
        assert post["allowed_mentions"]["parse"] == []

        feed_server.routes["/regional"] = Route(body=feed_docs.rss2("Regional", [REGIONAL]))
        await make_due(sessions, clock())
        edit = await fake.wait_for(lambda r: r.method == "PATCH" and str(EVENTS_CHANNEL) in r.path, 60)
        assert "Regional" in str(edit.json)
        await asyncio.sleep(1.5)  # two more ticks: nothing new may be posted
        assert len(fake.posted(EVENTS_CHANNEL)) == 1
    finally:
        stop.set()
        await asyncio.wait_for(service, 20)
        await engine.dispose()
