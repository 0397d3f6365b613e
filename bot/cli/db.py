"""`sitrep db`: schema migrations and the seed timeline."""

from __future__ import annotations

import typer

from bot.cli.common import console, fail, settings_or_exit

db_app = typer.Typer(help="Database schema and seed data.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head", help="Alembic revision to upgrade to.")) -> None:
    """Apply schema migrations (also done at start-up). Never goes back: downgrades are not supported."""
    from bot.storage.db import SchemaError, upgrade_sync

    settings = settings_or_exit()
    try:
        reached = upgrade_sync(settings.database_url, revision)
    except SchemaError as exc:
        fail(f"db upgrade: {exc}")
    console.print(f"schema at {reached}")


@db_app.command("seed")
def seed_command() -> None:
    """Load the historical timeline (config/timeline.jsonl) into the store; safe to run again."""
    import asyncio

    from bot.intel.seed import SeedError, seed_timeline
    from bot.storage.db import create_engine, session_factory, upgrade_sync

    settings = settings_or_exit()
    upgrade_sync(settings.database_url)

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await seed_timeline(session, settings.timeline_file)
        finally:
            await engine.dispose()

    try:
        added = asyncio.run(run())
    except (OSError, SeedError) as exc:
        fail(f"seed: {exc}")
    console.print(f"seed timeline: {added} event(s) added from {settings.timeline_file}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
