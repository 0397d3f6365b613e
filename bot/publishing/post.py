"""What a post about one event says, independent of where it is shown (Discord embed or console text).

The intel layer fills an EventPost from the store (bot.intel); bot.publishing.render turns it into a
RenderedPost within Discord's limits; the Discord edge and the console print that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SourceLink:
    name: str
    url: str | None
    published_at: datetime


@dataclass(frozen=True, slots=True)
class EventPost:
    event_id: int
    revision: int
    kind: str  # militia_attack | us_strike
    title: str
    summary: str
    occurred_at: datetime
    who: str | None  # e.g. "Islamic Resistance in Iraq (claimed)"
    where: str | None  # e.g. "Ain al-Asad air base, Iraq"
    weapon: str | None  # e.g. "one-way attack drones"
    casualties: str | None  # e.g. "US: 3 wounded (minor)"; "no injuries reported"
    context: tuple[str, ...] = ()  # timeline lines, most important first
    sources: tuple[SourceLink, ...] = ()
    confidence: float = 0.0
    model_version: str | None = None
    severe: bool = False  # US casualties: a subscription's role may be pinged
    extra: dict[str, str] = field(default_factory=dict)
