"""`sitrep timeline`: the stored events (seeded history and live incidents) as a table in the terminal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer

from bot.cli.common import console, fail, run_async, settings_or_exit

if TYPE_CHECKING:  # imported where used, so that `sitrep --help` and other commands start fast
    from rich.table import Table

    from bot.intel.gazetteer import Gazetteer
    from bot.settings import Settings
    from bot.storage.models import Event

KINDS = {"attack": "militia_attack", "militia_attack": "militia_attack", "strike": "us_strike",
         "us_strike": "us_strike", "other": "other"}


def register(app: typer.Typer) -> None:
    app.command("timeline")(timeline_command)


def timeline_command(
    group: str | None = typer.Option(None, "--group", "-g", help="Group name, alias or key (e.g. 'KH')."),
    place: str | None = typer.Option(None, "--place", "-p", help="Place name, alias or key (e.g. 'Erbil')."),
    kind: str | None = typer.Option(None, "--kind", "-k", help="attack | strike | other."),
    since: str | None = typer.Option(None, "--since", help="Only events on or after this date (YYYY-MM-DD)."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=10_000, help="At most this many rows."),
) -> None:
    """Show the timeline of attacks and strikes, newest first."""
    from bot.intel.gazetteer import Gazetteer, GazetteerError

    settings = settings_or_exit()
    try:
        gz = Gazetteer.load(settings.gazetteer_file)
    except GazetteerError as exc:
        fail(str(exc))
    group_key = _resolve(group, gz.lookup_group, "group")
    place_key = _resolve(place, gz.lookup_place, "place")
    kind_value = None
    if kind is not None:
        if kind.lower() not in KINDS:
            fail(f"unknown kind {kind!r}: use attack, strike or other")
        kind_value = KINDS[kind.lower()]
    since_at = _date(since) if since else None
    rows = run_async(_query(settings, group_key, place_key, kind_value, since_at, limit))
    console.print(render_table(rows, gz))
    if not rows and not any((group, place, kind, since)):
        console.print("no events stored yet: run 'sitrep db seed' to load the historical timeline")


def _resolve(name: str | None, lookup: Callable[[str], Any], what: str) -> str | None:
    if name is None:
        return None
    entry = lookup(name)
    if entry is None:
        fail(f"unknown {what} {name!r} (not in the gazetteer)")
    return entry.key


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        fail(f"--since {text!r}: use YYYY-MM-DD")


async def _query(settings: Settings, group: str | None, place: str | None, kind: str | None,
                 since: datetime | None, limit: int) -> list[Event]:
    # Through the app context like every other command, so a fresh database gets its schema first instead of
    # failing with "no such table".
    from bot.app import open_context
    from bot.storage import events as store

    async with open_context(settings, pipeline=False, http=False) as ctx, ctx.sessions() as session:
        return await store.timeline(session, group=group, place=place, kind=kind, since=since, limit=limit)


def render_table(rows: list[Event], gz: Gazetteer) -> Table:
    """A rich table of events; markup in stored text is escaped by using plain Text cells."""
    from rich.table import Table
    from rich.text import Text

    from bot.intel.posts import casualty_text

    table = Table(title=f"Timeline ({len(rows)} event{'' if len(rows) == 1 else 's'})", show_lines=False)
    for col in ("date", "kind", "place", "groups", "casualties", "title"):
        table.add_column(col, overflow="fold")
    for e in rows:
        kind = {"militia_attack": "attack", "us_strike": "US strike"}.get(e.kind, e.kind)
        groups = ", ".join(gz.group_name(g["key"]) for g in e.groups)
        place = gz.place_name(e.place_key) if e.place_key else (e.country or "")
        # Text cells: a title like "[bold]..." from a feed is shown as written, never as markup.
        cells = (e.occurred_at.date().isoformat(), kind, place, groups, casualty_text(e.casualties) or "", e.title)
        table.add_row(*(Text(c) for c in cells))
    return table
