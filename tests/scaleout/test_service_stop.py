"""`sitrep run` stops on SIGTERM within 10 s and closes cleanly: the fetches in flight are finished and stored,
no new feed is claimed after the signal, no lease is left behind, and the health server goes away."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from sqlalchemy import select

from bot.storage.db import create_engine, upgrade
from bot.storage.models import Feed
from tests.scaleout.harness import (
    SlowFeedServer,
    StoreView,
    free_port,
    healthy,
    seed_store,
    serve_feeds,
    service_env,
    start_process,
    utcnow,
    wait_until,
)

pytestmark = pytest.mark.timeout(120)


async def test_sigterm_finishes_in_flight_fetches_and_exits_within_10s(tmp_path, model_dir):
    url = f"sqlite+aiosqlite:///{tmp_path / 'sitrep.db'}"
    await upgrade(url)
    server = SlowFeedServer(delay_s=2.0)  # every fetch is in flight for 2 s
    await server.start()
    port = free_port()
    proc = None
    try:
        scenario = serve_feeds(server, 40, utcnow())
        await seed_store(url, server, scenario, {})
        env = service_env(tmp_path, url, model_dir, SITREP_SERVICE__HTTP_PORT=str(port),
                          SITREP_WORKER_ID="stopper", SITREP_POLL__BATCH_SIZE="4", SITREP_POLL__MAX_CONCURRENCY="4")
        proc = await start_process("all", env, tmp_path / "run.log")
        await wait_until(lambda: healthy(port), 60, what="/healthz to answer 200")
        await wait_until(lambda: _any_hit(server), 30, interval=0.05, what="the first fetches")
        proc.send_signal(signal.SIGTERM)
        signalled = time.time()
        started = time.monotonic()
        await asyncio.wait_for(proc.wait(), 15)
        took = time.monotonic() - started
    finally:
        if proc is not None and proc.returncode is None:  # a failed wait must not leave the service running
            proc.kill()
            await proc.wait()
        await server.stop()
    log = (tmp_path / "run.log").read_text()
    assert proc.returncode == 0 and took < 10, (proc.returncode, took, log[-2000:])
    assert "stopped" in log.splitlines()[-1], log[-2000:]
    assert not await healthy(port)

    requested_before = {path for path, hits in server.hit_times.items() if min(hits) < signalled}
    view = StoreView(create_engine(url))
    try:
        feeds = await view.rows(select(Feed.url, Feed.last_success_at, Feed.lease_owner))
    finally:
        await view.engine.dispose()
    done = {f.url.split(str(server.port), 1)[1] for f in feeds if f.last_success_at is not None}
    assert requested_before and requested_before <= done  # what was in flight was finished and stored
    assert len(done) < len(feeds)  # ...but the cycle did not run on to the other feeds
    assert all(f.lease_owner is None for f in feeds)  # claimed-but-unstarted feeds were handed back


async def _any_hit(server: SlowFeedServer) -> bool:
    return bool(server.hit_times)
