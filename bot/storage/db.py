"""Engine and session factory for SQLite (default) and PostgreSQL, and schema upgrades through Alembic."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration. A database already there is not handed to Alembic at all (importing it costs more than
# half a second of every command's start-up); tests/test_schema.py checks this against the migrations folder.
SCHEMA_HEAD = "0004"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; on SQLite make the data directory and turn on WAL and foreign keys."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the publisher read while the poller writes; NORMAL sync is durable across app crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class SchemaError(Exception):
    """A schema upgrade that cannot be done as asked; the message says why and what to do instead."""


def revisions(config: Config) -> list[str]:
    """The migration revisions, oldest first (the history is linear)."""
    from alembic.script import ScriptDirectory

    return [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


async def current_revision(url: str) -> str | None:
    """The revision the database is at; None for a database without a schema yet."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            try:
                return await conn.scalar(text("SELECT version_num FROM alembic_version"))
            except DBAPIError:  # no such table: a database without a schema yet
                return None
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> str | None:
    """Upgrade to `revision` and return the revision reached. An unknown revision, or one older than the
    database (upgrade never goes back), raises SchemaError before anything is touched."""
    if revision in ("head", SCHEMA_HEAD) and asyncio.run(current_revision(url)) == SCHEMA_HEAD:
        return SCHEMA_HEAD  # the common case at every start: nothing to do, and no Alembic import
    from alembic import command

    config = alembic_config(url)
    known = revisions(config)
    target = known[-1] if revision == "head" else revision
    if target not in known:
        raise SchemaError(f"unknown schema revision {revision!r}; the revisions are {', '.join(known)} "
                          f"(or head = {known[-1]})")
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    current = asyncio.run(current_revision(url))
    if current in known and known.index(current) > known.index(target):
        raise SchemaError(f"the database is at {current}, newer than {target}: upgrade never goes back and "
                          f"downgrades are not supported (restore a backup taken before {current} instead)")
    command.upgrade(config, target)
    return asyncio.run(current_revision(url))


async def upgrade(url: str, revision: str = "head") -> str | None:
    """Apply migrations up to `revision`; Alembic's env runs its own event loop, so run it in a thread."""
    return await asyncio.to_thread(upgrade_sync, url, revision)
