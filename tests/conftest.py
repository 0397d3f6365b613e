"""Shared fixtures: real SQLite files and, where a server answers, a fresh PostgreSQL database per test."""

from __future__ import annotations

import asyncio
import fcntl
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.db import create_engine, session_factory, upgrade_sync

PG_ADMIN_URL = os.environ.get("SITREP_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    """None when the test server answers, else the reason to skip."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return None
    except OSError as exc:
        return f"no PostgreSQL server at 127.0.0.1:5432 ({exc.strerror or exc}); set SITREP_TEST_PG_URL"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    dsn = PG_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sitrep.db'}"
    upgrade_sync(url)
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    name = f"sitrep_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade_sync(url)
        yield url
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Run a repository test on both stores."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
async def sessions(db_url) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def shared_model_dir(tmp_path_factory, worker_id) -> Path:
    """The repository corpus trained once per test run (without the C search) and shared by xdist workers:
    the first worker to get the lock trains, the others wait and load."""
    from classifiers.corpus import DEFAULT_CORPUS_DIR
    from classifiers.training import train

    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent
    out = root / "shared-model"
    with open(root / "shared-model.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "metadata.json").exists():
            train(DEFAULT_CORPUS_DIR, out, tune=False)
    return out


@pytest.fixture
async def feed_server():
    """A real HTTP server on 127.0.0.1 serving feeds (and misbehaving on demand): tests/feeds/feed_server.py."""
    from tests.feeds.feed_server import FeedServer

    server = FeedServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
