"""JSON Feed (jsonfeed.org 1.0 and 1.1): items turned into the entry shape `normalize_entry` reads.

feedparser 6 reads only XML dialects; a JSON Feed body would reach its XML parser and fail as "not well-formed".
JSON Feed is a small, fully specified format, so a short adapter is all it needs: the rest of the pipeline
(normalisation, keys, dedup) stays the one used for RSS and Atom.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

VERSION_PREFIX = "https://jsonfeed.org/version/"


class JsonFeedError(ValueError):
    """The body is JSON but not a JSON Feed (or not valid JSON)."""


def looks_like_json(body: bytes) -> bool:
    """A body whose first non-blank byte (after a UTF-8 BOM) opens a JSON object."""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def read_json_feed(body: bytes) -> tuple[str, list[dict[str, Any]]]:
    """The feed title and its items as feedparser-like entries (id, title, summary, link, published_parsed)."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JsonFeedError(f"invalid JSON ({exc})") from None
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(VERSION_PREFIX):
        raise JsonFeedError("JSON, but not a JSON Feed (no https://jsonfeed.org/version/ in 'version')")
    items = document.get("items")
    if not isinstance(items, list):
        raise JsonFeedError("JSON Feed without an 'items' list")
    title = document.get("title") if isinstance(document.get("title"), str) else ""
    return title, [entry for item in items if isinstance(item, dict) and (entry := _entry(item))]


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    text = next((item[k] for k in ("content_html", "content_text", "summary") if _text(item.get(k))), "")
    entry: dict[str, Any] = {
        "id": _text(item.get("id")) or None,
        "title": _text(item.get("title")),
        "summary": text,
        "link": _text(item.get("url")) or _text(item.get("external_url")) or None,
    }
    for source, target in (("date_published", "published_parsed"), ("date_modified", "updated_parsed")):
        if when := _time(item.get(source)):
            entry[target] = when.utctimetuple()
    return entry


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, int | float) else ""


def _time(value: Any) -> datetime | None:
    """RFC 3339, as the spec requires; a date without a zone is taken as UTC, anything else as no date."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
