"""`sitrep poll`: one ingestion cycle with a per-feed report."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import typer
from rich.progress import Progress
from rich.table import Table

from bot.app import open_context
from bot.cli.common import console, run_async, settings_or_exit
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import FeedOutcome, Poller
from bot.settings import Settings
from bot.storage import feeds as feed_store

PROGRESS_MIN_FEEDS = 10  # fewer finish before a bar would be worth drawing
_STYLE = {"new": "green", "unchanged": "dim", "error": "red", "disabled": "bold red", "removed": "yellow"}


def _clock() -> datetime:
    return datetime.now(UTC)


async def poll_once(settings: Settings, *, everything: bool, show_progress: bool) -> list[FeedOutcome]:
    async with open_context(settings, pipeline=False) as ctx:
        assert ctx.http is not None
        poller = Poller(ctx.sessions, Fetcher(ctx.http, settings.poll), settings.poll, settings.worker_id, _clock)
        async with ctx.sessions() as session:
            total = await feed_store.count_due(session, _clock(), everything=everything)
        if not show_progress or total < PROGRESS_MIN_FEEDS:
            return await poller.poll(everything=everything)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"polling {total} feeds", total=total)
            return await poller.poll(everything=everything, on_outcome=lambda _o: progress.advance(task))


def report(outcomes: list[FeedOutcome]) -> None:
    table = Table(title="Poll cycle", show_lines=False)
    for column in ("feed", "result", "new", "baseline", "dup", "reason"):
        table.add_column(column, overflow="fold")
    for o in sorted(outcomes, key=lambda o: (o.status != "error", o.name)):
        style = _STYLE.get(o.status, "")
        table.add_row(o.name, f"[{style}]{o.status}[/]", str(o.new), str(o.baseline), str(o.duplicates), o.error or "")
    console.print(table)
    counts = Counter(o.status for o in outcomes)
    console.print(
        f"{len(outcomes)} feeds: {counts['new']} with new items, {counts['unchanged']} unchanged, "
        f"{counts['error']} errors, {counts['disabled']} disabled; "
        f"{sum(o.new for o in outcomes)} new articles, {sum(o.baseline for o in outcomes)} baseline, "
        f"{sum(o.duplicates for o in outcomes)} duplicates"
    )


def poll_command(
    once: bool = typer.Option(True, "--once/--no-once", help="Run one cycle and exit (the only mode; `run` loops)."),
    everything: bool = typer.Option(False, "--all", help="Poll every enabled feed, not only the due ones."),
) -> None:
    """Poll due feeds once and print what each returned (new, unchanged, error with reason) and totals."""
    del once
    settings = settings_or_exit()
    outcomes = run_async(poll_once(settings, everything=everything, show_progress=console.is_terminal))
    report(outcomes)


def register(app: typer.Typer) -> None:
    app.command("poll")(poll_command)
