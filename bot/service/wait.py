"""Start-up waits for what a deployment may bring up after sitrep (the database, Discord): retried with backoff,
one log line per try, and one line naming the cause and the fix when `service.startup_wait_s` runs out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.app import StartupError

log = logging.getLogger(__name__)

T = TypeVar("T")
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 15.0


def describe(exc: BaseException) -> str:
    """One short line for an exception (asyncpg and aiohttp messages can run over several lines)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


async def wait_until_ready(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    limit_s: float,
    fix: str,
    *,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
) -> T:
    """Run `attempt` until it returns, waiting 1, 2, 4 ... 15 s between tries; after `limit_s` seconds raise
    StartupError with `what`, the last error and `fix`. Errors outside `retry_on` are not retried."""
    deadline = time.monotonic() + limit_s
    delay = FIRST_DELAY_S
    tries = 0
    while True:
        tries += 1
        try:
            return await attempt()
        except retry_on as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StartupError(f"{what} did not answer within {limit_s:.0f} s ({tries} tries; last: "
                                   f"{describe(exc)}); {fix}") from None
            pause = min(delay, left)
            log.warning("%s not reachable yet (try %d: %s); retrying in %.0f s", what, tries, describe(exc), pause)
            await asyncio.sleep(pause)
            delay = min(delay * 2, MAX_DELAY_S)
