"""Schema upgrades when several sitrep processes start at once, and lease release on the way out.

Alembic does not serialise concurrent upgrades: two workers starting on a fresh PostgreSQL database would both
try to create the tables. A session-level advisory lock makes one process migrate while the others wait, then
find the schema at head and do nothing. SQLite has one process per file in practice, so it goes straight on.
"""

from __future__ import annotations

import logging

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.db import create_engine, is_sqlite, upgrade
from bot.storage.models import Feed

log = logging.getLogger(__name__)

# Any constant shared by all sitrep processes; "sitrep" in ASCII, to be recognisable in pg_locks.
MIGRATION_LOCK_KEY = 0x73697472_6570


async def upgrade_once(url: str) -> None:
    """Upgrade the schema to head; on PostgreSQL under an advisory lock so only one process migrates at a time."""
    if is_sqlite(url):
        await upgrade(url)
        return
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                await upgrade(url)
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    finally:
        await engine.dispose()


async def release_leases(sessions: async_sessionmaker[AsyncSession], owner: str) -> int:
    """Give back the feeds this process claimed but did not finish, so other workers (or the next start) poll
    them now instead of after the lease expires. Call only once no job of this process is running."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(Feed).where(Feed.lease_owner == owner).values(lease_owner=None, lease_expires_at=None)
        )
    released = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if released:
        log.info("released %d unfinished feed lease(s)", released)
    return released
