"""Timeline and context queries at 1M stored articles: p50/p95 latency (target p95 <= 50 ms).

Builds a fresh store (migrated schema: SQLite with its FTS triggers, or PostgreSQL with --db-url), bulk-inserts
synthetic articles and a proportionate set of events (one event per ~20 articles, 1-3 groups each, a main place
and for ~30% of events a second place their reports name, ~20% of articles attached to events), then times,
through the same async code the bot uses:
  - timeline_context(event)        (all context queries for one post)
  - load_post(event)               (context + sources + fact strings)
  - timeline(group=..)             (sitrep timeline --group)
  - timeline(place=.., kind=..)    (sitrep timeline --place --kind)
  - timeline(since=..)             (sitrep timeline --since)
  - timeline_events(place=..)      (/timeline place: on Discord, the default 90 days)

Usage: uv run python bench/bench_timeline.py [--articles 1000000] [--iterations 300] [--db /tmp/x.db]
       uv run python bench/bench_timeline.py --db-url postgresql+asyncpg://postgres@127.0.0.1:5432/sitrep_bench

On PostgreSQL the database is dropped and created again, loaded with COPY (bench/pg_store.py) and dropped at the
end unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pg_store import bulk_load, drop_database, recreate_database
from bot.intel.context import timeline_context
from bot.intel.gazetteer import Gazetteer
from bot.intel.posts import load_post
from bot.storage import events as store
from bot.storage.db import create_engine, session_factory, upgrade_sync
from bot.storage.lookups import timeline_events
from bot.storage.models import Event

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2019, 12, 1, tzinfo=UTC)
SPAN_DAYS = 6 * 365
GROUPS = ["kataib-hezbollah", "nujaba", "kataib-sayyid-al-shuhada", "asaib-ahl-al-haq", "islamic-resistance-in-iraq",
          "irgc-qf", "saraya-awliya-al-dam", "pmf"]
PLACES = ["ain-al-asad", "erbil", "harir", "al-tanf", "tower-22", "conoco", "green-village", "al-omar", "rumalyn",
          "shaddadi", "al-qaim", "abu-kamal", "jurf-al-sakhar", "mayadin", "baghdad", "victory-base"]


ARTICLE_COLUMNS = ("id", "key", "source", "url", "title", "summary", "published_at", "fetched_at", "content_hash",
                   "stage")
EVENT_COLUMNS = ("id", "kind", "occurred_at", "first_seen_at", "updated_at", "title", "summary", "place_key",
                 "country", "groups", "places", "weapons", "casualties", "confidence", "model_version", "origin",
                 "revision")
GROUP_COLUMNS = ("event_id", "group_key", "kind", "occurred_at")
PLACE_COLUMNS = ("event_id", "place_key", "kind", "occurred_at")
LINK_COLUMNS = ("article_id", "event_id", "similarity", "added_at")


def ts(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def rows(n_articles: int, stamp: Callable[[datetime], Any], seed: int = 7) -> Iterator[tuple[str, tuple, list]]:
    """(table, columns, rows) batches: articles, then events, event_groups, event_places and event_articles.

    `stamp` turns a time into what the driver stores (naive UTC text for SQLite, the datetime for PostgreSQL)."""
    rng = random.Random(seed)
    # Second places draw from their own generator, so every other row is the same as before they existed.
    second_rng = random.Random(seed + 1)
    batch = []
    for i in range(1, n_articles + 1):
        pub = stamp(START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400)))
        batch.append((i, f"k{i}", "Wire", f"https://example.test/{i}", f"Report {i} on {rng.choice(PLACES)}",
                      "Short synthetic summary.", pub, pub, f"h{i}", "done"))
        if len(batch) == 50_000 or i == n_articles:
            yield "articles", ARTICLE_COLUMNS, batch
            batch = []
    n_events = max(1, n_articles // 20)
    events, groups, places, links = [], [], [], []
    article_ids = rng.sample(range(1, n_articles + 1), k=n_articles // 5)
    per_event = max(1, len(article_ids) // n_events)
    for e in range(1, n_events + 1):
        dt = START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        at = stamp(dt)
        kind = "militia_attack" if rng.random() < 0.75 else "us_strike"
        keys = rng.sample(GROUPS, k=rng.randint(1, 3))
        place = rng.choice(PLACES)
        named = [place] + ([second_rng.choice([p for p in PLACES if p != place])] if second_rng.random() < 0.3 else [])
        events.append((e, kind, at, at, at, f"Event {e}", "Summary.", place, "Iraq",
                       json.dumps([{"key": k, "role": "attributed"} for k in keys]), json.dumps(named),
                       json.dumps(["rocket"]), json.dumps({"us_military": {"killed": 0, "wounded": 1}}),
                       0.9, "bench", "feed", 1))
        groups += [(e, k, kind, at) for k in keys]
        places += [(e, p, kind, at) for p in named]
        links += [(a, e, 0.5, at) for a in article_ids[(e - 1) * per_event:e * per_event]]
    yield "events", EVENT_COLUMNS, events
    yield "event_groups", GROUP_COLUMNS, groups
    yield "event_places", PLACE_COLUMNS, places
    yield "event_articles", LINK_COLUMNS, links


def populate_sqlite(path: Path, n_articles: int) -> Counter[str]:
    """Bulk-load with executemany in one transaction, then ANALYZE."""
    counts: Counter[str] = Counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    with con:
        for table, columns, batch in rows(n_articles, ts):
            con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                            batch)
            counts[table] += len(batch)
    con.execute("ANALYZE")
    con.close()
    return counts


async def populate_postgres(url: str, n_articles: int) -> Counter[str]:
    """COPY into the tables with their secondary indexes dropped, then rebuild them and VACUUM ANALYZE."""
    counts: Counter[str] = Counter()
    async with bulk_load(url, ("articles", "events", "event_groups", "event_places", "event_articles")) as conn:
        for table, columns, batch in rows(n_articles, lambda dt: dt):
            await conn.copy_records_to_table(table, records=batch, columns=columns)
            counts[table] += len(batch)
    return counts


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(url: str, n_events: int, iterations: int) -> dict[str, dict[str, float]]:
    gz = Gazetteer.load(ROOT / "config" / "gazetteer.toml")
    engine = create_engine(url)
    sessions = session_factory(engine)
    rng = random.Random(11)
    now = START + timedelta(days=SPAN_DAYS)
    results: dict[str, list[float]] = {}

    async def timed(name: str, coro_factory) -> None:  # type: ignore[no-untyped-def]
        async with sessions() as s:
            t0 = time.perf_counter()
            await coro_factory(s)
            results.setdefault(name, []).append((time.perf_counter() - t0) * 1000)

    try:
        for _ in range(iterations):
            event_id = rng.randint(1, n_events)
            async with sessions() as s:
                event = await s.get(Event, event_id)
            await timed("timeline_context", lambda s, ev=event: timeline_context(s, ev, now))
            await timed("load_post", lambda s, i=event_id: load_post(s, i, now, gazetteer=gz))
            g, p = rng.choice(GROUPS), rng.choice(PLACES)
            since = START + timedelta(days=rng.randrange(SPAN_DAYS))
            await timed("timeline --group", lambda s, g=g: store.timeline(s, group=g, limit=50))
            await timed("timeline --place --kind", lambda s, p=p: store.timeline(s, place=p, kind="militia_attack",
                                                                                 limit=50))
            await timed("timeline --since", lambda s, d=since: store.timeline(s, since=d, limit=50))
            await timed("timeline --group --since", lambda s, g=g, d=since: store.timeline(s, group=g, since=d,
                                                                                           limit=50))
            await timed("/timeline place (90 days)", lambda s, p=p: timeline_events(
                s, since=now - timedelta(days=90), until=now, place=p))
    finally:
        await engine.dispose()
    return {name: {"p50_ms": round(statistics.median(v), 2), "p95_ms": round(pct(v, 95), 2),
                   "max_ms": round(max(v), 2)} for name, v in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--db", type=Path, default=Path("/tmp/sitrep-bench-timeline.db"), help="SQLite file")
    parser.add_argument("--db-url", default=None, help="PostgreSQL: postgresql+asyncpg://... (instead of SQLite)")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: do not drop the database at the end")
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.db_url:
        url = args.db_url
        recreate_database(url)
        counts = asyncio.run(populate_postgres(url, args.articles))
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{args.db}"
        upgrade_sync(url)
        counts = populate_sqlite(args.db, args.articles)
    print(json.dumps({**counts, "load_seconds": round(time.perf_counter() - t0, 1)}))
    try:
        results = asyncio.run(measure(url, counts["events"], args.iterations))
    finally:
        if args.db_url and not args.keep:
            drop_database(url)
    width = max(len(k) for k in results)
    for name, r in results.items():
        flag = "ok" if r["p95_ms"] <= 50 else "OVER TARGET"
        print(f"{name:<{width}}  p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms  "
              f"max {r['max_ms']:7.2f} ms  {flag}")


if __name__ == "__main__":
    main()
