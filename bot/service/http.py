"""The service's HTTP endpoints: /healthz (liveness and readiness) and /metrics (Prometheus)."""

from __future__ import annotations

import errno
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from bot.app import AppContext, StartupError
from bot.service.metrics import Metrics
from bot.storage.models import OutboxItem


def health_report(ctx: AppContext, now: datetime, *, store_ok: bool, role: str) -> dict[str, object]:
    """Pure: decide health from the facts. Unhealthy when the store is down, the scheduler stopped, Discord is
    disconnected while a token is set, or no poll succeeded for three ticks (plus a grace for slow cycles)."""
    checks: dict[str, object] = {"store": store_ok, "scheduler": bool(ctx.state.get("scheduler_running"))}
    problems = [name for name, ok in checks.items() if not ok]
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
    return {"ok": not problems, "problems": problems, "checks": checks, "role": role}


async def store_reachable(ctx: AppContext) -> bool:
    try:
        async with ctx.sessions() as session:
            await session.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def make_app(ctx: AppContext, metrics: Metrics, role: str, clock: Callable[[], datetime]) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        report = health_report(ctx, clock(), store_ok=await store_reachable(ctx), role=role)
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
