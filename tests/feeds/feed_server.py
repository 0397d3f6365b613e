"""A real HTTP server on 127.0.0.1 that serves feeds and misbehaves on purpose, for the ingestion tests."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # answer If-None-Match with 304
    drip_delay_s: float = 0.0  # send the body a few bytes at a time with this pause
    gzip: bool = False
    redirect_to: str | None = None


class FeedServer:
    """`server.routes[path] = Route(...)`; `server.url(path)`; `server.hits[path]` counts requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.hit_times: dict[str, list[float]] = {}  # time.monotonic() of each request, for latency benchmarks
        self.request_headers: dict[str, list[dict[str, str]]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] = self.hits.get(path, 0) + 1
        self.hit_times.setdefault(path, []).append(time.monotonic())
        self.request_headers.setdefault(path, []).append(dict(request.headers))
        route = self.routes.get(path)
        if route is None:
            return web.Response(status=404, text="no such feed")
        if route.redirect_to is not None:
            raise web.HTTPFound(route.redirect_to)
        headers = dict(route.headers)
        etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
        if route.etag and route.status == 200:
            headers["ETag"] = etag
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers=headers)
        body = route.body
        if route.gzip:
            body = gzip.compress(body, compresslevel=9)
            headers["Content-Encoding"] = "gzip"
        if route.drip_delay_s:
            return await self._drip(request, route, headers, body)
        return web.Response(status=route.status, body=body, headers=headers,
                            content_type=None if "Content-Type" in headers else "application/rss+xml")

    async def _drip(
        self, request: web.Request, route: Route, headers: dict[str, str], body: bytes
    ) -> web.StreamResponse:
        response = web.StreamResponse(status=route.status, headers=headers)
        await response.prepare(request)
        try:
            for i in range(0, len(body), 16):
                await response.write(body[i : i + 16])
                await asyncio.sleep(route.drip_delay_s)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response
