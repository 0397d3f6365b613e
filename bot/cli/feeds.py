"""`sitrep feeds list|add|remove|check`."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from bot.cli.common import console, fail, run_async, settings_or_exit

# The store, HTTP and feed parsing are imported inside each command: `feeds list` starts without aiohttp or
# feedparser (see bench/bench_startup.py).

feeds_app = typer.Typer(help="The feeds sitrep watches.", no_args_is_help=True)


@feeds_app.command("list")
def list_command() -> None:
    """List feeds with their health: last success, failures, next check."""
    from rich.table import Table

    from bot.app import open_context
    from bot.storage import feeds as feed_store

    async def run() -> None:
        async with open_context(settings_or_exit(), pipeline=False, http=False) as ctx, ctx.sessions() as session:
            feeds = await feed_store.list_feeds(session)
        table = Table(title=f"{len(feeds)} feeds")
        for column in ("id", "name", "state", "interval", "last success", "next check", "url / last error"):
            table.add_column(column, overflow="fold")
        for f in feeds:
            state = _state(f.enabled, f.consecutive_failures)
            last = f.last_success_at.strftime("%Y-%m-%d %H:%M") if f.last_success_at else "never"
            detail = f.url + (f"\n[red]{f.disabled_reason or f.last_error}[/]" if f.last_error else "")
            table.add_row(str(f.id), f.name, state, f"{f.interval_s}s", last,
                          f.next_check_at.strftime("%Y-%m-%d %H:%M"), detail)
        console.print(table)

    run_async(run())


@feeds_app.command("add")
def add_command(
    url: str = typer.Argument(..., help="Feed URL (http or https)."),
    name: str = typer.Option(None, help="Display name (default: the feed's own title)."),
    interval: int = typer.Option(900, help="Seconds between checks (60..86400)."),
    no_check: bool = typer.Option(False, "--no-check", help="Add without fetching it first."),
) -> None:
    """Add a feed. It is fetched first, so a broken URL is refused with the reason."""
    from bot.app import open_context
    from bot.feeds.check import check_feed
    from bot.storage import feeds as feed_store

    async def run() -> None:
        async with open_context(settings_or_exit(), pipeline=False) as ctx:
            title = None
            if not no_check:
                result = await check_feed(ctx, url)
                if not result.ok:
                    fail(f"{url}: {result.error}")
                title = result.title
            async with ctx.sessions.begin() as session:
                try:
                    feed = await feed_store.add_feed(session, url, name or title or url, interval, datetime.now(UTC))
                except feed_store.FeedError as exc:
                    fail(str(exc))
        console.print(f"added feed {feed.id}: {feed.name}")

    run_async(run())


@feeds_app.command("remove")
def remove_command(ident: str = typer.Argument(..., help="Feed id, URL or name.")) -> None:
    """Stop watching a feed (its stored articles stay)."""
    from bot.app import open_context
    from bot.storage import feeds as feed_store

    async def run() -> None:
        async with open_context(settings_or_exit(), pipeline=False, http=False) as ctx, ctx.sessions.begin() as s:
            feed = await feed_store.remove_feed(s, ident)
        if feed is None:
            fail(f"no feed with id, URL or name {ident!r}")
        console.print(f"removed feed {feed.id}: {feed.name}")

    run_async(run())


@feeds_app.command("check")
def check_command(url: str = typer.Argument(..., help="URL to fetch and parse without storing anything.")) -> None:
    """Fetch and parse a URL once and show what sitrep would read from it."""
    from bot.app import open_context
    from bot.feeds.check import check_feed

    async def run() -> None:
        async with open_context(settings_or_exit(), pipeline=False) as ctx:
            result = await check_feed(ctx, url)
        if not result.ok:
            fail(f"{url}: {result.error}", code=1)
        console.print(f"[green]ok[/] HTTP {result.status}: {result.title!r}, {result.entries} entries")
        for title in result.sample:
            console.print(f"  - {title}", highlight=False)

    run_async(run())


def register(app: typer.Typer) -> None:
    app.add_typer(feeds_app, name="feeds")


def _state(enabled: bool, failures: int) -> str:
    if not enabled:
        return "[red]disabled[/]"
    if failures:
        return f"[yellow]{failures} failure{'s' if failures > 1 else ''}[/]"
    return "[green]ok[/]"
