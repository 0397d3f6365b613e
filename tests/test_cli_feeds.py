"""`sitrep feeds list|add|remove|check` and `sitrep poll --once` through the real CLI, store and a local server.

The commands call asyncio.run themselves, so these tests are plain functions and the feed server runs on its
own event loop in a background thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.cli import common as cli_common
from tests.feeds import feed_docs
from tests.feeds.feed_server import FeedServer, Route


@pytest.fixture
def server() -> Iterator[FeedServer]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    feed_server = FeedServer()
    asyncio.run_coroutine_threadsafe(feed_server.start(), loop).result(timeout=5)
    try:
        yield feed_server
    finally:
        asyncio.run_coroutine_threadsafe(feed_server.stop(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()


@pytest.fixture
def cli(server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """A SQLite file, a two-feed catalogue on the local server (one good, one down), wide consoles."""
    recent = datetime.now(UTC) - timedelta(hours=1)
    server.routes["/wire.xml"] = Route(body=feed_docs.rss2("Wire Service", feed_docs.items("wire", 3, recent)))
    server.routes["/extra.xml"] = Route(body=feed_docs.rss2("Extra Desk", feed_docs.items("extra", 2, recent)))
    server.routes["/down.xml"] = Route(status=500)
    feeds_file = tmp_path / "feeds.toml"
    feeds_file.write_text(
        f'[[feed]]\nname = "Local Wire"\nurl = "{server.url("/wire.xml")}"\ninterval = 600\n\n'
        f'[[feed]]\nname = "Local Down"\nurl = "{server.url("/down.xml")}"\ninterval = 900\n'
    )
    monkeypatch.setenv("SITREP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SITREP_FEEDS_FILE", str(feeds_file))
    monkeypatch.setenv("SITREP_POLL__ALLOW_PRIVATE", '["127.0.0.1"]')
    monkeypatch.setenv("SITREP_POLL__CATCH_UP_HOURS", "12")
    monkeypatch.setenv("SITREP_POLL__TOTAL_TIMEOUT_S", "3")
    # Rich wraps tables to 80 columns when not on a terminal; widen so URLs and messages stay on one line.
    monkeypatch.setattr(cli_common.console, "_width", 300)
    monkeypatch.setattr(cli_common.err_console, "_width", 300)
    yield server


def sitrep(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def feed_rows(output: str) -> dict[str, str]:
    """Feed name -> its table row (with the row's continuation lines, e.g. the last error), from `feeds list`."""
    rows: dict[str, str] = {}
    name = None
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 3 and cells[1].isdigit():
            name = cells[2]
            rows[name] = line
        elif name is not None and len(cells) > 3 and not cells[1]:
            rows[name] += "\n" + line
        else:
            name = None
    return rows


def test_list_shows_the_catalogue_feeds(cli):
    result = sitrep("feeds", "list")
    assert result.exit_code == 0, result.output
    assert "2 feeds" in result.output
    rows = feed_rows(result.output)
    assert set(rows) == {"Local Wire", "Local Down"}
    assert cli.url("/wire.xml") in rows["Local Wire"] and "600s" in rows["Local Wire"]
    assert cli.url("/down.xml") in rows["Local Down"] and "900s" in rows["Local Down"]
    assert "never" in rows["Local Wire"] and "ok" in rows["Local Wire"]  # not polled yet, no failures


def test_add_a_good_feed_then_it_is_listed(cli):
    result = sitrep("feeds", "add", cli.url("/extra.xml"), "--interval", "300")
    assert result.exit_code == 0, result.output
    assert "added feed" in result.output and "Extra Desk" in result.output  # named by the feed's own title
    assert cli.hits["/extra.xml"] == 1  # fetched before it was added
    rows = feed_rows(sitrep("feeds", "list").output)
    assert set(rows) == {"Local Wire", "Local Down", "Extra Desk"}
    assert cli.url("/extra.xml") in rows["Extra Desk"] and "300s" in rows["Extra Desk"]

    named = sitrep("feeds", "add", cli.url("/wire.xml") + "?copy=1", "--name", "Wire Copy", "--no-check")
    assert named.exit_code == 0, named.output
    assert "Wire Copy" in feed_rows(sitrep("feeds", "list").output)


def test_add_a_duplicate_is_refused(cli):
    result = sitrep("feeds", "add", cli.url("/wire.xml"))
    assert result.exit_code == 2
    assert "already watched: Local Wire" in result.output and cli.url("/wire.xml") in result.output
    assert set(feed_rows(sitrep("feeds", "list").output)) == {"Local Wire", "Local Down"}


def test_add_refuses_the_metadata_address_when_only_loopback_is_allowed(cli):
    result = sitrep("feeds", "add", "http://169.254.169.254/latest/meta-data/")
    assert result.exit_code == 2
    assert "refused" in result.output and "169.254.169.254" in result.output
    assert len(feed_rows(sitrep("feeds", "list").output)) == 2

    unchecked = sitrep("feeds", "add", "ftp://files.example/feed.xml", "--no-check")
    assert unchecked.exit_code == 2 and "not an http(s) URL" in unchecked.output


def test_add_of_a_broken_feed_gives_the_reason(cli):
    result = sitrep("feeds", "add", cli.url("/missing.xml"))
    assert result.exit_code == 2 and "HTTP 404" in result.output
    assert "missing.xml" not in sitrep("feeds", "list").output


def test_remove_by_name_and_id_and_unknown_is_an_error(cli):
    result = sitrep("feeds", "remove", "Local Down")
    assert result.exit_code == 0, result.output
    assert "removed feed" in result.output and "Local Down" in result.output
    rows = feed_rows(sitrep("feeds", "list").output)
    assert set(rows) == {"Local Wire"}
    wire_id = rows["Local Wire"].split("│")[1].strip()
    assert sitrep("feeds", "remove", wire_id).exit_code == 0
    assert feed_rows(sitrep("feeds", "list").output) == {}

    unknown = sitrep("feeds", "remove", "No Such Feed")
    assert unknown.exit_code == 2
    assert "no feed with id, URL or name 'No Such Feed'" in unknown.output
    # Removed catalogue feeds stay removed: the catalogue is loaded on the first start only.
    assert "0 feeds" in sitrep("feeds", "list").output


def test_check_reports_a_good_feed_and_a_missing_one(cli):
    good = sitrep("feeds", "check", cli.url("/wire.xml"))
    assert good.exit_code == 0, good.output
    assert "ok HTTP 200: 'Wire Service', 3 entries" in good.output
    assert "wire report 0: rockets hit a base in western Iraq" in good.output

    missing = sitrep("feeds", "check", cli.url("/missing.xml"))
    assert missing.exit_code == 1
    assert f"{cli.url('/missing.xml')}: HTTP 404 Not Found" in missing.output
    assert set(feed_rows(sitrep("feeds", "list").output)) == {"Local Wire", "Local Down"}  # nothing stored


def test_poll_once_reports_each_feed_and_the_totals(cli):
    result = sitrep("poll", "--once", "--fetch-only")
    assert result.exit_code == 0, result.output
    rows = {cells[1]: cells for line in result.output.splitlines()
            if len(cells := [c.strip() for c in line.split("│")]) == 8}
    assert rows["Local Wire"][2:6] == ["new", "3", "0", "0"]  # first poll: the last 12 hours are new
    assert rows["Local Down"][2] == "error" and "HTTP 500" in rows["Local Down"][6]
    assert ("2 feeds: 1 with new items, 0 unchanged, 1 errors, 0 disabled; "
            "3 new articles, 0 baseline, 0 duplicates") in result.output

    # Nothing due yet: the good feed waits its interval, the bad one backs off.
    again = sitrep("poll", "--once", "--fetch-only")
    assert again.exit_code == 0, again.output
    assert "0 feeds: 0 with new items" in again.output

    forced = sitrep("poll", "--once", "--all", "--fetch-only")
    assert forced.exit_code == 0, forced.output
    assert "2 feeds: 0 with new items, 1 unchanged, 1 errors" in forced.output

    listed = feed_rows(sitrep("feeds", "list").output)
    assert "2 failures" in listed["Local Down"] and "HTTP 500" in listed["Local Down"]
    assert "ok" in listed["Local Wire"] and "never" not in listed["Local Wire"]


def test_poll_once_runs_the_whole_pipeline_and_timeline_shows_the_new_event(cli, shared_model_dir, monkeypatch):
    monkeypatch.setenv("SITREP_MODEL__PATH", str(shared_model_dir))
    published = datetime.now(UTC) - timedelta(minutes=30)
    attack = ("erbil-1", "Drone attack on Erbil air base hosting US troops",
              "Two drones targeted Erbil air base in northern Iraq, where US-led coalition forces are based; "
              "the Islamic Resistance in Iraq claimed the attack.", "https://news.example/erbil-1", published)
    cli.routes["/wire.xml"] = Route(body=feed_docs.rss2("Wire Service", [attack]))
    before = sitrep("timeline", "--since", published.date().isoformat())
    assert before.exit_code == 0 and "Erbil air base hosting" not in before.output

    result = sitrep("poll", "--once")
    assert result.exit_code == 0, result.output
    assert "1 new event(s), 0 updated; 1 message(s) posted" in result.output  # printed: no Discord token
    assert "Erbil" in result.output.split("Poll cycle")[0]  # the console post comes before the report

    after = sitrep("timeline", "--since", published.date().isoformat())
    assert after.exit_code == 0, after.output
    assert "Drone attack on Erbil air base" in after.output


def test_a_feed_that_stored_only_baseline_items_is_not_reported_as_new():
    from bot.cli.poll import result_label
    from bot.feeds.poller import FeedOutcome

    assert result_label(FeedOutcome(1, "Wire", "new", new=0, baseline=5)) == "baseline"
    assert result_label(FeedOutcome(1, "Wire", "new", new=2, baseline=5)) == "new"
    assert result_label(FeedOutcome(1, "Wire", "error", error="HTTP 500")) == "error"
