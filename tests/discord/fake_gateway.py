"""The gateway half of the fake Discord: HELLO, heartbeat ACK, IDENTIFY -> READY + GUILD_CREATE, RESUME, events
pushed to the connected client, and the closes Discord sends (op 7 reconnect, 4004, 4014...)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.discord.payloads import APP_ID, BOT_USER, GUILD_ID, TOKEN, guild_create


class FakeGateway:
    """Mixed into FakeDiscord, which sets `heartbeat_ms`, `gateway_ops`, `_seq`, `_sockets` and `gateway_url`."""

    heartbeat_ms: int
    gateway_ops: list[dict[str, Any]]
    _seq: int
    _sockets: list[web.WebSocketResponse]
    gateway_url: str

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Push an op-0 gateway event to every connected client."""
        for ws in list(self._sockets):
            self._seq += 1
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def request_reconnect(self) -> None:
        """Op 7, as Discord sends routinely: the client drops the socket and resumes its session."""
        for ws in list(self._sockets):
            await ws.send_json({"op": 7, "d": None})

    async def close_gateway(self, code: int) -> None:
        """Close every gateway socket with `code`, as Discord does (4004 after a token reset, 4014 for intents)."""
        for ws in list(self._sockets):
            await ws.close(code=code)


    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.gateway_ops.append(frame)
                await self._gateway_op(ws, frame)
        finally:
            self._sockets.remove(ws)
        return ws

    async def _gateway_op(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op = frame["op"]
        if op == 1:
            await ws.send_json({"op": 11})
        elif op == 2:
            if frame["d"]["token"] != TOKEN:
                await ws.close(code=4004)
                return
            self._seq += 1
            ready = {"v": 10, "user": BOT_USER, "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                     "session_id": "fake-session", "resume_gateway_url": self.gateway_url,
                     "application": {"id": str(APP_ID), "flags": 0}}
            await ws.send_json({"op": 0, "t": "READY", "s": self._seq, "d": ready})
            self._seq += 1
            await ws.send_json({"op": 0, "t": "GUILD_CREATE", "s": self._seq, "d": guild_create()})
        elif op == 6:
            self._seq += 1
            await ws.send_json({"op": 0, "t": "RESUMED", "s": self._seq, "d": {}})
