"""/feeds add and /feeds check against a real feed server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.feeds import list_feeds
from tests.discord.conftest import ephemeral, invoke, shown
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import options, slash
from tests.feeds.feed_server import FeedServer, Route

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Frontline Wire</title>
<item><title>Rockets land near a base in western Iraq</title><link>https://wire.example/1</link>
<guid>w-1</guid><pubDate>Fri, 09 Feb 2024 20:00:00 GMT</pubDate></item>
<item><title>Officials review damage after a drone incident</title><link>https://wire.example/2</link>
<guid>w-2</guid><pubDate>Fri, 09 Feb 2024 21:00:00 GMT</pubDate></item></channel></rss>"""


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.routes["/wire.xml"] = Route(body=RSS, headers={"Content-Type": "application/rss+xml"})
    server.routes["/page.html"] = Route(body=b"<html><body>not a feed</body></html>",
                                        headers={"Content-Type": "text/html"})
    server.routes["/gone.xml"] = Route(status=404)
    yield server
    await server.stop()


@pytest.fixture
def allow_loopback(ctx) -> None:
    ctx.settings.poll.allow_private = ["127.0.0.1"]  # the SSRF guard refuses loopback otherwise


async def test_feeds_check_and_add(fake: FakeDiscord, bot, ctx, feeds: FeedServer, allow_loopback) -> None:
    state = await invoke(fake, slash("feeds", options(url=feeds.url("/wire.xml")), sub="check"))
    embed = shown(state)["embeds"][0]
    assert ephemeral(state) and "Frontline Wire" in embed["title"] and "2 entries" in embed["description"]
    state = await invoke(fake, slash("feeds", options(url=feeds.url("/wire.xml"), minutes=30), sub="add"))
    assert "Feed added" in shown(state)["embeds"][0]["title"]
    async with ctx.sessions() as session:
        [feed] = await list_feeds(session)
    assert (feed.name, feed.url, feed.interval_s) == ("Frontline Wire", feeds.url("/wire.xml"), 1800)
    state = await invoke(fake, slash("feeds", options(url=feeds.url("/wire.xml")), sub="add"))
    assert "already watched" in shown(state)["embeds"][0]["description"]
    state = await invoke(fake, slash("feeds", options(url=feeds.url("/gone.xml")), sub="add"))
    assert "does not work as a feed" in shown(state)["embeds"][0]["description"]
    state = await invoke(fake, slash("feeds", options(url="ftp://example.invalid/feed"), sub="check"))
    assert "does not work as a feed" in shown(state)["embeds"][0]["description"]
    async with ctx.sessions() as session:
        assert len(await list_feeds(session)) == 1
