"""The whole chain with no Discord token: a local feed publishes, the runtime polls, classifies, builds the
event with its timeline context, and the console receives one post; a second outlet edits it, never reposts."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import open_context
from bot.publishing.console import ConsolePoster
from bot.service.metrics import Metrics
from bot.service.runtime import Runtime
from bot.settings import load_settings
from bot.storage import feeds as feed_store
from tests.clock import Clock
from tests.feeds import feed_docs
from tests.feeds.feed_server import Route

NOW = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)  # after the seed timeline ends



@pytest.fixture
async def runtime(sqlite_url, shared_model_dir, feed_server):
    settings = load_settings(
        database_url=sqlite_url,
        model={"path": shared_model_dir},
        poll={"allow_private": ["127.0.0.1"], "total_timeout_s": 5},
        service={"http_port": 0},
    )
    stream = io.StringIO()
    clock = Clock(NOW)
    async with open_context(settings) as ctx:
        from bot.intel.seed import seed_timeline

        async with ctx.sessions() as session:
            await seed_timeline(session, settings.timeline_file)
        async with ctx.sessions.begin() as session:
            for feed in await feed_store.list_feeds(session):  # the default catalogue: not reachable offline
                await session.delete(feed)
            for path in ("/wire", "/regional"):
                await feed_store.add_feed(session, feed_server.url(path), path.strip("/"), 300, clock())
        yield Runtime(ctx, ConsolePoster(stream), Metrics(), clock=clock), stream, clock


def rss(items):
    return Route(body=feed_docs.rss2("Test wire", items))


OLD = ("old-1", "Rockets hit base in Iraq", "An older report.", "https://news.example/old", NOW - timedelta(days=3))
WIRE = (
    "w-1",
    "Rockets target Ain al-Asad air base hosting US troops in western Iraq",
    "Several rockets struck inside Ain al-Asad air base in Anbar province late on Wednesday, US officials said. "
    "Two US service members suffered minor injuries. The Islamic Resistance in Iraq claimed the attack.",
    "https://wire.example/asad",
    NOW - timedelta(minutes=30),
)
REGIONAL = (
    "r-1",
    "Islamic Resistance in Iraq claims rocket attack on Ain al-Asad base",
    "The Iran-backed Islamic Resistance in Iraq said its fighters fired a salvo of Katyusha rockets at the "
    "Ain al-Asad air base, where American forces are stationed, wounding two US soldiers.",
    "https://regional.example/asad",
    NOW - timedelta(minutes=10),
)


async def test_feed_to_console_post_with_context_then_an_edit_not_a_repost(runtime, feed_server):
    rt, stream, clock = runtime
    feed_server.routes["/wire"] = rss([OLD])
    feed_server.routes["/regional"] = rss([])
    await rt.ingest()
    await rt.drain()
    assert stream.getvalue() == ""  # the first poll is a baseline: nothing is posted

    clock.now += timedelta(minutes=10)
    feed_server.routes["/wire"] = rss([WIRE, OLD])
    await rt.ingest()
    await rt.drain()
    first = stream.getvalue()
    # Each new article is printed as it is classified, then the event's post.
    assert first.startswith("[article] militia_attack ") and first.splitlines()[0].endswith(f": {WIRE[1]}"), first
    assert first.count("[article]") == 1  # the baseline item is stored, never printed
    assert first.count("message 1") == 1 and "Ain al-Asad" in first, first
    assert "Islamic Resistance in Iraq" in first and "rocket" in first.lower()
    assert "2 wounded" in first
    # Timeline context from the seed timeline: the previous attack there and the last US strike are named.
    assert "last US strike" in first and "Ain al-Asad" in first.split("Timeline")[1]

    clock.now += timedelta(minutes=10)
    feed_server.routes["/regional"] = rss([REGIONAL])
    await rt.ingest()
    await rt.drain()
    after = stream.getvalue()[len(first):]
    assert "message 1 edited" in after, after  # a second source edits the event's message
    assert after.count("[article]") == 1 and REGIONAL[1] in after
    assert "message 2" not in after

    clock.now += timedelta(minutes=10)
    await rt.ingest()
    await rt.drain()
    assert stream.getvalue() == first + after  # nothing new: nothing printed
