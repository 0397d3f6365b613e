"""PostgreSQL side of the storage benchmarks: a fresh migrated database and a COPY-based bulk load.

Used by bench_discord.py and bench_timeline.py when `--db-url postgresql+asyncpg://...` is given. The schema
comes from the real Alembic migrations; for the load only, the secondary indexes of the loaded tables (the GIN
tsvector index included) are dropped and then re-created from their own `pg_get_indexdef`, so the definitions
measured are exactly the migration's, and foreign-key triggers are skipped (`session_replication_role`; the
generated rows are consistent). Then sequences are moved past the loaded ids and `VACUUM ANALYZE` runs, which is
the state autovacuum leaves a real store in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url

from bot.storage.db import upgrade_sync

SECONDARY_INDEXES = """
SELECT pg_get_indexdef(i.indexrelid) AS ddl, i.indexrelid::regclass::text AS name
FROM pg_index i
WHERE i.indrelid = $1::regclass AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_dsn(url, "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def recreate_database(url: str) -> None:
    """Drop the URL's database if it exists, create it empty and run the migrations."""
    name = make_url(url).database
    asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    upgrade_sync(url)


def drop_database(url: str) -> None:
    asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


@asynccontextmanager
async def bulk_load(url: str, tables: Sequence[str]) -> AsyncIterator[asyncpg.Connection]:
    """A connection to COPY into `tables` with their secondary indexes dropped; rebuilt and analysed on exit."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute("SET synchronous_commit = off; SET session_replication_role = replica; "
                           "SET maintenance_work_mem = '1GB'")
        indexes = [row for table in tables for row in await conn.fetch(SECONDARY_INDEXES, table)]
        for row in indexes:
            await conn.execute(f"DROP INDEX {row['name']}")
        yield conn
        began = time.perf_counter()
        for row in indexes:
            await conn.execute(row["ddl"])
        print(f"  {len(indexes)} indexes rebuilt in {time.perf_counter() - began:.0f} s", flush=True)
        for table in tables:  # the rows carry explicit ids: move each id sequence past them
            sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, attname) FROM pg_attribute "
                                           "WHERE attrelid = $1::regclass AND attname = 'id'", table)
            if sequence:
                await conn.execute(f"SELECT setval('{sequence}', (SELECT max(id) FROM {table}))")
        began = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE in {time.perf_counter() - began:.0f} s", flush=True)
    finally:
        await conn.close()


async def database_size(url: str) -> int:
    conn = await asyncpg.connect(_dsn(url))
    try:
        return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await conn.close()
