"""The jobs of a running sitrep, and `serve()`, which schedules them until SIGTERM/SIGINT.

Roles: `worker` polls, classifies and builds events; `bot` holds the Discord connection (or the console) and
drains the outbox; `all` does both in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import AppContext, open_context
from bot.classify_step import classify_pending
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import FeedOutcome, Poller
from bot.intel.events import EventUpdate, build_events
from bot.intel.posts import load_post
from bot.publishing.console import ConsolePoster
from bot.publishing.outbox import DrainReport, Publisher, enqueue
from bot.publishing.poster import Poster
from bot.service.errors import ServiceFailed
from bot.service.http import mark_store, start_http
from bot.service.metrics import Metrics
from bot.service.migrate import release_leases, upgrade_once
from bot.service.recovery import enqueue_orphans, rearm_missed_edits
from bot.service.upkeep import reload_changed_model, retention, retrain
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.storage.models import Article
    from classifiers.model import Prediction

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def poll_succeeded(outcomes: list[FeedOutcome]) -> bool:
    """A cycle succeeded when no feed was due or at least one answered; all failing is an outage (network, DNS)."""
    return not outcomes or any(o.status not in ("error", "disabled") for o in outcomes)


def log_poll_cycle(outcomes: list[FeedOutcome]) -> None:
    """One line per cycle that did anything, and one per failing feed: what an operator tails the log for."""
    if not outcomes:
        return
    for o in outcomes:
        if o.status == "disabled":
            log.warning("feed %s disabled after repeated failures: %s", o.name, o.error)
        elif o.status == "error":
            log.warning("feed %s failed (retried with backoff): %s", o.name, o.error)
    by_status = Counter(o.status for o in outcomes)
    log.info("polled %d feed(s): %d new article(s), %d baseline, %d duplicate(s); %d unchanged, %d error(s)",
             len(outcomes), sum(o.new for o in outcomes), sum(o.baseline for o in outcomes),
             sum(o.duplicates for o in outcomes), by_status["unchanged"],
             by_status["error"] + by_status["disabled"])


class Runtime:
    """The pipeline's steps as jobs. Each is safe to rerun after a crash: state lives in the store."""

    def __init__(
        self,
        ctx: AppContext,
        poster: Poster | None,
        metrics: Metrics,
        *,
        role: str = "all",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        assert ctx.http is not None
        settings = ctx.settings
        self.ctx = ctx
        self.clock = clock or ctx.clock
        self.metrics = metrics
        fetcher = Fetcher(ctx.http, settings.poll)
        self.poller = Poller(ctx.sessions, fetcher, settings.poll, settings.worker_id, self.clock)
        self.poster = poster
        self.publisher = Publisher(ctx.sessions, poster, settings.publish, load_post=load_post) if poster else None
        self.console_channel = console_channel(settings, role)
        self._running: set[asyncio.Task[object]] = set()

    async def ingest(self) -> list[FeedOutcome]:
        """Poll due feeds, then classify and build events from what arrived."""
        started = time.perf_counter()
        outcomes = await self.poller.poll()
        self.metrics.record_poll(outcomes, time.perf_counter() - started)
        if poll_succeeded(outcomes):  # /healthz reports the age of the last poll that reached any feed
            self.ctx.state["last_poll_at"] = self.clock()
        if any(o.status not in ("error", "disabled") for o in outcomes):  # a feed answered: the network works
            self.ctx.state["last_feed_success_at"] = self.clock()
        self.ctx.state["last_poll_outcomes"] = outcomes
        log_poll_cycle(outcomes)
        updates = await self.process()
        if updates and self.publisher is not None:
            # In one process (role all) post at once instead of waiting for the next drain tick: this is
            # most of the poll-to-post latency. Concurrent drains are safe: each claims its rows.
            await self.drain()
        return outcomes

    async def process(self) -> list[EventUpdate]:
        assert self.ctx.classifier is not None
        settings = self.ctx.settings
        # In console mode (no token) each new article is printed as it is classified, before any event.
        console = self.console_channel is not None and isinstance(self.poster, ConsolePoster)
        print_article = self._print_article if console else None
        labels = await classify_pending(self.ctx.sessions, self.ctx.classifier, self.clock(),
                                        settings.model.batch_size, on_classified=print_article)
        for label, count in labels.items():
            self.metrics.classifications.labels(label).inc(count)
        updates = await build_events(self.ctx.sessions, self.ctx.gazetteer, settings.events, self.clock())
        for update in updates:
            self.metrics.events.labels("created" if update.created else "updated").inc()
        if updates:
            async with self.ctx.sessions.begin() as session:
                # EventUpdate is frozen; the outbox's protocol only reads the fields.
                await enqueue(session, updates, self.clock(),  # type: ignore[arg-type]
                              console_channel=self.console_channel)
        # Events a killed worker built but never enqueued (see bot/service/recovery.py).
        window = timedelta(hours=settings.poll.max_article_age_hours)
        recovered = await enqueue_orphans(self.ctx.sessions, self.clock(), window, self.console_channel)
        if recovered:
            log.warning("enqueued %d outbox row(s) for events that had none (a worker stopped mid-step)", recovered)
        rearmed = await rearm_missed_edits(self.ctx.sessions, self.clock(), window)
        if rearmed:
            log.warning("re-armed %d sent post(s) whose event changed unseen (a worker stopped mid-step)", rearmed)
        return updates

    def _print_article(self, article: Article, prediction: Prediction) -> None:
        assert isinstance(self.poster, ConsolePoster)
        self.poster.article(prediction.label, prediction.confidence, article.source, article.title)

    async def drain(self) -> DrainReport:
        if self.publisher is None:
            return DrainReport()
        report = await self.publisher.drain(self.clock())
        self.metrics.posts.labels("sent").inc(report.sent + report.digests)
        self.metrics.posts.labels("edited").inc(report.edited)
        return report

    async def digest(self) -> bool:
        """Post today's digest once its time (`publish.digest_time`, UTC) has passed. Checked every minute, so a
        process that was down at that time still posts it when it is back the same day; True when posted."""
        if self.poster is None or not self.ctx.settings.publish.digest_time:
            return False
        from bot.publishing.digest import digest_due, last_digest_day, post_daily_digest
        from bot.storage.subscriptions import list_subscriptions

        now = self.clock()
        async with self.ctx.sessions() as session:
            if not digest_due(now, self.ctx.settings.publish.digest_time, await last_digest_day(session)):
                return False
        if self.console_channel is not None:
            channels = [self.console_channel]
        else:  # every channel with a working subscription gets the digest once
            async with self.ctx.sessions() as session:
                subs = await list_subscriptions(session)
            channels = sorted({s.channel_id for s in subs if s.broken_reason is None})
        return await post_daily_digest(self.ctx.sessions, self.poster, channels, now)

    def tracked(self, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[object]]:
        """Wrap a job so shutdown can wait for it to finish instead of cutting it off mid-write."""

        async def run() -> object:
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                return await job()
            except Exception:
                log.exception("job %s failed; it runs again at its next tick", getattr(job, "__name__", job))
                return None
            finally:
                self._running.discard(task)

        run.__name__ = getattr(job, "__name__", "job")
        return run

    async def finish(self, timeout_s: float) -> None:
        """Wait for jobs in flight, then cancel what is left (the store keeps it for the next start)."""
        self.poller.stopping = True
        if not self._running:
            return
        _done, pending = await asyncio.wait(self._running, timeout=timeout_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("cancelled %d job(s) still running after %.0f s", len(pending), timeout_s)
            await asyncio.wait(pending, timeout=0.5)


def console_channel(settings: Settings, role: str) -> int | None:
    """Pure: where no-token mode sends every event. Only an `all` process without a token uses the console: a
    split deployment (worker + bot processes) posts to Discord subscriptions, and its workers hold no token."""
    if role == "all" and settings.discord_token is None:
        return settings.publish.console_channel_id
    return None


def build_scheduler(runtime: Runtime, role: str) -> AsyncIOScheduler:
    settings = runtime.ctx.settings
    scheduler = AsyncIOScheduler(timezone=UTC)
    # One instance per job at a time; a tick missed while the previous one ran is merged, not queued.
    options: dict[str, object] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    now = runtime.clock()
    if role in ("all", "worker"):
        scheduler.add_job(runtime.tracked(runtime.ingest), IntervalTrigger(seconds=settings.poll.tick_seconds),
                          id="ingest", next_run_time=now, **options)
        if settings.service.retention_cron:
            scheduler.add_job(runtime.tracked(lambda: retention(runtime.ctx, runtime.clock())),
                              CronTrigger.from_crontab(settings.service.retention_cron, timezone=UTC),
                              id="retention", **options)
    scheduler.add_job(runtime.tracked(lambda: reload_changed_model(runtime.ctx)), IntervalTrigger(seconds=60),
                      id="model-reload", **options)
    if role in ("all", "bot"):
        # Retraining belongs to the one bot process of a split deployment (workers may be many); the others
        # pick the new model up from the shared model folder through the model-reload job.
        if settings.service.retrain_cron:
            scheduler.add_job(runtime.tracked(lambda: retrain(runtime.ctx, runtime.clock())),
                              CronTrigger.from_crontab(settings.service.retrain_cron, timezone=UTC),
                              id="retrain", **options)
        scheduler.add_job(runtime.tracked(runtime.drain), IntervalTrigger(seconds=2), id="drain",
                          next_run_time=now, **options)
        if settings.publish.digest_time:
            scheduler.add_job(runtime.tracked(runtime.digest), IntervalTrigger(seconds=60), id="digest",
                              next_run_time=now, **options)
    return scheduler


async def serve(
    settings: Settings, *, role: str | None = None, stop: asyncio.Event | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set): the composition root of `sitrep run`. `clock` is the time
    every job, the health check and the Discord client decide by (tests pin it)."""
    role = role or settings.service.role
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    metrics = Metrics()
    await wait_for_database(settings)
    # Several processes may start together on a fresh PostgreSQL database: one migrates, the others wait.
    await upgrade_once(settings.database_url)
    async with open_context(settings, clock=clock, create=True) as ctx, AsyncExitStack() as stack:
        ctx.state["started_at"] = clock()
        await mark_store(ctx)
        fatal: list[str] = []

        def gateway_lost(reason: str) -> None:
            fatal.append(reason)
            stop.set()

        poster = (await stack.enter_async_context(connect_poster(ctx, gateway_lost))
                  if role in ("all", "bot") else None)
        runtime = Runtime(ctx, poster, metrics, role=role)
        if settings.service.http_port:
            stack.push_async_callback(await start_http(ctx, metrics, role, clock))
        scheduler = build_scheduler(runtime, role)
        scheduler.start()
        ctx.state["scheduler_running"] = True
        log.info("sitrep running: role=%s, worker=%s, %s", role, settings.worker_id,
                 "Discord" if settings.discord_token else "console output")
        try:
            await stop.wait()
        finally:
            log.info("stopping: waiting up to %.0f s for jobs in flight", settings.service.shutdown_timeout_s)
            # Pause first: no new runs start, and the running ones go on. shutdown() would cancel them at once
            # (APScheduler's asyncio executor cancels its pending futures), losing fetches already in flight.
            scheduler.pause()
            ctx.state["scheduler_running"] = False
            await runtime.finish(settings.service.shutdown_timeout_s)
            scheduler.shutdown(wait=False)
            if role in ("all", "worker"):
                with contextlib.suppress(Exception):  # the store may be what failed; leases then just expire
                    await release_leases(ctx.sessions, settings.worker_id)
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
    log.info("stopped")
    if fatal:
        raise ServiceFailed(fatal[0])


async def wait_for_database(settings: Settings) -> None:
    """A PostgreSQL server may still be starting (compose's `service_healthy` is ignored by some versions):
    wait for it instead of failing with a traceback. A SQLite file needs no wait."""
    from sqlalchemy.engine import make_url

    from bot.service.wait import wait_until_ready
    from bot.storage.db import current_revision, is_sqlite

    url = settings.database_url
    if is_sqlite(url):
        return
    shown = make_url(url).render_as_string(hide_password=True)
    await wait_until_ready(f"the database at {shown}", lambda: current_revision(url), settings.service.startup_wait_s,
                           "check database_url (SITREP_DATABASE_URL) and that the server is up, or wait longer "
                           "with service.startup_wait_s (SITREP_SERVICE__STARTUP_WAIT_S)")


@asynccontextmanager
async def connect_poster(ctx: AppContext, on_fatal: Callable[[str], None] | None = None) -> AsyncIterator[Poster]:
    """The console without a token; with one, a connected Discord client (closed on the way out).

    The gateway task is supervised: when it ends by itself (a fatal close such as a bad token), `on_fatal` gets
    the one-line reason so the service stops and exits non-zero, and a restart policy can act on it."""
    token = ctx.settings.discord_token
    if token is None:
        yield ConsolePoster()
        return
    from bot.discord.client import SitrepBot, login_discord
    from bot.discord.endpoint import discord_endpoints

    with discord_endpoints(ctx.settings.discord_api_base, ctx.settings.discord_gateway_url) as changed:
        if changed:
            log.info("Discord endpoints: %s", changed)
        client = SitrepBot(ctx, clock=ctx.clock)
        await login_discord(client, token.get_secret_value(), ctx.settings)
        connection = asyncio.create_task(client.hold_gateway(), name="discord-gateway")
        connection.add_done_callback(lambda task: gateway_ended(task, ctx, on_fatal))
        try:
            yield client.poster
        finally:
            ctx.state["discord_connected"] = False
            await client.close()
            # close() ends the gateway loop; the wait only bounds a connection stuck in a handshake.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(connection, 1)


def gateway_ended(task: asyncio.Task[None], ctx: AppContext, on_fatal: Callable[[str], None] | None) -> None:
    """Done-callback of the gateway task: a task that failed means the bot is dead while the process lives."""
    if task.cancelled() or task.exception() is None:
        return
    reason = str(task.exception())
    ctx.state["discord_connected"] = False
    ctx.state["discord_fatal"] = reason
    log.error("%s; stopping", reason)
    if on_fatal is not None:
        on_fatal(reason)
