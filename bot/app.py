"""The composition root's product: everything a running sitrep needs, built once and handed down.

`AppContext` is built by `bot.app.build_context` (settings -> store -> HTTP session -> model -> gazetteer) and
passed to the pipeline, the scheduler jobs, the publisher and the Discord client. Nothing here is global.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings

if TYPE_CHECKING:
    import aiohttp

    from classifiers.model import Classifier


class StartupError(RuntimeError):
    """Start-up cannot go on (a port in use, a store or Discord that never answered): the message names the
    cause and the setting that fixes it, and the command ends with that one line."""


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: aiohttp.ClientSession | None = None
    classifier: Classifier | None = None
    gazetteer: Any = None  # bot.intel.gazetteer.Gazetteer
    # Health facts the /healthz endpoint and /status read: last successful poll, Discord connected, ...
    state: dict[str, Any] = field(default_factory=dict)
    # The one clock of the process: every decision that depends on the time reads it (tests pin it).
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@asynccontextmanager
async def open_context(
    settings: Settings, *, pipeline: bool = True, http: bool = True, clock: Callable[[], datetime] | None = None,
    create: bool = False,
) -> AsyncIterator[AppContext]:
    """Build everything from settings (the one composition root) and close it all on the way out.

    The schema is upgraded, the default feeds are loaded on first start and the seed timeline at every start
    (idempotent); the model is trained when no artifact exists yet, so a fresh machine runs without manual steps.
    Without `create` (only `sitrep run` passes it) a SQLite database whose folder is missing is an error, not a
    fresh empty database: a deleted or unmounted data folder must not pass for a first start.
    """
    from bot.feeds.catalog import load_catalog
    from bot.intel.seed import seed_on_start
    from bot.storage.db import create_engine, session_factory, upgrade
    from bot.storage.feeds import load_catalog_once

    if not create:
        require_database_folder(settings.database_url)
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    ctx = AppContext(settings=settings, engine=engine, sessions=session_factory(engine))
    if clock is not None:
        ctx.clock = clock
    try:
        async with ctx.sessions.begin() as session:
            await load_catalog_once(session, load_catalog(settings.feeds_file), ctx.clock())
        if pipeline:  # the model, gazetteer and timeline, which polling and feed management do not need
            ctx.classifier = await asyncio.to_thread(load_or_train_model, settings)
            ctx.gazetteer = load_gazetteer(settings)
            await seed_on_start(ctx.sessions, settings.timeline_file)
        if http:
            from bot.feeds.fetch import make_session

            ctx.http = make_session(settings.poll)
        yield ctx
    finally:
        if ctx.http is not None:
            await ctx.http.close()
        await engine.dispose()


def require_database_folder(url: str) -> None:
    """Refuse to create a SQLite database in a folder that does not exist (see `open_context`)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from bot.storage.db import is_sqlite

    database = make_url(url).database if is_sqlite(url) else None
    if database and database != ":memory:" and not Path(database).parent.is_dir():
        raise StartupError(
            f"the database folder {Path(database).parent} does not exist (deleted, or a volume not mounted?); "
            "`sitrep run` or `sitrep db upgrade` creates it on a first start, or set database_url "
            "(SITREP_DATABASE_URL)")


def load_or_train_model(settings: Settings) -> Classifier:
    from classifiers.model import Classifier
    from classifiers.training import ensure_model

    if settings.model.builtin_path is not None:
        from bot.service.builtin_model import install_builtin_model

        install_builtin_model(settings.model.builtin_path, settings.model.path)
    ensure_model(settings.model.path)
    return Classifier.load(settings.model.path, abstain_threshold=settings.model.abstain_threshold)


def load_gazetteer(settings: Settings) -> Any:
    from bot.intel.gazetteer import Gazetteer

    return Gazetteer.load(settings.gazetteer_file)
