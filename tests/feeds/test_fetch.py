"""The fetcher against a real local server: conditional GET, limits, redirects, SSRF refusals."""

from __future__ import annotations

import gzip

import pytest

from bot.feeds.fetch import Fetcher, make_session, parse_retry_after
from bot.settings import PollSettings
from tests.feeds.feed_server import Route


@pytest.fixture
async def fetcher(poll_settings):
    async with make_session(poll_settings) as http:
        yield Fetcher(http, poll_settings)


async def test_conditional_get_and_body_hash(feed_server, fetcher):
    feed_server.routes["/f"] = Route(body=b"<rss/>", headers={"Last-Modified": "Sun, 28 Jan 2024 10:00:00 GMT"})
    first = await fetcher.fetch(feed_server.url("/f"))
    assert first.outcome == "changed" and first.body == b"<rss/>" and first.etag
    second = await fetcher.fetch(feed_server.url("/f"), etag=first.etag, last_modified=first.last_modified)
    assert second.outcome == "not_modified" and second.http_status == 304
    sent = feed_server.request_headers["/f"][-1]
    assert sent["If-None-Match"] == first.etag and sent["If-Modified-Since"] == first.last_modified
    assert sent["User-Agent"].startswith("sitrep/")
    # A server without validators but the same bytes: recognised by hash, not parsed again.
    feed_server.routes["/f"].etag = False
    third = await fetcher.fetch(feed_server.url("/f"), last_hash=first.body_hash)
    assert third.outcome == "not_modified" and third.http_status == 200


@pytest.mark.parametrize(("status", "expected"), [(404, "HTTP 404"), (500, "HTTP 500")])
async def test_http_errors_are_reported(feed_server, fetcher, status, expected):
    feed_server.routes["/e"] = Route(status=status, body=b"nope")
    result = await fetcher.fetch(feed_server.url("/e"))
    assert result.outcome == "error" and result.error.startswith(expected) and result.http_status == status


async def test_429_carries_retry_after(feed_server, fetcher):
    feed_server.routes["/busy"] = Route(status=429, headers={"Retry-After": "120"})
    result = await fetcher.fetch(feed_server.url("/busy"))
    assert result.outcome == "error" and result.retry_after_s == 120.0 and "429" in result.error


def test_retry_after_parses_dates():
    from datetime import UTC, datetime

    now = datetime(2024, 1, 28, 10, 0, tzinfo=UTC)
    assert parse_retry_after("Sun, 28 Jan 2024 10:05:00 GMT", now) == 300.0
    assert parse_retry_after("garbage", now) is None


async def test_slow_drip_times_out(feed_server, fetcher):
    feed_server.routes["/slow"] = Route(body=b"x" * 4000, drip_delay_s=0.2)
    result = await fetcher.fetch(feed_server.url("/slow"))
    assert result.outcome == "error" and "timed out" in result.error


async def test_oversize_body_is_aborted(feed_server, fetcher):
    feed_server.routes["/big"] = Route(body=b"<rss>" + b"a" * 300_000)
    result = await fetcher.fetch(feed_server.url("/big"))
    assert result.outcome == "error" and "too large" in result.error


async def test_gzip_bomb_is_aborted(feed_server, fetcher):
    # 50 MB of zeros compress to ~50 KB: the cap applies to what decompression yields. Compressed here, once,
    # so a loaded machine does not spend the client's time limit compressing in the server.
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=1)
    feed_server.routes["/bomb"] = Route(body=bomb, headers={"Content-Encoding": "gzip"})
    result = await fetcher.fetch(feed_server.url("/bomb"))
    assert result.outcome == "error" and "too large" in result.error


async def test_gzip_is_decoded(feed_server, fetcher):
    feed_server.routes["/gz"] = Route(body=b"<rss>hello</rss>", gzip=True)
    result = await fetcher.fetch(feed_server.url("/gz"))
    assert result.outcome == "changed" and result.body == b"<rss>hello</rss>"


async def test_redirects_followed_and_loop_refused(feed_server, fetcher):
    feed_server.routes["/a"] = Route(redirect_to="/b")
    feed_server.routes["/b"] = Route(body=b"<rss/>")
    ok = await fetcher.fetch(feed_server.url("/a"))
    assert ok.outcome == "changed" and ok.url.endswith("/b")
    feed_server.routes["/loop"] = Route(redirect_to="/loop")
    loop = await fetcher.fetch(feed_server.url("/loop"))
    assert loop.outcome == "error" and "more than 5 redirects" in loop.error
    assert feed_server.hits["/loop"] == 6


@pytest.mark.parametrize("target", ["http://10.1.2.3/feed", "http://169.254.169.254/latest/meta-data", "http://[::1]/x"])
async def test_redirect_to_private_address_is_refused(feed_server, fetcher, target):
    feed_server.routes["/evil"] = Route(redirect_to=target)
    result = await fetcher.fetch(feed_server.url("/evil"))
    assert result.outcome == "error" and "refused" in result.error


async def test_private_addresses_refused_unless_allowed(feed_server):
    strict = PollSettings(connect_timeout_s=1, total_timeout_s=2)
    feed_server.routes["/f"] = Route(body=b"<rss/>")
    async with make_session(strict) as http:
        fetcher = Fetcher(http, strict)
        literal = await fetcher.fetch(feed_server.url("/f"))
        by_name = await fetcher.fetch(f"http://localhost:{feed_server.port}/f")
        scheme = await fetcher.fetch("file:///etc/passwd")
    assert literal.outcome == "error" and "refused" in literal.error
    assert by_name.outcome == "error" and "refused" in by_name.error and "resolves to" in by_name.error
    assert scheme.outcome == "error" and "scheme" in scheme.error
    assert feed_server.hits.get("/f") is None  # nothing ever reached the server
