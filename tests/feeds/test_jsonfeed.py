"""JSON Feed 1.0/1.1 bodies polled from the local feed server like RSS and Atom, and clear errors for other JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.feeds.parse import ParseError, parse_feed
from bot.storage.models import Article
from tests.feeds.feed_server import Route
from tests.feeds.test_poller import add


def json_feed(version: str, items: list[dict]) -> bytes:
    return json.dumps({"version": f"https://jsonfeed.org/version/{version}", "title": "Desk <b>JSON</b>",
                       "home_page_url": "https://desk.example/", "items": items}).encode()


def items(now: datetime) -> list[dict]:
    return [
        {"id": "j1", "title": "Drones target US base at al-Tanf", "url": "https://desk.example/1?utm_source=x",
         "content_html": "<p>Two one-way drones were <b>shot down</b>, officials said.</p>",
         "date_published": (now - timedelta(minutes=5)).isoformat()},
        {"id": 2, "content_text": "Rockets landed near Erbil airport overnight; no casualties were reported.",
         "external_url": "https://other.example/2", "date_published": "not a date"},
        {"id": "j1", "title": "the same id again", "content_text": "ignored"},
        {"title": "", "content_text": ""},  # nothing to show: skipped
    ]


@pytest.mark.parametrize("version", ["1", "1.1"])
async def test_json_feed_items_become_articles(sessions, feed_server, poller, clock, version):
    feed_server.routes["/feed.json"] = Route(body=b"\xef\xbb\xbf" + json_feed(version, items(clock.now)),
                                             headers={"Content-Type": "application/feed+json"})
    await add(sessions, feed_server, "/feed.json", clock)
    [outcome] = await poller.poll()
    assert outcome.status == "new" and outcome.baseline == 2, outcome
    async with sessions() as s:
        rows = {a.url: a for a in (await s.scalars(select(Article))).all()}
    first = rows["https://desk.example/1"]
    assert first.title == "Drones target US base at al-Tanf"
    assert first.summary == "Two one-way drones were shot down, officials said."
    assert first.published_at == (clock.now - timedelta(minutes=5)).replace(tzinfo=UTC)
    second = rows["https://other.example/2"]
    assert second.title.startswith("Rockets landed near Erbil airport")  # no title: taken from the text


def test_other_json_is_a_clear_error_not_a_crash():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for body, says in [(b'{"data": []}', "not a JSON Feed"), (b"{oops", "invalid JSON"),
                       (json.dumps({"version": "https://jsonfeed.org/version/1.1"}).encode(), "items")]:
        with pytest.raises(ParseError, match=says):
            parse_feed(body, "https://desk.example/feed.json", now)
