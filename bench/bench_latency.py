"""Poll-to-post latency: from the poll that fetches a new item to the POST at a local fake Discord.

    uv run python bench/bench_latency.py [--incidents 8]

Runs the real service (`serve()`, role all, with the real discord.py client) against a local feed server and the
fake Discord from the tests, with a trained model and the seed timeline. Each round publishes one new incident
(a different base each time), makes the feed due, and measures from the moment the feed server answered the
fetch to the moment the fake Discord recorded the message. Target: <= 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import update

from bot.intel.seed import seed_timeline
from bot.service.runtime import serve
from bot.settings import load_settings
from bot.storage.db import create_engine, session_factory, upgrade_sync
from bot.storage.models import Feed
from bot.storage.subscriptions import subscribe
from classifiers.corpus import DEFAULT_CORPUS_DIR
from classifiers.training import train
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import EVENTS_CHANNEL, GUILD_ID, TOKEN
from tests.feeds import feed_docs
from tests.feeds.feed_server import FeedServer, Route

# Bases far enough apart that the event layer never takes two rounds for one incident.
BASES = ["Ain al-Asad", "al-Tanf", "Tower 22", "Erbil air base", "Conoco", "Victory base", "Shaddadi"]


def incident(n: int) -> feed_docs.Item:
    base = BASES[n % len(BASES)]
    return (f"inc-{n}", f"Drones target US forces at {base}, officials say",
            f"Two one-way attack drones were launched at {base}, where US troops are based; one was shot down. "
            f"The Islamic Resistance in Iraq claimed the attack. No injuries were reported.",
            f"https://wire.example/{n}", datetime.now(UTC))


async def run(rounds: int, workdir: Path) -> list[float]:
    model_dir = workdir / "model"
    await asyncio.to_thread(train, DEFAULT_CORPUS_DIR, model_dir, tune=False)
    url = f"sqlite+aiosqlite:///{workdir}/latency.db"
    await asyncio.to_thread(upgrade_sync, url)
    fake, feeds = FakeDiscord(), FeedServer()
    await fake.start()
    await feeds.start()
    feeds_file = workdir / "feeds.toml"
    feeds_file.write_text(f'[[feed]]\nname = "Wire"\nurl = "{feeds.url("/wire")}"\ninterval = 600\n')
    settings = load_settings(
        database_url=url, discord_token=TOKEN, discord_guild_id=GUILD_ID, feeds_file=feeds_file,
        discord_api_base=fake.rest_base, discord_gateway_url=fake.gateway_url, model={"path": model_dir},
        poll={"allow_private": ["127.0.0.1"], "tick_seconds": 1}, service={"http_port": 0},
        publish={"burst_limit": 100},  # one post per round, never a burst digest
    )
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await seed_timeline(session, settings.timeline_file)
    async with sessions.begin() as session:
        await subscribe(session, GUILD_ID, EVENTS_CHANNEL, "militia_attack", 0.5, None, datetime.now(UTC))
    feeds.routes["/wire"] = Route(body=feed_docs.rss2("Wire", []))
    stop = asyncio.Event()
    service = asyncio.create_task(serve(settings, role="all", stop=stop))
    latencies = []
    try:
        while not feeds.hits.get("/wire"):  # noqa: ASYNC110 - polling a server in another task
            await asyncio.sleep(0.05)
        published: list[feed_docs.Item] = []
        for n in range(rounds):
            published.insert(0, incident(n))
            feeds.routes["/wire"] = Route(body=feed_docs.rss2("Wire", published))
            before_posts, before_hits = len(fake.posted(EVENTS_CHANNEL)), len(feeds.hit_times["/wire"])
            async with sessions.begin() as session:
                await session.execute(update(Feed).values(next_check_at=datetime.now(UTC) - timedelta(seconds=1)))
            deadline = time.monotonic() + 60
            while len(fake.posted(EVENTS_CHANNEL)) == before_posts:
                if time.monotonic() > deadline:
                    raise SystemExit(f"round {n}: no post within 60 s; {await explain(sessions)}")
                await asyncio.sleep(0.002)
            posted_at = time.monotonic()
            fetched_at = feeds.hit_times["/wire"][before_hits]
            latencies.append(posted_at - fetched_at)
    finally:
        stop.set()
        await asyncio.wait_for(service, 30)
        await engine.dispose()
        await feeds.stop()
        await fake.close()
    return latencies


async def explain(sessions) -> str:
    """Why a round produced no post: the newest articles' labels and the events they joined."""
    from sqlalchemy import select

    from bot.storage.models import Article, Classification, EventArticle

    async with sessions() as session:
        rows = await session.execute(
            select(Article.title, Article.stage, Classification.label, Classification.confidence,
                   EventArticle.event_id)
            .outerjoin(Classification, Classification.article_id == Article.id)
            .outerjoin(EventArticle, EventArticle.article_id == Article.id)
            .order_by(Article.id.desc()).limit(3)
        )
        return "; ".join(str(tuple(r)) for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=len(BASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        latencies = asyncio.run(run(args.incidents, Path(tmp)))
    ms = sorted(x * 1000 for x in latencies)
    print(f"\npoll-to-post latency over {len(ms)} new incidents (fetch answered -> POST at the fake Discord)")
    print(f"{'min':>8}{'median':>9}{'max':>8}   (ms)")
    print(f"{ms[0]:>8.0f}{statistics.median(ms):>9.0f}{ms[-1]:>8.0f}   target <= 2000 ms")


if __name__ == "__main__":
    main()
