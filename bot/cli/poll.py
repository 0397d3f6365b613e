"""`sitrep poll --once`: one pass of the whole pipeline (fetch, classify, build events, post or print) with a
per-feed report; `--fetch-only` stops after storing the articles."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import typer

from bot.cli.common import console, run_async, settings_or_exit

if TYPE_CHECKING:
    from bot.app import AppContext
    from bot.feeds.poller import FeedOutcome, Poller
    from bot.settings import Settings

PROGRESS_MIN_FEEDS = 10  # fewer finish before a bar would be worth drawing
_STYLE = {"new": "green", "baseline": "cyan", "unchanged": "dim", "error": "red", "disabled": "bold red",
          "removed": "yellow"}


async def poll_feeds(ctx: AppContext, poller: Poller, *, everything: bool, show_progress: bool) -> list[FeedOutcome]:
    from rich.progress import Progress

    from bot.storage import feeds as feed_store

    async with ctx.sessions() as session:
        total = await feed_store.count_due(session, ctx.clock(), everything=everything)
    if not show_progress or total < PROGRESS_MIN_FEEDS:
        return await poller.poll(everything=everything)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"polling {total} feeds", total=total)
        return await poller.poll(everything=everything, on_outcome=lambda _o: progress.advance(task))


async def poll_once(settings: Settings, *, everything: bool, fetch_only: bool,
                    show_progress: bool) -> tuple[list[FeedOutcome], str | None]:
    """One pass; returns the feeds' outcomes and, unless `fetch_only`, one line on what became of them."""
    from bot.app import open_context
    from bot.feeds.fetch import Fetcher
    from bot.feeds.poller import Poller

    async with open_context(settings, pipeline=not fetch_only) as ctx:
        assert ctx.http is not None
        if fetch_only:
            poller = Poller(ctx.sessions, Fetcher(ctx.http, settings.poll), settings.poll, settings.worker_id,
                            ctx.clock)
            return await poll_feeds(ctx, poller, everything=everything, show_progress=show_progress), None
        from bot.service.metrics import Metrics
        from bot.service.runtime import Runtime, connect_poster

        # The same steps as a running service (role all): without a token events are printed, with one posted.
        async with connect_poster(ctx) as poster:
            runtime = Runtime(ctx, poster, Metrics(), role="all")
            outcomes = await poll_feeds(ctx, runtime.poller, everything=everything, show_progress=show_progress)
            updates = await runtime.process()
            report = await runtime.drain()
    created = sum(1 for u in updates if u.created)
    return outcomes, (f"{created} new event(s), {len(updates) - created} updated; "
                      f"{report.sent + report.digests} message(s) posted, {report.edited} edited")


def result_label(outcome: FeedOutcome) -> str:
    """The result column: a feed that stored only baseline items (a first poll) says so, not `new`."""
    if outcome.status == "new" and not outcome.new:
        return "baseline"
    return outcome.status


def report(outcomes: list[FeedOutcome]) -> None:
    from rich.table import Table

    table = Table(title="Poll cycle", show_lines=False)
    for column in ("feed", "result", "new", "baseline", "dup", "reason"):
        table.add_column(column, overflow="fold")
    for o in sorted(outcomes, key=lambda o: (o.status != "error", o.name)):
        result = result_label(o)
        table.add_row(o.name, f"[{_STYLE.get(result, '')}]{result}[/]", str(o.new), str(o.baseline),
                      str(o.duplicates), o.error or "")
    console.print(table)
    counts = Counter(o.status for o in outcomes)
    console.print(
        f"{len(outcomes)} feeds: {sum(1 for o in outcomes if o.new)} with new items, {counts['unchanged']} unchanged, "
        f"{counts['error']} errors, {counts['disabled']} disabled; "
        f"{sum(o.new for o in outcomes)} new articles, {sum(o.baseline for o in outcomes)} baseline, "
        f"{sum(o.duplicates for o in outcomes)} duplicates"
    )


def poll_command(
    once: bool = typer.Option(True, "--once/--no-once", help="Run one pass and exit (the only mode; `run` loops)."),
    everything: bool = typer.Option(False, "--all", help="Poll every enabled feed, not only the due ones."),
    fetch_only: bool = typer.Option(False, "--fetch-only",
                                    help="Only fetch and store articles: no classifying, events or posts."),
) -> None:
    """Poll due feeds once, then classify, build events and post them (printed without a Discord token), as
    `run` does on each tick; prints what each feed returned (new, unchanged, error with reason) and totals."""
    del once
    settings = settings_or_exit()
    outcomes, events = run_async(poll_once(settings, everything=everything, fetch_only=fetch_only,
                                           show_progress=console.is_terminal))
    report(outcomes)
    if events:
        console.print(events)


def register(app: typer.Typer) -> None:
    app.command("poll")(poll_command)
