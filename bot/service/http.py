"""The service's HTTP endpoints: /healthz (liveness and readiness) and /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from bot.app import AppContext, StartupError
from bot.service.metrics import Metrics
from bot.storage.models import Meta, OutboxItem

STORE_ID_KEY = "store.id"


def health_report(
    ctx: AppContext, now: datetime, *, store_ok: bool, role: str, store_same: bool = True
) -> dict[str, object]:
    """Pure: decide health from the facts. Degraded when the store is down or is not the one this process started
    with, the scheduler stopped, Discord is disconnected while a token is set, no poll cycle ran for three ticks
    (plus a grace for slow cycles), or no feed answered for `service.max_feed_silence_s`."""
    checks: dict[str, object] = {"store": store_ok, "scheduler": bool(ctx.state.get("scheduler_running"))}
    problems = [name for name, ok in checks.items() if not ok]
    reasons: dict[str, str] = {}
    if store_ok and not store_same:
        checks["store_same"] = False
        problems.append("store_replaced")
        reasons["store_replaced"] = ("the store is not the one this process started with (data folder deleted or "
                                     "replaced?): what it writes now may be lost; restart it")
    if role in ("all", "bot") and ctx.settings.discord_token is not None:
        checks["discord"] = bool(ctx.state.get("discord_connected"))
        if not checks["discord"]:
            problems.append("discord")
    if role in ("all", "worker"):
        last = ctx.state.get("last_poll_at")
        started = ctx.state.get("started_at", now)
        limit = timedelta(seconds=3 * ctx.settings.poll.tick_seconds + ctx.settings.poll.total_timeout_s + 60)
        age = (now - last).total_seconds() if isinstance(last, datetime) else None
        checks["last_poll_age_s"] = round(age, 1) if age is not None else None
        if (age is None and now - started > limit) or (age is not None and age > limit.total_seconds()):
            problems.append("poll")
            reasons["poll"] = f"no poll cycle finished for {limit.total_seconds():.0f} s"
        silence = timedelta(seconds=ctx.settings.service.max_feed_silence_s)
        answered = ctx.state.get("last_feed_success_at")
        since = answered if isinstance(answered, datetime) else started
        if now - since > silence:
            problems.append("feeds")
            reasons["feeds"] = (f"no feed answered for {silence.total_seconds():.0f} s "
                                "(service.max_feed_silence_s); see the log for each feed's error")
    return {"ok": not problems, "status": "degraded" if problems else "ok", "problems": problems,
            "reasons": reasons, "checks": checks, "role": role}


async def read_store_id(ctx: AppContext) -> str | None:
    """The id written into the store at start-up, read through a new connection: for SQLite, the file now at
    the configured path (the pooled connections keep a deleted file open and would still see the old one)."""
    from bot.storage.db import is_sqlite

    url = ctx.settings.database_url
    if is_sqlite(url):
        from sqlalchemy.engine import make_url

        path = make_url(url).database or ""
        return await asyncio.to_thread(_sqlite_store_id, path)
    async with ctx.sessions() as session:
        meta = await session.get(Meta, STORE_ID_KEY)
        return meta.value if meta else None


def _sqlite_store_id(path: str) -> str | None:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (STORE_ID_KEY,)).fetchone()
    except sqlite3.Error:  # no file there any more, or not our schema
        return None
    return str(row[0]) if row else None


async def mark_store(ctx: AppContext) -> str:
    """Give the store an id (once; kept across restarts) and remember it, so /healthz notices a different one."""
    async with ctx.sessions.begin() as session:
        meta = await session.get(Meta, STORE_ID_KEY)
        if meta is None:
            meta = Meta(key=STORE_ID_KEY, value=uuid.uuid4().hex)
            session.add(meta)
        store_id = meta.value
    ctx.state["store_id"] = store_id
    return store_id


async def store_reachable(ctx: AppContext) -> bool:
    try:
        async with ctx.sessions() as session:
            await session.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def make_app(ctx: AppContext, metrics: Metrics, role: str, clock: Callable[[], datetime]) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        store_ok = await store_reachable(ctx)
        expected = ctx.state.get("store_id")
        same = not store_ok or expected is None or await read_store_id(ctx) == expected
        report = health_report(ctx, clock(), store_ok=store_ok, role=role, store_same=same)
        return web.Response(status=200 if report["ok"] else 503, text=json.dumps(report),
                            content_type="application/json")

    async def metrics_view(_request: web.Request) -> web.Response:
        async with ctx.sessions() as session:
            depth = await session.scalar(select(func.count(OutboxItem.id)).where(OutboxItem.status == "pending"))
        metrics.outbox_depth.set(depth or 0)
        return web.Response(body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    return app


async def start_http(
    ctx: AppContext, metrics: Metrics, role: str, clock: Callable[[], datetime]
) -> Callable[[], Awaitable[None]]:
    """Start the endpoint server; returns the coroutine function that stops it."""
    runner = web.AppRunner(make_app(ctx, metrics, role, clock), access_log=None)
    await runner.setup()
    host, port = ctx.settings.service.http_host, ctx.settings.service.http_port
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        reason = "already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise StartupError(f"cannot listen on {host}:{port} for /healthz and /metrics: {reason}; set "
                           "service.http_port (SITREP_SERVICE__HTTP_PORT) to a free port, or 0 to turn the "
                           "server off") from None
    sockets = site._server.sockets if site._server else []  # type: ignore[attr-defined]
    if sockets:
        ctx.state["http_port"] = sockets[0].getsockname()[1]
    return runner.cleanup
