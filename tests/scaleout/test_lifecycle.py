"""Service lifecycle pieces: concurrent start-up migrations, lease hand-back, the retrain decision, the Discord
endpoint override, and which process posts to the console."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import discord
import pytest
import yarl
from sqlalchemy import select, text

from bot.discord.endpoint import EndpointError, discord_endpoints, use_discord_endpoints
from bot.service.migrate import release_leases, upgrade_once
from bot.service.retrain import Score, keep_candidate, swap_in
from bot.service.runtime import console_channel
from bot.settings import load_settings
from bot.storage.db import create_engine, session_factory
from bot.storage.models import Feed
from tests.conftest import PG_ADMIN_URL, _pg_admin, _pg_reachable
from tests.scaleout.harness import utcnow


@pytest.mark.postgres
async def test_processes_starting_together_on_an_empty_database_migrate_once():
    if reason := _pg_reachable():
        pytest.skip(reason)
    name = f"sitrep_test_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        await asyncio.gather(*(upgrade_once(url) for _ in range(4)))
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
                assert len(versions) == 1
                assert await conn.scalar(text("SELECT count(*) FROM feeds")) == 0
        finally:
            await engine.dispose()
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_release_leases_hands_back_only_this_workers_feeds(db_url):
    now = utcnow()
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as session:
            for i, owner in enumerate(["me", "me", "other", None]):
                session.add(Feed(url=f"http://127.0.0.1:1/{i}.xml", name=f"f{i}", interval_s=600, next_check_at=now,
                                 created_at=now, lease_owner=owner,
                                 lease_expires_at=now + timedelta(minutes=5) if owner else None))
        assert await release_leases(sessions, "me") == 2
        async with sessions() as session:
            owners = sorted((o or "-") for o in (await session.scalars(select(Feed.lease_owner))).all())
        assert owners == ["-", "-", "-", "other"]
    finally:
        await engine.dispose()


def test_retrain_keeps_a_candidate_only_when_not_worse():
    old = Score("v1", cv_macro_f1=0.90, corrections_agree=0.50)
    assert keep_candidate(None, Score("v2", None, None))[0]
    assert keep_candidate(old, Score("v2", 0.90, 0.75))[0]
    assert keep_candidate(old, Score("v2", 0.91, 0.50))[0]
    worse_cv = keep_candidate(old, Score("v2", 0.89, 1.0))
    assert not worse_cv[0] and "cv_macro_f1" in worse_cv[1]
    assert not keep_candidate(old, Score("v2", 0.95, 0.25))[0]
    # A measure only one side has (an untuned model has no CV score) does not decide.
    assert keep_candidate(Score("v1", None, 0.5), Score("v2", 0.9, 0.5))[0]


def test_swap_in_keeps_the_previous_model_for_rollback(tmp_path):
    model, candidate = tmp_path / "model", tmp_path / "model.candidate"
    for folder, content in ((model, "old"), (candidate, "new")):
        folder.mkdir()
        (folder / "metadata.json").write_text(content)
    swap_in(candidate, model)
    assert (model / "metadata.json").read_text() == "new"
    assert (tmp_path / "model.previous" / "metadata.json").read_text() == "old"
    assert not candidate.exists()


def test_discord_endpoints_are_redirected_only_when_set(monkeypatch):
    # Restore the class attributes after the test whatever it does to them.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    original = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    base = discord.http.Route.BASE
    assert use_discord_endpoints(None, None) == {}
    assert base == discord.http.Route.BASE
    changed = use_discord_endpoints("http://127.0.0.1:8999/api/v10/", None)
    assert changed == {"api_base": "http://127.0.0.1:8999/api/v10"}
    assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:8999/api/v10/users/@me"
    assert original == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    use_discord_endpoints(None, "ws://127.0.0.1:8999/gateway/")
    assert yarl.URL("ws://127.0.0.1:8999/gateway/") == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    for bad in ("ftp://x/api", "127.0.0.1:8999", "http:///api"):
        with pytest.raises(EndpointError):
            use_discord_endpoints(bad, None)
    with pytest.raises(EndpointError):
        use_discord_endpoints(None, "http://127.0.0.1:8999/gateway/")


def test_discord_endpoints_are_restored_when_the_connection_ends(monkeypatch):
    monkeypatch.setattr(discord.http.Route, "BASE", "https://discord.com/api/v10")
    before = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with discord_endpoints("http://127.0.0.1:1/api/v10", "ws://127.0.0.1:1/gateway/") as changed:
        assert set(changed) == {"api_base", "gateway"}
        assert discord.http.Route.BASE == "http://127.0.0.1:1/api/v10"
    assert discord.http.Route.BASE == "https://discord.com/api/v10"
    assert before == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


def test_only_an_all_process_without_token_posts_to_the_console(tmp_path):
    plain = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'db'}")
    with_token = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'db'}", discord_token="t" * 20)
    assert console_channel(plain, "all") == plain.publish.console_channel_id
    assert console_channel(plain, "worker") is None  # workers of a split deployment hold no token
    assert console_channel(plain, "bot") is None
    assert console_channel(with_token, "all") is None


async def test_events_a_killed_worker_never_enqueued_are_enqueued_once(db_url):
    from bot.service.recovery import enqueue_orphans
    from bot.storage.models import Event, OutboxItem, Subscription

    now = utcnow()
    engine = create_engine(db_url)
    sessions = session_factory(engine)

    def event(title: str, at) -> Event:
        return Event(kind="militia_attack", occurred_at=at, first_seen_at=at, updated_at=at, title=title,
                     summary="written for the test", place_key=None, country="Iraq", groups=[], places=[],
                     weapons=[], casualties={}, confidence=0.9, model_version="test")

    try:
        async with sessions.begin() as session:
            session.add(Subscription(channel_id=11, kind="militia_attack", min_confidence=0.0, created_at=now))
            session.add(Subscription(channel_id=12, kind="us_strike", min_confidence=0.0, created_at=now))
            session.add_all([event("orphan", now - timedelta(minutes=3)), event("old", now - timedelta(days=9))])
        window = timedelta(hours=48)
        assert await enqueue_orphans(sessions, now, window, None) == 1
        assert await enqueue_orphans(sessions, now, window, None) == 0  # idempotent
        async with sessions() as session:
            rows = (await session.execute(select(Event.title, OutboxItem.channel_id)
                                          .join(OutboxItem, OutboxItem.event_id == Event.id))).all()
        assert [tuple(r) for r in rows] == [("orphan", 11)]
    finally:
        await engine.dispose()


async def test_an_edit_a_killed_worker_never_enqueued_is_rearmed_once(db_url):
    from bot.service.recovery import rearm_missed_edits
    from bot.storage.models import Event, OutboxItem

    now = utcnow()
    engine = create_engine(db_url)
    sessions = session_factory(engine)

    async def posted(session, title: str, at, revision: int, shown: int) -> None:
        event = Event(kind="militia_attack", occurred_at=at, first_seen_at=at, updated_at=at, title=title,
                      summary="written for the test", place_key=None, country="Iraq", groups=[], places=[],
                      weapons=[], casualties={}, confidence=0.9, model_version="test", revision=revision)
        session.add(event)
        await session.flush()
        session.add(OutboxItem(event_id=event.id, channel_id=11, status="sent", posted_revision=shown, attempts=0,
                               message_id=5, next_attempt_at=at, created_at=at, sent_at=at))

    try:
        async with sessions.begin() as session:
            await posted(session, "edited, never enqueued", now - timedelta(minutes=3), revision=2, shown=1)
            await posted(session, "up to date", now - timedelta(minutes=3), revision=2, shown=2)
            await posted(session, "old", now - timedelta(days=9), revision=3, shown=1)
        window = timedelta(hours=48)
        assert await rearm_missed_edits(sessions, now, window) == 1
        assert await rearm_missed_edits(sessions, now, window) == 0  # the row is due now, not sent
        async with sessions() as session:
            rows = (await session.execute(select(Event.title, OutboxItem.status, OutboxItem.next_attempt_at)
                                          .join(OutboxItem, OutboxItem.event_id == Event.id)
                                          .order_by(Event.id))).all()
        assert [(title, status) for title, status, _ in rows] == [
            ("edited, never enqueued", "pending"), ("up to date", "sent"), ("old", "sent")]
    finally:
        await engine.dispose()
