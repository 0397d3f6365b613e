"""Build the `EventPost` for one event: the facts in words, the timeline lines and the sources."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.intel.casualties import CATEGORY_LABELS
from bot.intel.context import timeline_context
from bot.intel.gazetteer import Gazetteer
from bot.publishing.post import EventPost, SourceLink
from bot.settings import CONFIG_DIR
from bot.storage import events as store
from bot.storage.models import Event

_SHORT_LABELS = {"us_military": "US troops", "us_contractor": "US contractors"}


class EventNotFound(LookupError):
    """No event with that id."""


@lru_cache(maxsize=4)
def _default_gazetteer(path: Path, mtime: float) -> Gazetteer:
    del mtime  # part of the cache key: an edited file is reloaded
    return Gazetteer.load(path)


def default_gazetteer(path: Path | None = None) -> Gazetteer:
    """The configured gazetteer, cached until the file changes."""
    path = path or CONFIG_DIR / "gazetteer.toml"
    return _default_gazetteer(path, path.stat().st_mtime)


async def load_post(session: AsyncSession, event_id: int, now: datetime,
                    gazetteer: Gazetteer | None = None) -> EventPost:
    """The post for `event_id` as it should look now (timeline lines anchored on the event's time)."""
    gz = gazetteer or default_gazetteer()
    event = await session.get(Event, event_id)
    if event is None:
        raise EventNotFound(f"no event {event_id}")
    context = await timeline_context(session, event, now)
    links = await store.source_links(session, event_id)
    sources = tuple(SourceLink(name, url, published) for name, url, published in links)
    if not sources and event.source_url:
        sources = (SourceLink("seed timeline", event.source_url, event.occurred_at),)
    return EventPost(
        event_id=event.id, revision=event.revision, kind=event.kind, title=event.title,
        summary=event.summary or event.title, occurred_at=event.occurred_at,
        who=who_text(event, gz), where=where_text(event, gz), weapon=weapon_text(event, gz),
        casualties=casualty_text(event.casualties), context=context.lines(gz, now), sources=sources,
        confidence=event.confidence, model_version=event.model_version, severe=is_severe(event.casualties),
    )


def who_text(event: Event, gz: Gazetteer) -> str | None:
    """'Islamic Resistance in Iraq (claimed); Kataib Hezbollah (attributed)' or 'Kataib Hezbollah (targeted)'."""
    parts = [f"{gz.group_name(g['key'])} ({g.get('role', 'attributed')})" for g in event.groups]
    return "; ".join(parts) or None


def where_text(event: Event, gz: Gazetteer) -> str | None:
    if not event.place_key:
        return event.country
    place = gz.places.get(event.place_key)
    if place is None:
        return event.place_key
    return f"{place.name}, {place.country}" if place.country not in place.name else place.name


def weapon_text(event: Event, gz: Gazetteer) -> str | None:
    return ", ".join(gz.weapon_name(w) for w in event.weapons) or None


def casualty_text(casualties: dict[str, Any]) -> str | None:
    """'US troops: 3 killed, 47 wounded; partner forces: 6 killed' or 'no injuries reported'.

    A count revised since its first report reads '32 wounded (revised from 17)' (seed timeline `revisions`).
    """
    parts = []
    for category, label in CATEGORY_LABELS.items():
        counts = casualties.get(category)
        if not counts:
            continue
        before = counts.get("revised_from") or {}
        bits = [f"{n} {word}" + (f" (revised from {before[word]})" if word in before else "")
                for word, n in (("killed", counts.get("killed")), ("wounded", counts.get("wounded"))) if n]
        if bits:
            parts.append(f"{_SHORT_LABELS.get(category, label)}: {', '.join(bits)}")
    if parts:
        return "; ".join(parts)
    return "no injuries reported" if casualties.get("none_reported") else None


def is_severe(casualties: dict[str, Any]) -> bool:
    """US personnel (troops or contractors) killed or wounded."""
    us = [casualties.get(c) or {} for c in ("us_military", "us_contractor")]
    return any(counts.get("killed") or counts.get("wounded") for counts in us)
