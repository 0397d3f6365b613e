"""Scale-out benchmark: the same local feeds polled by one and then two `sitrep run --role worker` processes
on PostgreSQL, with one `--role bot` process posting to a local fake Discord.

    uv run python bench/bench_scaleout.py [--feeds 300] [--delay 0.1] [--workers 1 2]

For each worker count, on a fresh database: start the bot and the workers, and time until every feed is polled
(poll throughput), every article has been through classification and event building (pipeline throughput), and
every outbox row is sent (end to end). Samples each process's resident memory (RSS) every 0.5 s and reports
its peak. `--delay` is the feed server's answer time per request: real feeds take 0.1-1 s, and waiting on them
is what several workers overlap. Needs the PostgreSQL server at SITREP_TEST_PG_URL (default 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bot.publishing.policy import target_channels
from bot.storage.db import create_engine, upgrade
from bot.storage.models import Subscription
from tests.conftest import PG_ADMIN_URL, _pg_admin
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
    trained_model,
    utcnow,
)

SUBSCRIPTIONS = {EVENTS_CHANNEL: ["militia_attack", "us_strike"], STRIKES_CHANNEL: ["us_strike"]}


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process so far (from /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


async def run_once(workers: int, feeds: int, delay: float, concurrency: int, model_dir: Path,
                   tmp: Path) -> dict[str, object]:
    name = f"sitrep_bench_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    server, fake = SlowFeedServer(delay_s=delay), FakeDiscord()
    await server.start()
    await fake.start()
    procs: dict[str, asyncio.subprocess.Process] = {}
    try:
        await upgrade(url)
        scenario = serve_feeds(server, feeds, utcnow())
        await seed_store(url, server, scenario, SUBSCRIPTIONS)
        env = service_env(tmp, url, model_dir, SITREP_POLL__MAX_CONCURRENCY=str(concurrency),
                          SITREP_POLL__PER_HOST_CONCURRENCY=str(min(concurrency, 100)))
        procs["bot"] = await start_process("bot", {
            **env, "SITREP_WORKER_ID": "bot", "SITREP_DISCORD_TOKEN": TOKEN,
            "SITREP_DISCORD_API_BASE": fake.rest_base, "SITREP_DISCORD_GATEWAY_URL": fake.gateway_url,
        }, tmp / f"bot-{workers}.log")
        for i in range(workers):
            procs[f"worker{i + 1}"] = await start_process(
                "worker", {**env, "SITREP_WORKER_ID": f"w{i + 1}"}, tmp / f"worker{i + 1}-{workers}.log")
        return await measure(StoreView(create_engine(url)), procs, feeds, len(scenario.urls))
    finally:
        for proc in procs.values():
            await stop_process(proc)
        await server.stop()
        await fake.close()
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def expected_rows(view: StoreView) -> int:
    """(event, channel) pairs the subscriptions ask for: the outbox is complete when it has this many rows."""
    events = await view.events()
    subs = await view.rows(select(Subscription.channel_id, Subscription.kind, Subscription.min_confidence,
                                  Subscription.broken_reason))
    return sum(len(target_channels(subs, e.kind, e.confidence)) for e in events)


async def measure(view: StoreView, procs: dict, feeds: int, articles: int) -> dict[str, object]:
    peak = dict.fromkeys(procs, 0.0)
    cpu = dict.fromkeys(procs, 0.0)
    marks: dict[str, float] = {}
    started = None
    try:
        while time.monotonic() - (started or time.monotonic()) < 600:
            for name, proc in procs.items():
                peak[name] = max(peak[name], rss_mb(proc.pid))
                cpu[name] = max(cpu[name], cpu_s(proc.pid))
            done = await view.feeds_done()
            if started is None and done:
                started = time.monotonic()  # first feed stored: the processes are up and polling
            stored = await view.articles()
            unfinished = await view.unfinished_articles()
            outbox = await view.outbox()
            now = time.monotonic()
            if done == feeds:
                marks.setdefault("polled", now)
            if stored == articles and unfinished == 0:
                marks.setdefault("processed", now)
            if "processed" in marks and outbox and all(r.status == "sent" for r in outbox) \
                    and len(outbox) == await expected_rows(view):
                marks.setdefault("posted", now)
                break
            await asyncio.sleep(0.5)
        events = await view.events()
    finally:
        await view.engine.dispose()
    base = started or time.monotonic()
    return {"marks": {k: round(v - base, 1) for k, v in marks.items()}, "peak_rss_mb": peak,
            "posts": len(outbox), "cpu_s": cpu, "events": events}


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = trained_model(Path(tempfile.gettempdir()) / "sitrep-bench")
        for workers in args.workers:
            result = await run_once(workers, args.feeds, args.delay, args.concurrency, model_dir, Path(tmp))
            marks = result["marks"]
            polled = marks.get("polled")
            rate = f"{args.feeds / polled:.1f} feeds/s" if polled else "n/a"
            print(f"{workers} worker(s) x {args.concurrency} fetches at once, {args.feeds} feeds, "
                  f"{args.delay}s per fetch: {marks} "
                  f"(from the first stored feed; polling {rate}); outbox rows {result['posts']}")
            print(f"  {len(result['events'])} events: " + "; ".join(sorted(e.title for e in result["events"])))
            print("  peak RSS MB: " + ", ".join(f"{k} {v:.0f}" for k, v in result["peak_rss_mb"].items()))
            print("  CPU s (start-up included): " + ", ".join(f"{k} {v:.1f}" for k, v in result["cpu_s"].items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds the feed server takes per answer")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, default=8, help="poll.max_concurrency of each worker")
    asyncio.run(main(parser.parse_args()))
