"""Feed documents written for the tests: RSS 2.0, Atom 1.0 and RSS 1.0 (RDF), built from item tuples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

Item = tuple[str, str, str, str, datetime]  # guid, title, summary, link, published


def items(prefix: str, count: int, start: datetime, *, step_minutes: int = 10) -> list[Item]:
    return [
        (
            f"{prefix}-{i}",
            f"{prefix} report {i}: rockets hit a base in western Iraq",
            f"<p>Officials said <b>item {i}</b> of {prefix} caused no casualties &amp; little damage.</p>",
            f"https://news.example/{prefix}/{i}?utm_source=rss&id={i}",
            start - timedelta(minutes=step_minutes * i),
        )
        for i in range(count)
    ]


def rss2(title: str, entries: list[Item], *, encoding: str = "utf-8") -> bytes:
    body = "".join(
        f"<item><guid isPermaLink=\"false\">{escape(g)}</guid><title>{escape(t)}</title>"
        f"<description>{escape(s)}</description><link>{escape(link)}</link>"
        f"<pubDate>{format_datetime(p)}</pubDate></item>"
        for g, t, s, link, p in entries
    )
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://news.example/</link><description>test</description>{body}</channel></rss>"
    )
    return doc.encode(encoding)


def atom(title: str, entries: list[Item]) -> bytes:
    body = "".join(
        f"<entry><id>{escape(g)}</id><title>{escape(t)}</title><summary type=\"html\">{escape(s)}</summary>"
        f'<link href="{escape(link)}"/><updated>{p.astimezone(UTC).isoformat()}</updated></entry>'
        for g, t, s, link, p in entries
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>'
        f"<id>urn:test:{escape(title)}</id><updated>2024-01-01T00:00:00Z</updated>{body}</feed>"
    ).encode()


def rss1(title: str, entries: list[Item]) -> bytes:
    body = "".join(
        f'<item rdf:about="{escape(link)}"><title>{escape(t)}</title><link>{escape(link)}</link>'
        f"<description>{escape(s)}</description><dc:date>{p.astimezone(UTC).isoformat()}</dc:date></item>"
        for _g, t, s, link, p in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="https://news.example/"><title>{escape(title)}</title><link>https://news.example/</link>'
        f"<description>test</description></channel>{body}</rdf:RDF>"
    ).encode()
