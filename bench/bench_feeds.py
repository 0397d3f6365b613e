"""Ingestion benchmark: N local feeds on 127.0.0.1: a cold cycle (every entry new), a warm one (every feed
answers 304) and a changed one (every feed has one new entry on top of the ones already stored, the usual case).

    uv run python bench/bench_feeds.py [--feeds 1000] [--entries 30]

Prints feeds/s, entries/s, CPU seconds and peak memory of the pipeline (fetch, parse, normalise, dedup, store in
SQLite), and the ratio of its CPU to a bare `feedparser.parse` of the same bytes, measured in the same run.
The feed server runs in a child process so its CPU is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.feed_host import feed_host
from bot.feeds.fetch import Fetcher, make_session
from bot.feeds.poller import Poller
from bot.settings import PollSettings
from bot.storage.db import create_engine, session_factory, upgrade_sync
from bot.storage.models import Feed
from tests.feeds import feed_docs

NOW = datetime(2024, 2, 1, 12, tzinfo=UTC)


def make_bodies(feeds: int, entries: int, *, fresh: int = 0) -> list[bytes]:
    """One body per feed, half RSS 2.0 and half Atom; `fresh` newer entries are put on top of the same ones."""
    bodies = []
    for i in range(feeds):
        start = NOW - timedelta(hours=i % 48)
        newer = feed_docs.items(f"f{i}-new", fresh, start + timedelta(hours=1))
        items = (newer + feed_docs.items(f"f{i}", entries, start))[:entries]
        bodies.append(feed_docs.rss2(f"Bench feed {i}", items) if i % 2 else feed_docs.atom(f"Bench feed {i}", items))
    return bodies


def bare_parse_cpu(bodies: list[bytes]) -> float:
    cpu0 = time.process_time()
    for body in bodies:
        feedparser.parse(body)
    return time.process_time() - cpu0


async def run_cycles(port: int, feeds: int, db_url: str) -> list[tuple[str, float, float, int]]:
    settings = PollSettings(allow_private=["127.0.0.1"], max_concurrency=64, per_host_concurrency=64,
                            batch_size=500, total_timeout_s=60)
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with sessions.begin() as s:
        s.add_all(Feed(url=f"http://127.0.0.1:{port}/feed/{i}", name=f"feed {i}", interval_s=600,
                       next_check_at=NOW, created_at=NOW) for i in range(feeds))
    results = []
    async with make_session(settings) as http:
        poller = Poller(sessions, Fetcher(http, settings), settings, "bench", lambda: NOW)
        for name in ("cold", "warm", "changed"):
            if name == "changed":
                async with http.post(f"http://127.0.0.1:{port}/next") as response:
                    response.raise_for_status()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            outcomes = await poller.poll(everything=True)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            stored = sum(o.baseline + o.new for o in outcomes)
            errors = [o.error for o in outcomes if o.error]
            if len(outcomes) != feeds or errors:
                print(f"{name}: {len(outcomes)} outcomes for {feeds} feeds; {len(errors)} errors, e.g. {errors[:3]}")
            results.append((name, cpu, wall, stored))
    await engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=30)
    args = parser.parse_args()
    bodies = make_bodies(args.feeds, args.entries)
    changed = make_bodies(args.feeds, args.entries, fresh=1)

    # Reference: a bare feedparser.parse of the same bytes in this process, before and after the pipeline (the
    # mean of the two, so load from other work on a shared machine weighs on both sides alike).
    bare_before = bare_parse_cpu(bodies)
    with feed_host(bodies, etags=True, later=changed) as port, tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade_sync(url)
        results = asyncio.run(run_cycles(port, args.feeds, url))
    bare_after = bare_parse_cpu(bodies)
    bare_cpu = (bare_before + bare_after) / 2
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    entries = args.feeds * args.entries
    print(f"\n{args.feeds} feeds x {args.entries} entries ({sum(map(len, bodies)) / 1e6:.1f} MB), SQLite store")
    print(f"{'cycle':<8}{'wall s':>9}{'CPU s':>9}{'feeds/s':>10}{'entries/s':>11}{'CPU/feed ms':>13}{'stored':>9}")
    for name, cpu, wall, stored in results:
        print(f"{name:<8}{wall:>9.2f}{cpu:>9.2f}{args.feeds / wall:>10.0f}{entries / wall:>11.0f}"
              f"{cpu / args.feeds * 1000:>13.2f}{stored:>9}")
    cold_cpu, warm_cpu, changed_cpu = (r[1] for r in results)
    print(f"\nbare feedparser.parse of the same bytes: {bare_cpu:.2f} CPU s "
          f"(before {bare_before:.2f}, after {bare_after:.2f})")
    print(f"pipeline CPU / bare parse CPU (cold):     {cold_cpu / bare_cpu:.2f}x   (target <= 1.3x)")
    print(f"pipeline CPU / bare parse CPU (changed):  {changed_cpu / bare_cpu:.2f}x   (1 new entry per feed)")
    print(f"unchanged feed CPU:                       {warm_cpu / args.feeds * 1000:.2f} ms (target <= 1 ms)")
    per_feed = (cold_cpu + 9 * warm_cpu) / 10 / args.feeds  # a 10-minute cycle: ~1 in 10 feeds changed
    print(f"10,000 feeds, 10% changed per cycle:      {per_feed * 10000:.0f} CPU s per cycle of 600 s "
          f"on 2 cores = {per_feed * 10000 / 1200:.0%} of the machine")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
