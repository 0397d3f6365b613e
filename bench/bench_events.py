"""Event building cost: CPU per relevant article through `build_events` (extract, match, merge, summarise, store).

Loads the project's clustering set (classifiers/data/clustering.jsonl: several reports per incident, look-alike
incidents) into a fresh SQLite store as classified articles, repeated `--rounds` times with each round shifted
by four weeks so rounds never merge, and runs `build_events` the way the worker does: after each poll's batch.
Every report meets the candidate events of its time window, so the cost includes re-reading their members.

Usage: uv run python bench/bench_events.py [--rounds 5] [--batch 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.intel.events import build_events
from bot.intel.gazetteer import Gazetteer
from bot.settings import EventSettings
from bot.storage.db import create_engine, session_factory, upgrade_sync
from bot.storage.models import Article, Classification

ROOT = Path(__file__).resolve().parents[1]


def load_reports() -> list[dict]:
    rows = [json.loads(line) for line in (ROOT / "classifiers/data/clustering.jsonl").read_text().splitlines() if line]
    return sorted(rows, key=lambda r: r["published"])


async def run(rounds: int, batch: int) -> None:
    gazetteer = Gazetteer.load(ROOT / "config/gazetteer.toml")
    reports = load_reports()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/events.db"
        await asyncio.to_thread(upgrade_sync, url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        per_article: list[float] = []
        cpu_total = wall_total = 0.0
        n = 0
        for r in range(rounds):
            shift = timedelta(weeks=4 * r)
            for start in range(0, len(reports), batch):
                chunk = reports[start:start + batch]
                async with sessions() as session, session.begin():
                    for row in chunk:
                        published = datetime.fromisoformat(row["published"].replace("Z", "+00:00")) + shift
                        art = Article(key=f"{r}-{row['id']}", source=row["source"], url=f"https://x.test/{r}/{row['id']}",
                                      title=row["title"], summary=row["text"], published_at=published,
                                      fetched_at=published, content_hash=f"{r}-{row['id']}", stage="classified")
                        session.add(art)
                        await session.flush()
                        session.add(Classification(article_id=art.id, label=row["kind"], confidence=0.9,
                                                   scores={row["kind"]: 0.9}, model_version="bench",
                                                   created_at=published))
                now = published.astimezone(UTC) + timedelta(minutes=5)
                c0, w0 = time.process_time(), time.perf_counter()
                await build_events(sessions, gazetteer, EventSettings(), now)
                cpu, wall = time.process_time() - c0, time.perf_counter() - w0
                cpu_total += cpu
                wall_total += wall
                per_article.append(cpu / len(chunk) * 1000)
                n += len(chunk)
        await engine.dispose()
    per_article.sort()
    print(f"{n} relevant articles ({rounds} rounds of {len(reports)}), build_events after every {batch}")
    print("| measure | value |")
    print("|---|---:|")
    print(f"| CPU per article, mean | {cpu_total / n * 1000:.1f} ms |")
    print(f"| CPU per article, median batch | {statistics.median(per_article):.1f} ms |")
    print(f"| CPU per article, worst batch | {per_article[-1]:.1f} ms |")
    print(f"| wall total | {wall_total:.2f} s |")
    print(f"| articles/s (CPU) | {n / cpu_total:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.batch))


if __name__ == "__main__":
    main()
