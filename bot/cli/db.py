"""`sitrep db`: schema migrations and the seed timeline."""

from __future__ import annotations

import typer

from bot.cli.common import console, fail, settings_or_exit
from bot.settings import Settings

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
def seed_command(check: bool = typer.Option(False, "--check", help="Check the file (sources, dates, gazetteer "
                                            "keys, duplicates, campaign counts) without touching the store.")) -> None:
    """Load the historical timeline (config/timeline.jsonl) into the store; safe to run again."""
    import asyncio

    from bot.intel.seed import SeedError, seed_timeline
    from bot.storage.db import create_engine, session_factory, upgrade_sync

    settings = settings_or_exit()
    if check:
        check_timeline(settings)
        return
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


def check_timeline(settings: Settings) -> None:
    """Print the campaign counts beside the public tallies; exit 1 on any problem in the file."""
    from bot.intel.gazetteer import Gazetteer
    from bot.intel.seed import SeedError, read_timeline
    from bot.intel.seed_check import month_lines, problems, read_tallies, tally_lines

    try:
        rows = read_timeline(settings.timeline_file)
        found = problems(rows, Gazetteer.load(settings.gazetteer_file))
        tallies = read_tallies(settings.timeline_file.parent / "campaign_tallies.toml")
    except (OSError, SeedError) as exc:
        fail(f"seed --check: {exc}")
    console.print(f"{settings.timeline_file}: {len(rows)} rows", markup=False, soft_wrap=True)
    console.print("\n".join(["campaign 17 Oct 2023 - 4 Feb 2024, by month:", *month_lines(rows), "",
                             "cumulative attacks beside the public tallies:", *tally_lines(rows, tallies)]),
                  markup=False, soft_wrap=True)
    if found:
        console.print("\n".join(found), markup=False, soft_wrap=True)
        fail(f"seed --check: {len(found)} problem(s)", code=1)
    console.print("seed --check: no problems", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
