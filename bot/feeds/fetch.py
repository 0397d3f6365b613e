"""HTTP fetching of feeds: one shared aiohttp session, conditional GET, limits, redirects checked hop by hop."""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import aiohttp
from yarl import URL

from bot.feeds.ssrf import AddressPolicy, BlockedAddressError, GuardedResolver
from bot.settings import PollSettings

Outcome = Literal["changed", "not_modified", "error"]
_CHUNK = 64 * 1024
_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"


@dataclass(frozen=True, slots=True)
class FetchResult:
    outcome: Outcome
    url: str  # the final URL after redirects
    http_status: int | None = None
    body: bytes | None = None
    body_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    retry_after_s: float | None = None


class FetchError(Exception):
    """A fetch failed for a reason worth showing to the team as is."""

    def __init__(self, message: str, *, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s


def make_session(settings: PollSettings) -> aiohttp.ClientSession:
    """The one HTTP session of the process: SSRF-guarded resolver, connection limits, honest User-Agent."""
    policy = AddressPolicy(settings.allow_private)
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(policy),
        limit=settings.max_concurrency,
        limit_per_host=settings.per_host_concurrency,
        ttl_dns_cache=300,
    )
    timeout = aiohttp.ClientTimeout(
        total=settings.total_timeout_s, sock_connect=settings.connect_timeout_s, sock_read=settings.connect_timeout_s
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        auto_decompress=True,
    )


class Fetcher:
    """Fetches feed bodies within the configured limits; never raises for a feed's own failure."""

    def __init__(self, session: aiohttp.ClientSession, settings: PollSettings) -> None:
        self._session = session
        self._settings = settings
        self._policy = AddressPolicy(settings.allow_private)
        # The connector caps connections per host; this caps whole fetches (including redirects) per host.
        self._host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_host_concurrency)
        )

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, last_hash: str | None = None
    ) -> FetchResult:
        try:
            async with self._host_slots[URL(url).host or ""]:
                return await self._fetch(url, etag, last_modified, last_hash)
        except FetchError as exc:
            return FetchResult("error", url, exc.status, error=str(exc), retry_after_s=exc.retry_after_s)
        except BlockedAddressError as exc:
            return FetchResult("error", url, error=str(exc))
        except aiohttp.ClientConnectorError as exc:
            # The resolver's SSRF refusal arrives wrapped in a connector error.
            cause = exc.os_error if isinstance(exc.os_error, BlockedAddressError) else None
            return FetchResult("error", url, error=str(cause) if cause else f"cannot connect: {exc.os_error}")
        except TimeoutError:
            return FetchResult("error", url, error=f"timed out (limit {self._settings.total_timeout_s:g} s)")
        except aiohttp.ClientError as exc:
            return FetchResult("error", url, error=f"HTTP client error: {type(exc).__name__}: {exc}")

    async def _fetch(
        self, url: str, etag: str | None, last_modified: str | None, last_hash: str | None
    ) -> FetchResult:
        headers = {"Accept": _ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = URL(url)
        for _hop in range(self._settings.max_redirects + 1):
            self._check_url(current)
            async with self._session.get(current, headers=headers, allow_redirects=False) as response:
                if response.status in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(f"HTTP {response.status} without a Location header", status=response.status)
                    current = current.join(URL(location))
                    continue
                return await self._finish(response, str(current), last_hash)
        raise FetchError(f"more than {self._settings.max_redirects} redirects")

    def _check_url(self, url: URL) -> None:
        if url.scheme not in ("http", "https"):
            raise FetchError(f"refused: scheme {url.scheme!r} (only http and https)")
        if not url.host:
            raise FetchError("refused: URL has no host")
        self._policy.check_literal(url.host)

    async def _finish(self, response: aiohttp.ClientResponse, url: str, last_hash: str | None) -> FetchResult:
        status = response.status
        if status == 304:
            return FetchResult("not_modified", url, status)
        if status in (429, 503):
            retry = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
            raise FetchError(f"HTTP {status} {response.reason or ''}".strip(), status=status, retry_after_s=retry)
        if status >= 400:
            raise FetchError(f"HTTP {status} {response.reason or ''}".strip(), status=status)
        body = await self._read_capped(response)
        digest = hashlib.sha256(body).hexdigest()
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if digest == last_hash:
            return FetchResult("not_modified", url, status, body_hash=digest, etag=etag, last_modified=last_modified)
        return FetchResult("changed", url, status, body, digest, etag, last_modified)

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        cap = self._settings.max_body_bytes
        declared = response.content_length
        # Content-Length is the compressed size; the cap below also holds for what decompression yields.
        if declared is not None and declared > cap and not response.headers.get("Content-Encoding"):
            raise FetchError(f"body too large: {declared} bytes declared, limit {cap}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise FetchError(f"body too large: over {cap} bytes (aborted)")
            chunks.append(chunk)
        return b"".join(chunks)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
