"""Robustness run: serve every file under a folder (default ../shared/feeds) on 127.0.0.1 and poll them all.

    uv run python bench/robustness_feeds.py [FOLDER]

Nothing may crash or hang: every feed must end as new, unchanged or a clear error. Prints counts, the slowest
feeds, the distinct error reasons, and the wall and CPU time. The files are only read, never copied.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.feed_host import feed_host
from bot.feeds.fetch import Fetcher, make_session
from bot.feeds.poller import Poller
from bot.settings import PollSettings
from bot.storage.db import create_engine, session_factory, upgrade_sync
from bot.storage.models import Feed

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "feeds"


async def poll_all(port: int, files: list[str], db_url: str) -> list:
    settings = PollSettings(allow_private=["127.0.0.1"], max_concurrency=32, per_host_concurrency=32,
                            batch_size=500, total_timeout_s=30)
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    async with sessions.begin() as s:
        s.add_all(Feed(url=f"http://127.0.0.1:{port}/feed/{i}", name=files[i], interval_s=600,
                       next_check_at=now, created_at=now) for i in range(len(files)))
    async with make_session(settings) as http:
        poller = Poller(sessions, Fetcher(http, settings), settings, "robustness", lambda: datetime.now(UTC))
        outcomes = await asyncio.wait_for(poller.poll(everything=True), timeout=1800)
    await engine.dispose()
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    args = parser.parse_args()
    if not args.folder.is_dir():
        parser.exit(2, f"{args.folder}: no such folder. The feed snapshots live outside the repository (on the "
                       "project machines in ../shared/feeds); pass the folder that holds them\n")
    files = sorted(str(p) for p in args.folder.rglob("*") if p.is_file() and p.suffix != ".md")
    bodies = [Path(name).read_bytes() for name in files]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with feed_host(bodies, etags=False) as port, tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/robust.db"
        upgrade_sync(url)
        outcomes = asyncio.run(poll_all(port, files, url))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    statuses = Counter(o.status for o in outcomes)
    print(f"{len(files)} files polled in {wall:.1f} s wall, {cpu:.1f} s CPU; outcomes: {dict(statuses)}")
    print(f"articles stored: {sum(o.new + o.baseline for o in outcomes)}, "
          f"duplicates skipped: {sum(o.duplicates for o in outcomes)}")
    reasons = Counter((o.error or "")[:110] for o in outcomes if o.error)
    print("error reasons (most common):")
    for reason, count in reasons.most_common(12):
        print(f"  {count:>5}  {reason}")
    missing = len(files) - len(outcomes)
    print("every feed accounted for" if missing == 0 else f"MISSING OUTCOMES: {missing}")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
