"""Serve a list of feed bodies at /feed/<n> from a child process on 127.0.0.1, so the server's CPU is not
counted in the benchmark's own. With `etags`, each body has an ETag and answers If-None-Match with 304.
Given `later` bodies too, a POST to /next switches every feed to its later body (a new ETag)."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager


def _serve(generations: list[list[bytes]], etags: bool,
           port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from aiohttp import web

    current = 0

    async def handle(request: web.Request) -> web.Response:
        index = int(request.match_info["n"])
        headers = {}
        if etags:
            headers["ETag"] = f'"{current}-{index}"'
            if request.headers.get("If-None-Match") == headers["ETag"]:
                return web.Response(status=304, headers=headers)
        return web.Response(body=generations[current][index], headers=headers, content_type="application/xml")

    async def advance(_request: web.Request) -> web.Response:
        nonlocal current
        current = min(current + 1, len(generations) - 1)
        return web.Response(text=str(current))

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}", handle)
        app.router.add_post("/next", advance)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def feed_host(bodies: list[bytes], *, etags: bool, later: list[bytes] | None = None) -> Iterator[int]:
    """Start the server; yields its port; stops it on the way out."""
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    generations = [bodies] if later is None else [bodies, later]
    server = multiprocessing.Process(target=_serve, args=(generations, etags, queue), daemon=True)
    server.start()
    try:
        yield queue.get(timeout=30)
    finally:
        server.terminate()
