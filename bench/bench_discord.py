"""Benchmark: /search latency (p50/p95/max) at 1M articles, on SQLite FTS5 or PostgreSQL (tsvector GIN).

    uv run python bench/bench_discord.py [--articles 1000000] [--queries 300] [--db PATH]
    uv run python bench/bench_discord.py --db-url postgresql+asyncpg://postgres@127.0.0.1:5432/sitrep_bench

Builds a store with the project's migrations (so the FTS5 table and its triggers, or the GIN index, are the real
ones), fills it with synthetic headlines and summaries (a Zipf-like vocabulary plus domain words, one
classification per article), then times `bot.storage.search.search_articles` end to end (query building, FTS,
row loading) for a mix of common words, rare words, two-word queries, prefixes, kind and date filters.
Target: p95 <= 50 ms. With --db-url the PostgreSQL database is created fresh (dropped first if it exists),
loaded with COPY (bench/pg_store.py) and dropped at the end unless --keep; --reuse measures it as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pg_store import bulk_load, database_size, drop_database, recreate_database
from bot.storage.db import create_engine, session_factory, upgrade_sync
from bot.storage.search import search_articles

DOMAIN = ("drone rocket attack base strike militia troops wounded killed airstrike depot convoy outpost claims "  # noqa: SIM905
          "border commander launched intercepted facility weapons forces coalition group resistance").split()
PLACES = "Asad Erbil Qaim Tanf Baghdad Harir Shaddadi Conoco Jordan Syria Iraq Kirkuk Basra Mosul".split()  # noqa: SIM905
SYLLABLES = "ka ri to mu an el os ba ne di lu ha za qi re".split()  # noqa: SIM905
QUERIES = ["drone", "attack base", "strike depot", "Erbil", "rocket*", "commander killed", "Tanf drone",
           "militia claims attack", "intercepted rocket", "Shaddadi", "convoy", "wounded troops"]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


ARTICLE_COLUMNS = ("id", "key", "source", "url", "title", "summary", "published_at", "fetched_at", "content_hash",
                   "stage")
LABEL_COLUMNS = ("article_id", "label", "confidence", "scores", "model_version", "created_at")


def batches(count: int, seed: int = 7, step: int = 50_000) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """(articles, classifications) rows in batches of `step` articles; times are aware UTC datetimes."""
    rng = random.Random(seed)
    vocab = vocabulary(20000, rng)
    cumulative = list(itertools.accumulate(1 / (i + 1) for i in range(len(vocab))))  # Zipf-like word frequencies
    start = datetime(2019, 1, 1, tzinfo=UTC)
    for offset in range(0, count, step):
        articles, labels = [], []
        for i in range(offset, min(count, offset + step)):
            filler = rng.choices(vocab, cum_weights=cumulative, k=14)
            title = " ".join([rng.choice(DOMAIN), *filler[:4], rng.choice(PLACES), rng.choice(DOMAIN)])
            summary = " ".join([*filler[4:], rng.choice(DOMAIN), rng.choice(PLACES)])
            at = start + timedelta(minutes=3 * i)
            articles.append((i + 1, f"k{i}", "bench", f"https://bench.invalid/{i}", title, summary, at, at,
                             f"h{i}", "done"))
            labels.append((i + 1, rng.choice(("militia_attack", "us_strike", "other", "other")), 0.9, "{}", "b", at))
        yield articles, labels


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def build_sqlite(path: Path, count: int) -> None:
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")

    def text_times(rows: list[tuple], *positions: int) -> list[tuple]:  # SQLite stores naive UTC text
        return [tuple(v.strftime("%Y-%m-%d %H:%M:%S.000000") if n in positions else v for n, v in enumerate(row))
                for row in rows]

    for articles, labels in batches(count):
        con.executemany(insert_sql("articles", ARTICLE_COLUMNS), text_times(articles, 6, 7))
        con.executemany(insert_sql("classifications", LABEL_COLUMNS), text_times(labels, 5))
        con.commit()
        print(f"  {articles[-1][0]:>9,} articles", flush=True)
    con.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    con.commit()
    con.close()


async def build_postgres(url: str, count: int) -> None:
    async with bulk_load(url, ("articles", "classifications")) as conn:
        for articles, labels in batches(count):
            await conn.copy_records_to_table("articles", records=articles, columns=ARTICLE_COLUMNS)
            await conn.copy_records_to_table("classifications", records=labels, columns=LABEL_COLUMNS)
            print(f"  {articles[-1][0]:>9,} articles", flush=True)


async def measure(url: str, queries: int, seed: int = 11, verbose: bool = False) -> list[float]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    rng = random.Random(seed)
    now = datetime(2024, 9, 1, tzinfo=UTC)
    times = []
    try:
        for i in range(queries):
            query = QUERIES[i % len(QUERIES)]
            kind = rng.choice((None, None, "militia_attack", "us_strike"))
            since = rng.choice((None, None, now - timedelta(days=rng.choice((7, 30, 365)))))
            began = time.perf_counter()
            async with sessions() as session:
                await search_articles(session, query, kind=kind, since=since, limit=10)
            times.append((time.perf_counter() - began) * 1000)
            if verbose and times[-1] > 50:
                print(f"  slow: {times[-1]:.0f} ms for {query!r} kind={kind} since={since}")
    finally:
        await engine.dispose()
    return times


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f"{name}: {len(times)} queries, p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
          f"max {ordered[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--db", type=Path, default=None, help="SQLite: reuse or create this file")
    parser.add_argument("--db-url", default=None, help="PostgreSQL: postgresql+asyncpg://... (instead of SQLite)")
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: measure the database as it is")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: do not drop the database at the end")
    args = parser.parse_args()
    if args.db_url:
        url, name = args.db_url, "PostgreSQL tsvector /search"
        if not args.reuse:
            began = time.perf_counter()
            print(f"building {url} with {args.articles:,} articles")
            recreate_database(url)
            asyncio.run(build_postgres(url, args.articles))
            print(f"built in {time.perf_counter() - began:.0f} s, {asyncio.run(database_size(url)) / 1e6:.0f} MB")
    else:
        path = args.db or Path(tempfile.mkdtemp(prefix="sitrep-bench-")) / "bench.db"
        url, name = f"sqlite+aiosqlite:///{path}", "SQLite FTS5 /search"
        if not path.exists():
            began = time.perf_counter()
            print(f"building {path} with {args.articles:,} articles")
            build_sqlite(path, args.articles)
            print(f"built in {time.perf_counter() - began:.0f} s, {path.stat().st_size / 1e6:.0f} MB")
    try:
        asyncio.run(measure(url, 20))  # warm the page cache and the engine
        report(name, asyncio.run(measure(url, args.queries, verbose=True)))
    finally:
        if args.db_url and not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
