"""Discord's rate limits as the fake enforces them: per-route buckets announced in `X-RateLimit-*` headers on
every answer, a 429 with `retry_after` when a bucket is empty, and a global 429 on demand.

Numbers from the discord-api-docs "Rate Limits" page: buckets are per route and major parameter (a channel id),
the limits are not documented per route and must be read from the headers; message creation per channel is
commonly 5 per 5 s, which is the default here.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from aiohttp import web

from tests.discord.wire import JSON


@dataclass
class Bucket:
    limit: int
    per_s: float
    hits: list[float] = field(default_factory=list)

    def take(self, now: float) -> tuple[bool, int, float]:
        """(allowed, remaining after this request, seconds until the oldest hit leaves the window)."""
        self.hits = [t for t in self.hits if now - t < self.per_s]
        if len(self.hits) >= self.limit:
            return False, 0, self.per_s - (now - self.hits[0])
        self.hits.append(now)
        return True, self.limit - len(self.hits), self.per_s - (now - self.hits[0])


@dataclass
class RateLimits:
    """Route patterns (METHOD + path regex with the major parameter as group 1) and their limit per window."""

    routes: dict[str, tuple[int, float]] = field(default_factory=lambda: {
        r"POST /channels/(\d+)/messages$": (5, 5.0),
        r"PATCH /channels/(\d+)/messages/\d+$": (5, 5.0),
    })
    buckets: dict[str, Bucket] = field(default_factory=dict)
    global_429s: int = 0  # the next this-many requests get a global 429
    global_retry_after: float = 0.2
    limited: int = 0  # 429s answered (route and global)

    def check(self, method: str, path: str) -> tuple[web.Response | None, dict[str, str]]:
        """(a 429 to answer instead, headers to add to the normal answer)."""
        if self.global_429s > 0:
            self.global_429s -= 1
            self.limited += 1
            return _too_many(self.global_retry_after, scope="global", is_global=True), {}
        for pattern, (limit, per_s) in self.routes.items():
            if match := re.fullmatch(pattern, f"{method} {path}"):
                key = f"{pattern}:{match[1]}"
                bucket = self.buckets.setdefault(key, Bucket(limit, per_s))
                allowed, remaining, reset_after = bucket.take(time.monotonic())
                headers = {
                    "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                    "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                    "X-RateLimit-Reset-After": f"{reset_after:.3f}", "X-RateLimit-Bucket": _bucket_id(pattern),
                }
                if not allowed:
                    self.limited += 1
                    return _too_many(reset_after, scope="user", extra=headers), {}
                return None, headers
        return None, {}


def _bucket_id(pattern: str) -> str:
    return f"{abs(hash(pattern)) % 16**8:08x}"


def _too_many(retry_after: float, *, scope: str, is_global: bool = False,
              extra: dict[str, str] | None = None) -> web.Response:
    # Via: Discord's own 429s pass Google's front end; discord.py reads a 429 without it as a Cloudflare ban.
    headers = {**JSON, **(extra or {}), "Retry-After": f"{max(retry_after, 0.001):.3f}", "X-RateLimit-Scope": scope,
               "Via": "1.1 google"}
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    body = {"message": "You are being rate limited.", "retry_after": max(retry_after, 0.001), "global": is_global}
    return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)
