"""Load the historical seed timeline (config/timeline.jsonl) into the events table, idempotently.

Each line: seed_key, date (YYYY-MM-DD), kind (militia_attack | us_strike | other), title, summary, place
(gazetteer key or null), places, groups [{key, role}], weapons, casualties {category: {killed, wounded}},
source (URL). A row whose seed_key is already stored is skipped, so `sitrep db seed` can run at every deploy;
the service also seeds at start-up.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import events as store
from bot.storage.models import Event

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
        rows.append(row)
    return rows


async def seed_timeline(session: AsyncSession, path: Path) -> int:
    """Insert the seed events not yet stored; returns how many were added. Commits."""
    rows = read_timeline(path)
    known = set((await session.execute(select(Event.seed_key).where(Event.seed_key.is_not(None)))).scalars())
    added = 0
    for row in rows:
        if row["seed_key"] in known:
            continue
        occurred = datetime.combine(row["_day"], time(12), tzinfo=UTC)
        places = row.get("places") or ([row["place"]] if row.get("place") else [])
        event = Event(kind=row["kind"], occurred_at=occurred, first_seen_at=occurred, updated_at=occurred,
                      title=row["title"], summary=row.get("summary", ""), place_key=row.get("place"),
                      country=row.get("country"), groups=row.get("groups", []), places=places,
                      weapons=row.get("weapons", []), casualties=row.get("casualties", {}), confidence=1.0,
                      origin="seed", seed_key=row["seed_key"], source_url=row["source"], revision=1)
        session.add(event)
        await session.flush()
        await store.set_event_index_rows(session, event)
        known.add(row["seed_key"])
        added += 1
    await session.commit()
    return added


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
