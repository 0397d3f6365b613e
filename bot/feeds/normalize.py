"""Turn feedparser entries into ArticleDrafts: plain text, UTC times, and a stable identity key.

The key decides what counts as "the same article": the entry's guid, else its canonical URL (tracking parameters
removed), else a hash of its text. Dates never identify an article: publishers edit them.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3

MAX_TITLE = 500
MAX_SUMMARY = 5000
MAX_KEY = 512
_WS = re.compile(r"\s+")
# Block and link boundaries become spaces, or adjacent items run together ("Washington PostPresident").
_BREAK = re.compile(r"(?i)<(?=/?(?:p|div|br|li|ul|ol|tr|td|th|h[1-6]|blockquote|a|font|section|article)\b)")
_TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|igshid|ocid|cmpid|cmp|smid|ref|ref_src|"
    r"taid|at_medium|at_campaign|at_custom\d|src|mbid|rss|feed_id|traffic_source|__twitter_impression)$",
    re.IGNORECASE,
)
# A published date this far ahead of the fetch is a publisher's clock or typo, not a scoop from the future.
_FUTURE_SLACK = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    key: str
    title: str
    summary: str
    url: str | None
    published_at: datetime
    content_hash: str
    # False when the entry carried no usable date and published_at is the fetch time: such an item's age is
    # unknown, so a feed's first poll keeps it as baseline rather than posting it as news.
    dated: bool = True


def plain_text(markup: str | None, limit: int) -> str:
    """HTML to one line of plain text: tags and script/style content dropped, entities decoded, spaces folded."""
    if not markup:
        return ""
    # nh3 (ammonia) parses like a browser, so broken or hostile markup cannot leak tags through.
    if "<" in markup:
        text = nh3.clean(_BREAK.sub(" <", markup), tags=set(), clean_content_tags={"script", "style"})
    else:
        text = markup
    text = _WS.sub(" ", html.unescape(text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters, sorted query."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def article_key(guid: str | None, link: str | None, title: str, summary: str, feed_url: str) -> str:
    """guid (URL-like guids are canonicalised so the same story in two feeds matches), else URL, else text hash."""
    guid = (guid or "").strip()
    if guid:
        as_url = canonical_url(guid)
        if as_url:
            return ("u:" + as_url)[:MAX_KEY]
        # An opaque guid is only unique within its feed.
        return "g:" + _hash(feed_url, guid)
    url = canonical_url(link)
    if url:
        return ("u:" + url)[:MAX_KEY]
    return "h:" + _hash(title.casefold(), summary.casefold())


def entry_time(entry: Any, now: datetime) -> datetime | None:
    """published, else updated, else created; never later than now (plus slack); None when the entry has none."""
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(field)
        if parsed:
            try:
                when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
            return now if when > now + _FUTURE_SLACK else when
    return None


def normalize_entry(entry: Any, feed_url: str, now: datetime) -> ArticleDraft | None:
    """One feedparser entry to a draft; None for an entry with neither title nor text."""
    title = plain_text(entry.get("title"), MAX_TITLE)
    body = entry.get("summary") or ""
    if not body and entry.get("content"):
        body = entry["content"][0].get("value", "")
    summary = plain_text(body, MAX_SUMMARY)
    if not title and not summary:
        return None
    if not title:
        title = summary[:120].rsplit(" ", 1)[0] + "…" if len(summary) > 120 else summary
    link = entry.get("link")
    url = canonical_url(link)
    published = entry_time(entry, now)
    return ArticleDraft(
        key=article_key(entry.get("id"), link, title, summary, feed_url),
        title=title,
        summary=summary,
        url=url[:2048] if url else None,
        published_at=published or now,
        content_hash=_hash(title.casefold(), summary.casefold()),
        dated=published is not None,
    )
