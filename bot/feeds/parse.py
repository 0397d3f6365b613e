"""Parse feed bytes with feedparser, in a worker thread, and normalise the entries."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import feedparser

from bot.feeds.jsonfeed import JsonFeedError, looks_like_json, read_json_feed
from bot.feeds.normalize import ArticleDraft, normalize_entry, plain_text


class ParseError(Exception):
    """The body is not a feed feedparser can read."""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    articles: list[ArticleDraft]
    warning: str | None  # feedparser's bozo reason when it recovered from malformed XML


def parse_feed(body: bytes, feed_url: str, now: datetime) -> ParsedFeed:
    """Parse and normalise a feed body. CPU-bound: call it through asyncio.to_thread.

    The bytes go in as a stream: given bytes or a str, feedparser would treat them as a URL or a file name
    and fetch or open it (a body of b"/etc/passwd" would read that file).
    """
    if looks_like_json(body):
        return _parse_json_feed(body, feed_url, now)
    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    feed_info = parsed.get("feed") or {}
    # Recovered-but-empty is fine (a quiet feed); unreadable is: no entries and neither a known format nor a title.
    if not entries and (not parsed.get("version") or (bozo is not None and not feed_info.get("title"))):
        reason = f"{type(bozo).__name__}: {bozo}" if bozo is not None else "no feed found in the document"
        raise ParseError(f"not a readable feed ({reason})"[:500])
    title = plain_text(feed_info.get("title"), 200)
    warning = f"{type(bozo).__name__}: {bozo}"[:300] if bozo else None
    return ParsedFeed(title, _drafts(entries, feed_url, now), warning)


def _parse_json_feed(body: bytes, feed_url: str, now: datetime) -> ParsedFeed:
    try:
        title, entries = read_json_feed(body)
    except JsonFeedError as exc:
        raise ParseError(f"not a readable feed ({exc})"[:500]) from None
    return ParsedFeed(plain_text(title, 200), _drafts(entries, feed_url, now), None)


def _drafts(entries: list[Any], feed_url: str, now: datetime) -> list[ArticleDraft]:
    drafts: dict[str, ArticleDraft] = {}
    for entry in entries:
        draft = normalize_entry(entry, feed_url, now)
        if draft is not None:
            drafts.setdefault(draft.key, draft)  # the same item twice in one feed: keep the first
    return list(drafts.values())
