"""Scale-out on the real PostgreSQL server: two `worker` processes and one `bot` process share a few hundred
local feeds; one worker is SIGKILLed mid-cycle. Every article must be stored once, every event posted once per
subscribed channel (counted on the fake Discord), and the killed worker's feeds polled again once its leases
expire - not before.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from bot.publishing.policy import target_channels
from bot.storage.db import create_engine
from bot.storage.models import Article, Feed, Subscription
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import EVENTS_CHANNEL, STRIKES_CHANNEL, TOKEN
from tests.scaleout.harness import (
    SlowFeedServer,
    StoreView,
    seed_store,
    serve_feeds,
    service_env,
    start_process,
    stop_process,
    utcnow,
    wait_until,
)

FEEDS = 300
SUBSCRIPTIONS = {EVENTS_CHANNEL: ["militia_attack", "us_strike"], STRIKES_CHANNEL: ["us_strike"]}

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]


@pytest.fixture
async def feed_server():
    server = SlowFeedServer(delay_s=0.25)  # 8 fetches at a time per worker: a cycle lasts several seconds
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def fake_discord():
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


async def test_two_workers_one_bot_exactly_once_after_sigkill(pg_url, model_dir, tmp_path, feed_server, fake_discord):
    scenario = serve_feeds(feed_server, FEEDS, utcnow())
    await seed_store(pg_url, feed_server, scenario, SUBSCRIPTIONS)
    env = service_env(tmp_path, pg_url, model_dir)
    bot_env = {**env, "SITREP_WORKER_ID": "bot", "SITREP_DISCORD_TOKEN": TOKEN,
               "SITREP_DISCORD_API_BASE": fake_discord.rest_base,
               "SITREP_DISCORD_GATEWAY_URL": fake_discord.gateway_url}
    bot = await start_process("bot", bot_env, tmp_path / "bot.log")
    worker_a = await start_process("worker", {**env, "SITREP_WORKER_ID": "w-a"}, tmp_path / "w-a.log")
    worker_b = await start_process("worker", {**env, "SITREP_WORKER_ID": "w-b"}, tmp_path / "w-b.log")
    view = StoreView(create_engine(pg_url))
    try:
        # Mid-cycle: some feeds are finished, and worker A holds leases on feeds it has not finished yet.
        async def mid_cycle() -> bool:
            return await view.feeds_done() >= 30 and bool(await view.leases("w-a", utcnow()))

        await wait_until(mid_cycle, 90, interval=0.05, what="worker A to be in the middle of a cycle")
        worker_a.kill()
        await worker_a.wait()
        killed_at = time.time()
        orphaned = await view.leases("w-a", utcnow())
        assert orphaned, "worker A held no unfinished leases when it was killed"

        async def settled() -> bool:
            outbox = await view.outbox()
            return (await view.feeds_done() == FEEDS and await view.unfinished_articles() == 0
                    and bool(outbox) and all(row.status == "sent" for row in outbox))

        await wait_until(settled, 120, what=_progress_hint(tmp_path))
        await asyncio.sleep(3)  # a few more ticks: nothing may be posted twice after the work is done
        assert await settled()

        await _check_articles_once(view, scenario)
        await _check_orphans_repolled_after_expiry(view, feed_server, orphaned, killed_at)
        await _check_posted_once_per_channel(view, fake_discord)
    finally:
        codes = [await stop_process(p) for p in (worker_b, bot, worker_a)]
        await view.engine.dispose()
    assert worker_a.returncode == -9
    for (code, seconds), name in zip(codes[:2], ("worker B", "bot"), strict=True):
        assert code == 0 and seconds < 10, f"{name} exited {code} after {seconds:.1f} s"
    assert TOKEN not in (tmp_path / "bot.log").read_text()


IN_FLIGHT_S = 1.0


def _progress_hint(tmp_path) -> str:
    return f"every feed polled, every article processed and every outbox row sent (logs in {tmp_path})"


async def _check_articles_once(view: StoreView, scenario) -> None:
    urls = [row.url for row in await view.rows(select(Article.url))]
    assert len(urls) == len(set(urls)) == len(scenario.urls)
    assert set(urls) == scenario.urls


async def _check_orphans_repolled_after_expiry(view: StoreView, server: SlowFeedServer, orphaned, killed_at) -> None:
    feeds = {row.id: row for row in await view.rows(select(Feed.id, Feed.url, Feed.last_success_at,
                                                                Feed.lease_owner))}
    for feed_id, expires in orphaned.items():
        feed = feeds[feed_id]
        assert feed.last_success_at is not None and feed.last_success_at >= expires, (feed, expires)
        path = feed.url.split(str(server.port), 1)[1]
        hits = server.hit_times[path]
        # Nobody touched the feed between the kill and the lease expiry; somebody did after it. The feed server
        # runs in this test's event loop and stamps a request when its handler starts, so a request worker A
        # had already sent before the kill can be stamped just after `killed_at` on a busy machine: a grace of
        # IN_FLIGHT_S for those.
        late = [t for t in hits if killed_at + IN_FLIGHT_S < t < expires.timestamp() - 0.05]
        assert not late, (path, hits, killed_at, expires)
        assert any(t >= expires.timestamp() - 0.05 for t in hits), (path, hits, expires)
    assert not [f for f in feeds.values() if f.lease_owner is not None]


async def _check_posted_once_per_channel(view: StoreView, fake: FakeDiscord) -> None:
    events = await view.events()
    subs = await view.rows(select(Subscription.channel_id, Subscription.kind, Subscription.min_confidence,
                                  Subscription.broken_reason))
    assert {e.kind for e in events} == {"militia_attack", "us_strike"}, events
    expected = {(e.id, ch) for e in events for ch in target_channels(subs, e.kind, e.confidence)}
    outbox = await view.outbox()
    assert {(row.event_id, row.channel_id) for row in outbox} == expected
    for channel_id in SUBSCRIPTIONS:
        creates = [r for r in fake.requests
                   if r.method == "POST" and r.path == f"/channels/{channel_id}/messages" and r.status == 200]
        posted = {int(m["id"]) for m in fake.posted(channel_id)}
        recorded = [row.message_id for row in outbox if row.channel_id == channel_id]
        # One message per (event, channel): as many creates as outbox rows, and each is the one the row points at.
        assert len(creates) == len(recorded) == len(set(recorded)) == len(posted), (len(creates), len(recorded))
        assert set(recorded) == posted
