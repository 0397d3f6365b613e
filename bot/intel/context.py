"""Timeline context of an event: what happened before it at the same place, by the same group, on the other side.

`timeline_context` gathers the data (indexed queries in bot.storage.events); `TimelineContext.lines` phrases
it for a post ("3rd attack on Ain al-Asad in 7 days", "last US strike: 6 days ago, on Kataib Hezbollah sites
near al-Qaim"). Windows are anchored on the event's own time so a post edited later says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.intel.gazetteer import Gazetteer
from bot.intel.textutil import ordinal
from bot.storage import events as store
from bot.storage.models import Event

ATTACK, STRIKE = store.ATTACK, store.STRIKE
WINDOWS = (7, 30)
ANSWER_WINDOW_DAYS = 14  # a strike usually answers an attack by the same group within two weeks
_SPECIFIC = {"militia", "state", "front"}


@dataclass(frozen=True, slots=True)
class EventRef:
    id: int
    kind: str
    occurred_at: datetime
    place_key: str | None
    title: str
    groups: tuple[str, ...]

    @classmethod
    def of(cls, event: Event) -> EventRef:
        return cls(event.id, event.kind, event.occurred_at, event.place_key, event.title,
                   tuple(g["key"] for g in event.groups))


@dataclass(frozen=True)
class TimelineContext:
    event: EventRef
    previous_at_place: tuple[EventRef, ...]
    previous_by_group: dict[str, tuple[EventRef, ...]]
    last_opposite: EventRef | None
    last_same_kind: EventRef | None
    counts: dict[str, dict[int, int]]  # kind -> {7: n, 30: n}, windows ending at the event (inclusive)
    place_counts: dict[int, int] = field(default_factory=dict)  # same kind at the same place, incl. this one

    @property
    def days_since_last(self) -> int | None:
        """Days since the previous event of the same kind (None when this is the first)."""
        return _days(self.event.occurred_at, self.last_same_kind)

    @property
    def days_since_opposite(self) -> int | None:
        return _days(self.event.occurred_at, self.last_opposite)

    def lines(self, gazetteer: Gazetteer, now: datetime) -> tuple[str, ...]:
        """Short lines for a post, most important first."""
        out = [line for line in (self._place_line(gazetteer), self._opposite_line(gazetteer, now),
                                 self._group_line(gazetteer, now)) if line]
        out.append(self._counts_line())
        return tuple(out)

    def _place_line(self, gz: Gazetteer) -> str | None:
        if not self.event.place_key:
            return None
        noun, prep = ("attack", "on") if self.event.kind == ATTACK else ("US strike", "near")
        place = gz.place_name(self.event.place_key)
        week = self.place_counts.get(7, 1)
        if week >= 2:
            return f"{ordinal(week)} {noun} {prep} {place} in 7 days"
        month = self.place_counts.get(30, 1)
        if month >= 2:
            return f"{ordinal(month)} {noun} {prep} {place} in 30 days"
        same = [e for e in self.previous_at_place if e.kind == self.event.kind]
        if same:
            return f"first {noun} {prep} {place} in {_days(self.event.occurred_at, same[0])} days"
        return f"first recorded {noun} {prep} {place}"

    def _opposite_line(self, gz: Gazetteer, now: datetime) -> str | None:
        other = self.last_opposite
        if other is None:
            return None
        label = "last US strike" if other.kind == STRIKE else "last attack"
        when = _when(self.event.occurred_at, other.occurred_at, now)
        return f"{label}: {when}, {describe(other, gz)}"

    def _group_line(self, gz: Gazetteer, now: datetime) -> str | None:
        for key, previous in self.previous_by_group.items():
            if previous and (gz.groups.get(key) is None or gz.groups[key].type in _SPECIFIC):
                prev = previous[0]
                what = "attack" if prev.kind == ATTACK else "US strike" if prev.kind == STRIKE else "event"
                where = f" {'on' if prev.kind == ATTACK else 'near'} {gz.place_name(prev.place_key)}" \
                    if prev.place_key else ""
                when = _when(self.event.occurred_at, prev.occurred_at, now)
                return f"previous {gz.group_name(key)} event: {what}{where}, {when}"
        return None

    def _counts_line(self) -> str:
        def part(days: int) -> str:
            a, s = self.counts[ATTACK][days], self.counts[STRIKE][days]
            return f"{a} attack{'s' * (a != 1)}, {s} US strike{'s' * (s != 1)}"
        return " · ".join(f"last {d} days: {part(d)}" for d in WINDOWS)


def describe(event: EventRef, gz: Gazetteer) -> str:
    """'on Kataib Hezbollah sites near al-Qaim' (strike) / 'on Tower 22' (attack)."""
    specific = [k for k in event.groups if gz.groups.get(k) is None or gz.groups[k].type in _SPECIFIC]
    place = gz.place_name(event.place_key) if event.place_key else None
    if event.kind == STRIKE:
        target = f"on {gz.group_name(specific[0])} sites" if specific else "on militia sites"
        return f"{target} near {place}" if place else target
    by = f" by {gz.group_name(specific[0])}" if specific else ""
    return (f"on {place}" if place else "on US forces") + by


def _days(anchor: datetime, other: EventRef | None) -> int | None:
    return None if other is None else max(0, (anchor.date() - other.occurred_at.date()).days)


def _when(anchor: datetime, other: datetime, now: datetime) -> str:
    days = max(0, (anchor.date() - other.date()).days)
    # A fresh event reads "ago"; an old one (timeline, late edit) reads relative to the event itself.
    if now - anchor < timedelta(days=2):
        return "earlier the same day" if days == 0 else f"{days} day{'s' * (days != 1)} ago"
    return "the same day" if days == 0 else f"{days} day{'s' * (days != 1)} before"


async def timeline_context(session: AsyncSession, event: Event, now: datetime) -> TimelineContext:
    """Gather the timeline around `event` (all queries are index lookups; see bench/bench_timeline.py)."""
    at = event.occurred_at
    opposite = STRIKE if event.kind == ATTACK else ATTACK
    groups = [g["key"] for g in event.groups]
    last_opposite = None
    if event.kind == STRIKE and groups:
        # The attack this strike answers: by the same group, shortly before.
        last_opposite = await store.last_of_kind(session, opposite, at, groups, at - timedelta(days=ANSWER_WINDOW_DAYS))
    if last_opposite is None:
        last_opposite = await store.last_of_kind(session, opposite, at)
    counts, place_counts = await store.window_counts(session, at, WINDOWS, event.place_key, event.kind)
    by_group = {k: tuple(EventRef.of(e) for e in await store.previous_by_group(session, event, k, 3)) for k in groups}
    last_same = await store.last_of_kind(session, event.kind, at)
    return TimelineContext(
        event=EventRef.of(event),
        previous_at_place=tuple(EventRef.of(e) for e in await store.previous_at_place(session, event)),
        previous_by_group=by_group,
        last_opposite=EventRef.of(last_opposite) if last_opposite else None,
        last_same_kind=EventRef.of(last_same) if last_same else None,
        counts=counts,
        place_counts=place_counts,
    )
