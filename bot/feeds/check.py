"""Fetch and parse one URL without storing anything: for `feeds add`, `feeds check` and /feeds check."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.app import AppContext
from bot.feeds.fetch import Fetcher, make_session
from bot.feeds.parse import ParseError, parse_feed


@dataclass(frozen=True, slots=True)
class CheckResult:
    ok: bool
    status: int | None
    entries: int = 0
    title: str | None = None
    error: str | None = None
    sample: list[str] = field(default_factory=list)


async def check_feed(ctx: AppContext, url: str) -> CheckResult:
    settings = ctx.settings.poll
    if ctx.http is None:
        async with make_session(settings) as http:
            result = await Fetcher(http, settings).fetch(url)
    else:
        result = await Fetcher(ctx.http, settings).fetch(url)
    if result.outcome == "error" or result.body is None:
        return CheckResult(False, result.http_status, error=result.error or "empty response")
    try:
        parsed = await asyncio.to_thread(parse_feed, result.body, url, datetime.now(UTC))
    except ParseError as exc:
        return CheckResult(False, result.http_status, error=str(exc))
    sample = [a.title for a in parsed.articles[:5]]
    return CheckResult(True, result.http_status, len(parsed.articles), parsed.title or None, sample=sample)
