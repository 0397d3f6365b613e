"""Load the historical seed timeline (config/timeline.jsonl) into the events table, idempotently.

Each line: seed_key, date (YYYY-MM-DD, the local day in the region, UTC+3), kind (militia_attack | us_strike |
other), title, summary, place (gazetteer key or null), places, groups [{key, role}], weapons, casualties
{category: {killed, wounded}} (the latest count), source (URL) with source_title / source_outlet / source_date,
and optionally revisions [{date, source, casualties, note}]: every published count, oldest first, the last equal
to `casualties` (docs/timeline.md). A stored seed event is updated when its line changed and deleted when its
line is gone, so `sitrep db seed` can run at every deploy and carries corrections; the service also seeds at
start-up.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import events as store
from bot.storage.models import CasualtyReport, Event

KINDS = {"militia_attack", "us_strike", "other"}
REQUIRED = {"seed_key", "date", "kind", "title", "source"}


class SeedError(ValueError):
    """A bad seed line; the message names the file, line and field."""


def read_timeline(path: Path) -> list[dict[str, Any]]:
    """Parse and check every line of the seed file."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SeedError(f"{where}: not JSON: {exc.msg}") from None
        missing = REQUIRED - set(row)
        if missing:
            raise SeedError(f"{where}: missing {sorted(missing)}")
        if row["kind"] not in KINDS:
            raise SeedError(f"{where}: kind {row['kind']!r} is not one of {sorted(KINDS)}")
        try:
            row["_day"] = date.fromisoformat(row["date"])
        except ValueError:
            raise SeedError(f"{where}: date {row['date']!r} is not YYYY-MM-DD") from None
        _check_revisions(row, where)
        rows.append(row)
    return rows


def _check_revisions(row: dict[str, Any], where: str) -> None:
    revisions = row.get("revisions") or []
    for i, rev in enumerate(revisions):
        if not {"date", "source", "casualties"} <= set(rev):
            raise SeedError(f"{where}: revision {i} needs date, source and casualties")
        try:
            date.fromisoformat(rev["date"])
        except ValueError:
            raise SeedError(f"{where}: revision {i} date {rev['date']!r} is not YYYY-MM-DD") from None
    if revisions and revisions[-1]["casualties"] != row.get("casualties", {}):
        raise SeedError(f"{where}: casualties differ from the last revision")


def stored_casualties(row: dict[str, Any]) -> dict[str, Any]:
    """The latest counts, each category marked with the first published count where that differs.

    {"us_military": {"killed": 0, "wounded": 32, "revised_from": {"wounded": 17}}}: posts then read
    "US troops: 32 wounded (revised from 17)".
    """
    latest = copy.deepcopy(row.get("casualties", {}))
    revisions = row.get("revisions") or []
    if len(revisions) < 2:
        return latest
    first = revisions[0]["casualties"]
    for category, counts in latest.items():
        if not isinstance(counts, dict):
            continue
        before = first.get(category) or {}
        changed = {k: before.get(k) or 0 for k in ("killed", "wounded") if (before.get(k) or 0) != (counts.get(k) or 0)}
        if changed:
            counts["revised_from"] = changed
    return latest


async def seed_timeline(session: AsyncSession, path: Path) -> int:
    """Insert new seed events, update changed ones, delete dropped ones; returns how many were added. Commits."""
    rows = read_timeline(path)
    stored = {e.seed_key: e for e in (await session.execute(select(Event).where(Event.origin == "seed"))).scalars()}
    added = 0
    for row in rows:
        event = stored.pop(row["seed_key"], None)
        if event is None:
            event = Event(origin="seed", seed_key=row["seed_key"], confidence=1.0, revision=1)
            _fill(event, row)
            session.add(event)
            added += 1
        elif _differs(event, row):
            _fill(event, row)
            event.revision += 1
            await session.execute(delete(CasualtyReport).where(CasualtyReport.event_id == event.id))
        else:
            continue
        await session.flush()
        await store.set_event_index_rows(session, event)
        _add_revisions(session, event, row)
    for gone in stored.values():  # a line removed from the file (not an event after all): its row goes too
        await session.delete(gone)
    await session.commit()
    return added


def _fill(event: Event, row: dict[str, Any]) -> None:
    # Noon UTC is 15:00 local: the stored day stays the local day the file gives.
    occurred = datetime.combine(row["_day"], time(12), tzinfo=UTC)
    event.kind, event.occurred_at, event.first_seen_at, event.updated_at = row["kind"], occurred, occurred, occurred
    event.title, event.summary, event.place_key = row["title"], row.get("summary", ""), row.get("place")
    event.country, event.groups, event.weapons = row.get("country"), row.get("groups", []), row.get("weapons", [])
    event.places = row.get("places") or ([row["place"]] if row.get("place") else [])
    event.casualties, event.source_url = stored_casualties(row), row["source"]


def _differs(event: Event, row: dict[str, Any]) -> bool:
    probe = Event()
    _fill(probe, row)
    fields = ("kind", "title", "summary", "place_key", "country", "groups", "weapons", "places", "casualties",
              "source_url")
    return any(getattr(probe, f) != getattr(event, f) for f in fields) or \
        probe.occurred_at.date() != event.occurred_at.date()


def _add_revisions(session: AsyncSession, event: Event, row: dict[str, Any]) -> None:
    # The casualty history (shown by /event) gets every published count with its day and source.
    for rev in row.get("revisions") or []:
        reported = datetime.combine(date.fromisoformat(rev["date"]), time(12), tzinfo=UTC)
        for category, counts in rev["casualties"].items():
            if isinstance(counts, dict):
                session.add(CasualtyReport(event_id=event.id, article_id=None, source=rev["source"][:200],
                                           category=category, killed=counts.get("killed"),
                                           wounded=counts.get("wounded"), reported_at=reported))


async def seed_on_start(sessions: async_sessionmaker[AsyncSession], path: Path) -> int:
    """`seed_timeline` at start-up, so timeline context works from the first post on a fresh store.

    Replicas starting together may both insert the same seed event; the unique seed_key stops the second,
    which then retries and finds everything there.
    """
    try:
        async with sessions() as session:
            return await seed_timeline(session, path)
    except IntegrityError:  # another replica stored a seed event first: a second pass skips what is there
        async with sessions() as session:
            return await seed_timeline(session, path)
