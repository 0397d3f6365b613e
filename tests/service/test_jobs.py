"""The scheduler's jobs per role, and the daily digest that is posted late rather than never."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime, timedelta

from bot.app import AppContext, open_context
from bot.publishing.console import ConsolePoster
from bot.service.metrics import Metrics
from bot.service.runtime import Runtime, build_scheduler
from bot.service.upkeep import reload_changed_model
from bot.settings import load_settings
from bot.storage.db import create_engine, session_factory
from bot.storage.models import Event
from bot.storage.outbox import add_rows
from classifiers.model import Classifier
from tests.clock import Clock

BEFORE_DIGEST = datetime(2024, 2, 1, 17, 30, tzinfo=UTC)  # the default digest_time is 18:00 UTC


def jobs(runtime: Runtime, role: str) -> set[str]:
    return {job.id for job in build_scheduler(runtime, role).get_jobs()}


async def test_each_role_schedules_only_its_own_jobs(sqlite_url):
    settings = load_settings(database_url=sqlite_url)
    async with open_context(settings, pipeline=False) as ctx:
        runtime = Runtime(ctx, None, Metrics())
        assert jobs(runtime, "all") == {"ingest", "retention", "drain", "digest", "model-reload"}
        assert jobs(runtime, "worker") == {"ingest", "retention", "model-reload"}
        assert jobs(runtime, "bot") == {"drain", "digest", "model-reload"}
    settings = load_settings(database_url=sqlite_url, service={"retrain_cron": "0 4 * * 0"})
    async with open_context(settings, pipeline=False) as ctx:
        runtime = Runtime(ctx, None, Metrics())
        assert "retrain" in jobs(runtime, "bot") and "retrain" in jobs(runtime, "all")
        assert "retrain" not in jobs(runtime, "worker")  # workers may be many; the bot process is one
    settings = load_settings(database_url=sqlite_url, service={"retention_cron": ""}, publish={"digest_time": ""})
    async with open_context(settings, pipeline=False) as ctx:
        assert jobs(Runtime(ctx, None, Metrics()), "all") == {"ingest", "drain", "model-reload"}


async def report_to_console(ctx: AppContext, at: datetime) -> None:
    """One event given to the console channel: without any, there is nothing a digest could sum up."""
    async with ctx.sessions() as session:
        event = Event(kind="us_strike", occurred_at=at, first_seen_at=at, updated_at=at, title="US strike",
                      summary="", confidence=0.9, revision=1, origin="feed", casualties={}, groups=[], places=[],
                      weapons=[])
        session.add(event)
        await session.flush()
        await add_rows(session, event.id, [ctx.settings.publish.console_channel_id], at)
        await session.commit()


async def test_the_daily_digest_is_posted_once_a_day_even_when_its_minute_was_missed(sqlite_url):
    settings = load_settings(database_url=sqlite_url)
    out = io.StringIO()
    clock = Clock(BEFORE_DIGEST)
    async with open_context(settings, pipeline=False) as ctx:
        runtime = Runtime(ctx, ConsolePoster(out), Metrics(), clock=clock)
        await report_to_console(ctx, BEFORE_DIGEST - timedelta(hours=1))
        assert not await runtime.digest()  # before 18:00
        clock.advance(hours=2, minutes=35)  # the process was down at 18:00 and is back at 20:05
        assert await runtime.digest()
        assert "Daily digest 2024-02-01" in out.getvalue()
        clock.advance(minutes=1)
        assert not await runtime.digest()  # once a day
        clock.now = BEFORE_DIGEST + timedelta(days=1, minutes=31)
        assert await runtime.digest()
    assert out.getvalue().count("Daily digest") == 2


async def test_a_model_replaced_by_another_process_is_picked_up_and_a_bad_one_refused(
        sqlite_url, tmp_path, shared_model_dir):
    model_dir = tmp_path / "model"
    shutil.copytree(shared_model_dir, model_dir)
    settings = load_settings(database_url=sqlite_url, model={"path": model_dir})
    engine = create_engine(sqlite_url)
    ctx = AppContext(settings=settings, engine=engine, sessions=session_factory(engine),
                     classifier=Classifier.load(model_dir))
    original = ctx.classifier.version
    try:
        assert not await reload_changed_model(ctx)  # unchanged: nothing to do
        meta_path = model_dir / "metadata.json"
        meta = json.loads(meta_path.read_text())
        meta["version"] = "retrained-elsewhere"  # what a retrain on another worker leaves in the shared folder
        meta_path.write_text(json.dumps(meta))
        assert await reload_changed_model(ctx)
        assert ctx.classifier.version == "retrained-elsewhere"
        assert ctx.classifier.predict(["Rockets hit Ain al-Asad air base"])[0].label == "militia_attack"

        (model_dir / "model.skops").write_bytes(b"half-written")  # a tampered or torn file is never loaded
        meta["version"] = "broken"
        meta_path.write_text(json.dumps(meta))
        assert not await reload_changed_model(ctx)
        assert ctx.classifier.version == "retrained-elsewhere" != original
    finally:
        await engine.dispose()
