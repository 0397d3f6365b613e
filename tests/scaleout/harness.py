"""Shared by the scale-out test and bench/bench_scaleout.py: a few hundred local feeds, `sitrep run`
subprocesses configured through the environment, and the store queries that check the outcome.

The feed texts are written for this harness: a dozen invented incidents (attacks on bases, US strikes), each
reported by many feeds in different words, plus ordinary news that must not be posted.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import signal
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import create_engine, session_factory
from bot.storage.models import Article, Event, Feed, Meta, OutboxItem, Subscription
from tests.feeds.feed_docs import Item, rss2
from tests.feeds.feed_server import FeedServer, Route

SITREP = str(Path(sys.executable).with_name("sitrep"))

# (kind, place, group, weapon): the incidents the feeds report.
INCIDENTS = [
    ("militia_attack", "Ain al-Asad air base", "the Islamic Resistance in Iraq", "drones"),
    ("militia_attack", "Erbil air base", "Kataib Hezbollah", "rockets"),
    ("militia_attack", "Tower 22 in Jordan", "the Islamic Resistance in Iraq", "a one-way attack drone"),
    ("militia_attack", "the Conoco gas field base in Syria", "Harakat al-Nujaba", "rockets"),
    ("militia_attack", "al-Tanf garrison", "Kataib Sayyid al-Shuhada", "drones"),
    ("militia_attack", "Harir air base", "the Islamic Resistance in Iraq", "rockets"),
    ("us_strike", "al-Qaim", "Kataib Hezbollah", "fighter jets"),
    ("us_strike", "Jurf al-Sakhar", "Kataib Hezbollah", "aircraft"),
    ("us_strike", "Abu Kamal in eastern Syria", "Iran-backed militias", "F-15E jets"),
    ("us_strike", "eastern Baghdad", "Harakat al-Nujaba", "a drone"),
]
ATTACK_WORDING = [
    "{group} claims {weapon} attack on US troops at {place}",
    "US forces at {place} targeted by {weapon}; {group} says it launched the attack",
    "{weapon} fired at {place}, where American troops are based, in attack claimed by {group}",
    "Attack on {place}: {group} targets US-led coalition forces with {weapon}",
]
STRIKE_WORDING = [
    "US military strikes {group} sites near {place} with {weapon}",
    "American {weapon} hit {group} weapons depots in {place}, Pentagon says",
    "Pentagon confirms US retaliatory strikes on {group} facilities near {place}",
    "US forces carry out airstrikes against {group} targets around {place}",
]
OTHER_NEWS = [
    "Parliament in Baghdad postpones the vote on the federal budget again",
    "Oil exports from Basra rise for a third month, ministry figures show",
    "Heavy rain floods streets in Mosul as the season turns",
    "Dockworkers strike over pay at a European container port",
    "Football: Iraq beat Jordan in a friendly ahead of the regional cup",
    "Central bank keeps the dinar exchange rate unchanged",
]


def feed_items(index: int, now: datetime, relevant_every: int = 10) -> list[Item]:
    """Feed `index`'s two items, unique per feed: ordinary news, and on every `relevant_every`-th feed a report
    of one of the incidents instead of the second piece of news (event building is the costly step, so the
    share of reports is kept near what real feeds carry)."""
    items: list[Item] = []
    for n in range(2):
        guid = f"feed{index}-item{n}"
        if n == 1 and index % relevant_every == 0:
            kind, place, group, weapon = INCIDENTS[(index // relevant_every) % len(INCIDENTS)]
            wording = (ATTACK_WORDING if kind == "militia_attack" else STRIKE_WORDING)[index % 4]
            title = wording.format(group=group, place=place, weapon=weapon)
            title = title[0].upper() + title[1:]
            summary = f"{title}. Reporter {index} cites officials speaking on condition of anonymity."
        else:
            title = f"{OTHER_NEWS[(index + n) % len(OTHER_NEWS)]} (desk {index}, item {n})"
            summary = f"Local desk {index} reports on everyday news with no military angle."
        link = f"https://desk{index}.news.example/story/{guid}"
        items.append((guid, title, summary, link, now - timedelta(minutes=5 + n)))
    return items


class SlowFeedServer(FeedServer):
    """The fixture feed server with a fixed delay per response, so a poll cycle takes long enough to interrupt."""

    def __init__(self, delay_s: float = 0.0) -> None:
        super().__init__()
        self.delay_s = delay_s
        self.hit_times: dict[str, list[float]] = {}  # path -> wall-clock times of the requests

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hit_times.setdefault(request.path, []).append(time.time())
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return await super()._handle(request)


@dataclass
class Scenario:
    feeds: int
    now: datetime
    items: dict[str, list[Item]] = field(default_factory=dict)  # path -> items served

    @property
    def urls(self) -> set[str]:
        return {item[3] for items in self.items.values() for item in items}


def serve_feeds(server: FeedServer, count: int, now: datetime) -> Scenario:
    """Put `count` RSS feeds on the server at /feeds/N.xml; returns what each serves."""
    scenario = Scenario(count, now)
    for index in range(count):
        path = f"/feeds/{index}.xml"
        scenario.items[path] = feed_items(index, now)
        server.routes[path] = Route(body=rss2(f"Desk {index}", scenario.items[path]))
    return scenario


async def seed_store(url: str, server: FeedServer, scenario: Scenario, subscriptions: Mapping[int, list[str]]) -> None:
    """Feeds already past their baseline (so new items are postable), due now, hourly; and the subscriptions."""
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            session.add(Meta(key="feeds.catalog_loaded", value=scenario.now.isoformat()))
            for path in scenario.items:
                session.add(Feed(url=server.url(path), name=f"Desk {path}", interval_s=3600, baselined=True,
                                 next_check_at=scenario.now - timedelta(seconds=1), created_at=scenario.now))
            for channel_id, kinds in subscriptions.items():
                for kind in kinds:
                    session.add(Subscription(channel_id=channel_id, kind=kind, min_confidence=0.0,
                                             created_at=scenario.now))
    finally:
        await engine.dispose()


def service_env(tmp: Path, database_url: str, model_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for `sitrep run` against local servers: fast ticks, short leases, loopback allowed."""
    feeds_file = tmp / "no-default-feeds.toml"
    feeds_file.write_text("# the test adds its own feeds\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITREP_")}
    env.update({
        "SITREP_DATABASE_URL": database_url,
        "SITREP_FEEDS_FILE": str(feeds_file),
        "SITREP_MODEL__PATH": str(model_dir),
        "SITREP_POLL__TICK_SECONDS": "1",
        "SITREP_POLL__LEASE_SECONDS": "10",
        "SITREP_POLL__BATCH_SIZE": "10",
        "SITREP_POLL__MAX_CONCURRENCY": "8",
        "SITREP_POLL__PER_HOST_CONCURRENCY": "8",
        "SITREP_POLL__TOTAL_TIMEOUT_S": "20",
        "SITREP_POLL__ALLOW_PRIVATE": '["127.0.0.1"]',
        "SITREP_PUBLISH__BURST_LIMIT": "1000",  # this test counts single posts, not burst digests
        # No jobs at a time of day (a subprocess cannot be given a pinned clock): the outcome must not depend
        # on the hour the suite runs at. The digest and retention are tested with a pinned clock elsewhere.
        "SITREP_PUBLISH__DIGEST_TIME": "",
        "SITREP_SERVICE__RETENTION_CRON": "",
        "SITREP_SERVICE__HTTP_HOST": "127.0.0.1",
        "SITREP_SERVICE__HTTP_PORT": "0",
        "SITREP_SERVICE__LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


async def start_process(role: str, env: Mapping[str, str], log_path: Path) -> asyncio.subprocess.Process:
    """`sitrep run --role ROLE` with its output in `log_path` (read it when a check fails)."""
    log = log_path.open("wb")
    try:
        return await asyncio.create_subprocess_exec(SITREP, "run", "--role", role, env=dict(env),
                                                    stdout=log, stderr=asyncio.subprocess.STDOUT)
    finally:
        log.close()  # the child holds its own descriptor


async def stop_process(proc: asyncio.subprocess.Process, grace_s: float = 15.0) -> tuple[int | None, float]:
    """SIGTERM, then wait; returns (exit code, seconds it took). SIGKILL only if it hangs (the code is then -9)."""
    if proc.returncode is not None:
        return proc.returncode, 0.0
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), grace_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
    return proc.returncode, time.monotonic() - started


async def wait_until(check, limit_s: float, interval: float = 0.25, what: str = "condition") -> object:
    """Await `check()` until it returns something truthy; fail with `what` after `limit_s` seconds."""
    deadline = time.monotonic() + limit_s
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit_s:.0f} s waiting for {what}")
        await asyncio.sleep(interval)


@dataclass
class StoreView:
    """Read-only queries over the store the processes share."""

    engine: AsyncEngine

    async def scalar(self, query):
        async with self.engine.connect() as conn:
            return await conn.scalar(query)

    async def rows(self, query):
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).all())

    async def feeds_done(self) -> int:
        return await self.scalar(select(func.count()).select_from(Feed).where(Feed.last_success_at.is_not(None)))

    async def articles(self) -> int:
        return await self.scalar(select(func.count()).select_from(Article))

    async def unfinished_articles(self) -> int:
        return await self.scalar(select(func.count()).select_from(Article).where(Article.stage != "done"))

    async def events(self) -> list:
        """Events built from feeds; the seed timeline, loaded at every start-up and never posted, is left out."""
        return await self.rows(select(Event.id, Event.kind, Event.title, Event.confidence)
                               .where(Event.origin == "feed"))

    async def outbox(self) -> list:
        return await self.rows(select(OutboxItem.event_id, OutboxItem.channel_id, OutboxItem.status,
                                      OutboxItem.message_id))

    async def leases(self, owner: str, now: datetime) -> dict[int, datetime]:
        rows = await self.rows(select(Feed.id, Feed.lease_expires_at).where(
            Feed.lease_owner == owner, Feed.lease_expires_at > now))
        return dict(rows)


def utcnow() -> datetime:
    return datetime.now(UTC)


def trained_model(cache_root: Path) -> Path:
    """Train the project's model once (no C tuning: one fit, ~20 s) and share it between test processes.

    The directory name carries the corpus hash and scikit-learn version, so a changed corpus or library trains
    anew; a file lock keeps parallel test workers from training the same model twice.
    """
    import sklearn

    from classifiers.corpus import DEFAULT_CORPUS_DIR
    from classifiers.training import train

    digest = hashlib.sha256()
    for path in sorted(Path(DEFAULT_CORPUS_DIR).glob("*.jsonl")):
        digest.update(path.read_bytes())
    target = cache_root / f"sitrep-model-{digest.hexdigest()[:12]}-sk{sklearn.__version__}"
    cache_root.mkdir(parents=True, exist_ok=True)
    with (cache_root / "sitrep-model.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "metadata.json").exists():
            train(DEFAULT_CORPUS_DIR, target, tune=False)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def healthy(port: int) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False
