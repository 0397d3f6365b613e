"""EventPost -> RenderedPost: the embed-shaped message, always within every Discord limit.

Rendering never fails a post: over-long text is cut with an ellipsis at a safe boundary, surplus fields are
dropped (the sources field says how many links it left out), and a final pass shrinks the largest parts until
the whole message fits the 6000-character total. Every text that came from a feed goes through
`text.escape`, so nothing a feed says can format, link or ping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.publishing.post import EventPost, SourceLink
from bot.publishing.text import ELLIPSIS, dlen, fit, link, safe_url, truncate, unescape

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
TOTAL_MAX = 6000

KIND_COLORS = {"militia_attack": 0xC0392B, "us_strike": 0x1F6FB2}
KIND_LABELS = {"militia_attack": "Militia attack", "us_strike": "US strike"}
DEFAULT_COLOR = 0x7F8C8D
DIGEST_COLOR = 0xD68910
EMPTY = "—"  # Discord rejects blank field values and names


@dataclass(frozen=True, slots=True)
class RenderedPost:
    title: str
    description: str
    url: str | None
    color: int
    fields: tuple[tuple[str, str, bool], ...]  # (name, value, inline)
    footer: str
    timestamp: datetime | None


def total_length(post: RenderedPost) -> int:
    """What Discord adds up against the 6000 limit: title, description, field names and values, footer."""
    parts = [post.title, post.description, post.footer]
    parts += [name for name, _, _ in post.fields] + [value for _, value, _ in post.fields]
    return sum(dlen(part.strip()) for part in parts)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize() or "Event")


def render_event(post: EventPost) -> RenderedPost:
    """Render one event as an embed-shaped post (escaped, coloured by kind, within every limit)."""
    title = truncate(f"{kind_label(post.kind)}: {fit(post.title, TITLE_MAX, single_line=True) or 'untitled event'}",
                     TITLE_MAX)
    fields: list[tuple[str, str, bool]] = []
    for name, value in (("Who", post.who), ("Where", post.where), ("Weapon", post.weapon),
                        ("Casualties", post.casualties)):
        if value and value.strip():
            fields.append((name, fit(value, FIELD_VALUE_MAX), True))
    if post.context:
        lines = [f"• {fit(line, FIELD_VALUE_MAX, single_line=True)}" for line in post.context if line.strip()]
        fields.append(("Timeline", _lines_within(lines, FIELD_VALUE_MAX), False))
    for name, value in post.extra.items():
        if name.strip() and value.strip():
            fields.append((fit(name, FIELD_NAME_MAX, single_line=True), fit(value, FIELD_VALUE_MAX), False))
    if post.sources:
        fields.append((f"Sources ({len(post.sources)})", _sources_value(post.sources), False))
    # Keep the sources field when extras push past 25: where a report came from matters more than extras.
    if len(fields) > FIELDS_MAX:
        fields = [*fields[: FIELDS_MAX - 1], fields[-1]] if post.sources else fields[:FIELDS_MAX]
    rendered = RenderedPost(
        title=title,
        description=fit(post.summary, DESCRIPTION_MAX) or "No summary yet.",
        url=_first_url(post.sources),
        color=KIND_COLORS.get(post.kind, DEFAULT_COLOR),
        fields=tuple(_nonblank(field) for field in fields),
        footer=truncate(_footer(post), FOOTER_MAX),
        timestamp=post.occurred_at,
    )
    return fit_total(rendered)


def render_digest(posts: Sequence[EventPost], title: str) -> RenderedPost:
    """One message summarising many events (a burst, or the day): one line each, newest last, within limits."""
    lines = [_digest_line(post) for post in posts]
    counts: dict[str, int] = {}
    for post in posts:
        counts[post.kind] = counts.get(post.kind, 0) + 1
    fields = tuple((kind_label(kind), str(count), True) for kind, count in sorted(counts.items()))[:FIELDS_MAX]
    rendered = RenderedPost(
        title=fit(title, TITLE_MAX, single_line=True) or "Digest",
        description=_lines_within(lines, DESCRIPTION_MAX) if lines else "No events.",
        url=None,
        color=DIGEST_COLOR,
        fields=fields,
        footer=truncate(f"{len(posts)} event{'s' if len(posts) != 1 else ''} · /event <id> for details",
                        FOOTER_MAX),
        timestamp=max((post.occurred_at for post in posts), default=None),
    )
    return fit_total(rendered)


def as_text(post: RenderedPost) -> str:
    """Plain text for the console: the same content, with the markdown escapes removed again."""
    out = [unescape(post.title)]
    if post.url:
        out.append(post.url)
    out.append("")
    out.append(unescape(post.description))
    for name, value, _inline in post.fields:
        out.append(f"{unescape(name)}:")
        out.extend(f"  {line}" for line in unescape(value).splitlines())
    stamp = f" · {post.timestamp:%Y-%m-%d %H:%M} UTC" if post.timestamp else ""
    out.append(f"-- {unescape(post.footer)}{stamp}")
    return "\n".join(out)


def fit_total(post: RenderedPost) -> RenderedPost:
    """Shrink the largest part until the whole post is within TOTAL_MAX (title and footer are kept whole)."""
    while (over := total_length(post) - TOTAL_MAX) > 0:
        sizes = [("description", -1, dlen(post.description))]
        sizes += [("value", i, dlen(value)) for i, (_, value, _) in enumerate(post.fields)]
        sizes += [("name", i, dlen(name)) for i, (name, _, _) in enumerate(post.fields)]
        part, index, size = max(sizes, key=lambda item: item[2])
        if size <= 1:
            # Everything is down to one character: only dropping a field can help (unreachable with
            # 25 fields of the given limits, but it keeps this loop finite whatever the limits are).
            post = replace(post, fields=post.fields[:-1])
            continue
        target = max(1, size - over)
        if part == "description":
            post = replace(post, description=truncate(post.description, target))
            continue
        name, value, inline = post.fields[index]
        fields = list(post.fields)
        fields[index] = (name, truncate(value, target), inline) if part == "value" else \
            (truncate(name, target), value, inline)
        post = replace(post, fields=tuple(fields))
    return post


def _nonblank(field: tuple[str, str, bool]) -> tuple[str, str, bool]:
    name, value, inline = field
    return (name if name.strip() else EMPTY, value if value.strip() else EMPTY, inline)


def _lines_within(lines: Sequence[str], limit: int, line_max: int = 300) -> str:
    """Join whole lines up to `limit`; say how many were left out instead of cutting the list mid-line."""
    kept: list[str] = []
    used = 0
    for index, raw in enumerate(lines):
        line = truncate(raw, min(limit, line_max))
        need = used + (1 if kept else 0) + dlen(line)
        left_after = len(lines) - index - 1
        if left_after:
            # Only take this line if the "and N more" marker for the rest would still fit after it.
            need += 1 + dlen(_more(left_after))
        if need > limit:
            kept.append(_more(len(lines) - index))
            break
        kept.append(line)
        used += (1 if len(kept) > 1 else 0) + dlen(line)
    return "\n".join(kept) or EMPTY


def _more(count: int) -> str:
    return f"{ELLIPSIS} and {count} more"


def _sources_value(sources: Sequence[SourceLink]) -> str:
    lines = [f"{link(source.name, source.url)} · {source.published_at:%d %b %H:%M}" for source in sources]
    return _lines_within(lines, FIELD_VALUE_MAX)


def _first_url(sources: Sequence[SourceLink]) -> str | None:
    for source in sources:
        url = safe_url(source.url)
        if url:
            return url
    return None


def _footer(post: EventPost) -> str:
    parts = [f"confidence {post.confidence:.0%}"]
    if post.model_version:  # seeded history has no model behind it
        parts.append(f"model {fit(post.model_version, 200, single_line=True)}")
    parts.append(f"event #{post.event_id}")
    if post.revision > 1:
        parts.append(f"updated (rev {post.revision})")
    return " · ".join(parts)


def _digest_line(post: EventPost) -> str:
    where = f" — {fit(post.where, 100, single_line=True)}" if post.where and post.where.strip() else ""
    title = fit(post.title, 200, single_line=True) or "untitled event"
    return f"• `#{post.event_id}` {post.occurred_at:%d %b %H:%M} · {kind_label(post.kind)}: {title}{where}"
