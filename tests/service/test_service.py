"""Service edges: health decisions, the HTTP endpoints on a real socket, logs that never show the token."""

from __future__ import annotations

import io
import json
import logging
import shutil
from datetime import UTC, datetime, timedelta

import aiohttp
from pydantic import SecretStr

from bot.app import AppContext
from bot.service.http import health_report, mark_store, read_store_id, start_http
from bot.service.logs import configure_logging
from bot.service.metrics import Metrics
from bot.settings import ServiceSettings, Settings, load_settings
from bot.storage.db import create_engine, session_factory, upgrade

NOW = datetime(2024, 2, 1, 12, tzinfo=UTC)


def context(db_url: str, **overrides) -> AppContext:
    settings = load_settings(database_url=db_url, **overrides)
    engine = create_engine(db_url)
    return AppContext(settings=settings, engine=engine, sessions=session_factory(engine))


async def test_health_needs_store_scheduler_recent_poll_and_discord(sqlite_url):
    ctx = context(sqlite_url)
    ctx.state.update(
        scheduler_running=True, started_at=NOW - timedelta(hours=1), last_poll_at=NOW - timedelta(seconds=20)
    )
    assert health_report(ctx, NOW, store_ok=True, role="all")["ok"]
    assert health_report(ctx, NOW, store_ok=False, role="all")["problems"] == ["store"]
    ctx.state["last_poll_at"] = NOW - timedelta(hours=1)
    assert health_report(ctx, NOW, store_ok=True, role="all")["problems"] == ["poll"]
    assert health_report(ctx, NOW, store_ok=True, role="bot")["ok"]  # a bot process does not poll
    ctx.settings.discord_token = SecretStr("x" * 30)
    assert "discord" in health_report(ctx, NOW, store_ok=True, role="bot")["problems"]
    ctx.state["discord_connected"] = True
    assert health_report(ctx, NOW, store_ok=True, role="bot")["ok"]
    ctx.state["scheduler_running"] = False
    assert health_report(ctx, NOW, store_ok=True, role="bot")["problems"] == ["scheduler"]
    await ctx.engine.dispose()


async def test_endpoints_serve_health_and_prometheus_metrics(sqlite_url, unused_tcp_port):
    ctx = context(sqlite_url, service={"http_port": unused_tcp_port, "http_host": "127.0.0.1"})
    ctx.state.update(scheduler_running=True, last_poll_at=NOW)
    metrics = Metrics()
    metrics.classifications.labels("us_strike").inc(3)
    stop = await start_http(ctx, metrics, "all", lambda: NOW + timedelta(seconds=5))
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{unused_tcp_port}/healthz") as response:
                body = json.loads(await response.text())
                assert response.status == 200 and body["ok"] and body["checks"]["store"]
            async with http.get(f"http://127.0.0.1:{unused_tcp_port}/metrics") as response:
                text = await response.text()
        assert 'sitrep_classifications_total{label="us_strike"} 3.0' in text
        assert "sitrep_outbox_depth 0.0" in text
        ctx.state["scheduler_running"] = False
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{unused_tcp_port}/healthz") as r:
            assert r.status == 503
    finally:
        await stop()
        await ctx.engine.dispose()


def test_token_never_reaches_the_logs():
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.secret-token-value-0123456789"
    for fmt in ("text", "json"):
        stream = io.StringIO()
        configure_logging(ServiceSettings(log_format=fmt), secrets=[token], stream=stream)
        log = logging.getLogger("sitrep.test")
        log.warning("login with %s failed", token)
        try:
            raise RuntimeError(f"bad token {token}")
        except RuntimeError:
            log.exception("gateway error")
        output = stream.getvalue()
        assert token not in output and output.count("[redacted]") >= 2, output
    logging.getLogger().handlers.clear()


def test_settings_repr_and_errors_hide_the_token(tmp_path, monkeypatch):
    secret_file = tmp_path / "token"
    secret_file.write_text("file-token-abcdefghijklmnop\n")
    monkeypatch.setenv("SITREP_DISCORD_TOKEN_FILE", str(secret_file))
    settings = Settings()
    assert settings.discord_token.get_secret_value() == "file-token-abcdefghijklmnop"
    assert "file-token" not in repr(settings) and "file-token" not in str(settings.model_dump())


def test_each_poll_cycle_logs_a_summary_and_every_failing_feed(caplog):
    from bot.feeds.poller import FeedOutcome
    from bot.service.runtime import log_poll_cycle

    outcomes = [
        FeedOutcome(1, "Wire", "new", new=2, baseline=1, duplicates=27),
        FeedOutcome(2, "Regional", "unchanged"),
        FeedOutcome(3, "Broken", "error", error="HTTP 500 Internal Server Error"),
        FeedOutcome(4, "Gone", "disabled", error="HTTP 404 Not Found"),
    ]
    with caplog.at_level(logging.INFO, logger="bot.service.runtime"):
        log_poll_cycle(outcomes)
        log_poll_cycle([])  # an idle tick says nothing
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines == [
        ("WARNING", "feed Broken failed (retried with backoff): HTTP 500 Internal Server Error"),
        ("WARNING", "feed Gone disabled after repeated failures: HTTP 404 Not Found"),
        ("INFO", "polled 4 feed(s): 2 new article(s), 1 baseline, 27 duplicate(s); 1 unchanged, 2 error(s)"),
    ]


def test_a_cycle_where_every_feed_failed_is_not_a_successful_poll():
    from bot.feeds.poller import FeedOutcome
    from bot.service.runtime import poll_succeeded

    down = [FeedOutcome(1, "Wire", "error", error="cannot connect"), FeedOutcome(2, "Gone", "disabled", error="x")]
    assert not poll_succeeded(down)  # a network outage: /healthz goes unhealthy once the age passes its limit
    assert poll_succeeded([*down, FeedOutcome(3, "Regional", "unchanged")])
    assert poll_succeeded([])  # nothing was due: the scheduler is fine


async def test_health_is_degraded_with_a_reason_when_no_feed_answered_for_the_configured_time(sqlite_url):
    ctx = context(sqlite_url, service={"max_feed_silence_s": 600})
    ctx.state.update(scheduler_running=True, started_at=NOW - timedelta(hours=2), last_poll_at=NOW)
    report = health_report(ctx, NOW, store_ok=True, role="worker")
    assert report["problems"] == ["feeds"] and report["status"] == "degraded"  # every feed failing since start
    assert "no feed answered for 600 s (service.max_feed_silence_s)" in report["reasons"]["feeds"]
    ctx.state["last_feed_success_at"] = NOW - timedelta(seconds=599)
    assert health_report(ctx, NOW, store_ok=True, role="worker")["ok"]
    assert health_report(ctx, NOW + timedelta(seconds=2), store_ok=True, role="worker")["problems"] == ["feeds"]
    assert health_report(ctx, NOW + timedelta(hours=5), store_ok=True, role="bot")["ok"]  # a bot polls nothing
    await ctx.engine.dispose()


async def test_health_is_degraded_when_the_data_folder_was_deleted_under_the_process(tmp_path, unused_tcp_port):
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite+aiosqlite:///{data / 'sitrep.db'}"
    await upgrade(url)
    ctx = context(url, service={"http_port": unused_tcp_port, "http_host": "127.0.0.1"})
    ctx.state.update(scheduler_running=True, last_poll_at=NOW, last_feed_success_at=NOW)
    first = await mark_store(ctx)
    stop = await start_http(ctx, Metrics(), "all", lambda: NOW)
    health = f"http://127.0.0.1:{unused_tcp_port}/healthz"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(health) as response:
                assert response.status == 200
            shutil.rmtree(data)  # the pool's open connections still write into the deleted file
            async with http.get(health) as response:
                body = json.loads(await response.text())
            assert response.status == 503 and body["problems"] == ["store_replaced"]
            assert "data folder deleted or replaced" in body["reasons"]["store_replaced"]
    finally:
        await stop()
        await ctx.engine.dispose()
    assert len(first) == 32


async def test_the_store_id_is_kept_across_restarts(sqlite_url):
    ctx = context(sqlite_url)
    first = await mark_store(ctx)
    assert await mark_store(ctx) == first == await read_store_id(ctx)
    await ctx.engine.dispose()


def test_commands_do_not_create_a_database_where_the_data_folder_is_missing(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("SITREP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'sitrep.db'}")
    for command in (["feeds", "list"], ["timeline"], ["poll", "--once", "--fetch-only"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert f"the database folder {tmp_path / 'gone'} does not exist" in result.output
    assert not (tmp_path / "gone").exists()
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0  # the explicit first start creates it
    assert CliRunner().invoke(app, ["feeds", "list"]).exit_code == 0
