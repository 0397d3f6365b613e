"""A local fake Discord: the REST API and the gateway on 127.0.0.1, for the real discord.py client.

It implements the calls the bot makes (login, command sync, channel messages, interaction callbacks and
webhook follow-ups) and the gateway handshake (HELLO, heartbeat ACK, IDENTIFY -> READY + GUILD_CREATE,
RESUME), enforces the limits in `limits.py` with Discord's error codes, and records every request so tests
assert on what Discord would have received. Failures are injected with `fail(...)`.

Error codes used: 10003 unknown channel, 10008 unknown message, 10015 unknown webhook, 10062 unknown
interaction (ack after the deadline), 40060 interaction already acknowledged, 50001 missing access,
50013 missing permissions, 50027 invalid webhook token (expired), 50035 invalid form body.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.discord import limits, wire
from tests.discord.fake_gateway import FakeGateway
from tests.discord.payloads import APP_ID, BOT_USER, GUILD_ID, TOKEN, guild_create
from tests.discord.ratelimits import RateLimits
from tests.discord.wire import (
    Reply,
    app_info,
    attachments,
    error,
    json_response,
    pings,
    public,
    read_body,
)

EPHEMERAL = 64


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]]
    headers: dict[str, str]
    status: int = 0


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    code: int
    retry_after: float | None
    via: bool
    times: int


@dataclass
class InteractionState:
    id: str
    token: str
    created: float
    acked: bool = False
    source_message_id: int | None = None  # the message a button or select was on
    loading: bool = False  # deferred with "thinking…": the first follow-up replaces that message
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # everything shown to the user, in order


class FakeDiscord(FakeGateway):
    """Start with `await fake.start()`; patch discord.py with `fake.rest_base` and `fake.gateway_url`."""

    def __init__(self, *, ack_deadline: float = 3.0, token_lifetime: float = 900.0, heartbeat_ms: int = 41250):
        self.ack_deadline = ack_deadline
        self.token_lifetime = token_lifetime
        self.heartbeat_ms = heartbeat_ms
        self.requests: list[Recorded] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.forbidden_channels: set[int] = set()
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.interactions: dict[str, InteractionState] = {}
        self.gateway_ops: list[dict[str, Any]] = []
        self._failures: list[Failure] = []
        self.rate_limits = RateLimits()
        self._ids = itertools.count(900_000_000_000_000_000)
        self._seq = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=30 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def rest_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    def new_id(self) -> int:
        return next(self._ids)

    # ------------------------------------------------------------------ test controls
    def fail(self, method: str, path: str, status: int, *, code: int = 0, retry_after: float | None = None,
             via: bool = True, times: int = 1) -> None:
        """Answer the next `times` requests matching METHOD and the path regex with an error."""
        self._failures.append(Failure(method, re.compile(path), status, code, retry_after, via, times))

    async def wait_for(self, predicate: Any, limit_s: float = 5.0) -> Recorded:
        """The first recorded request (past or future) for which predicate(rec) is true."""
        deadline = time.monotonic() + limit_s
        while True:
            for rec in self.requests:
                if predicate(rec):
                    return rec
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [f"{r.method} {r.path} {r.status}" for r in self.requests[-15:]]
                raise AssertionError(f"no matching request within {limit_s}s; last: {seen}")
            self._event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)

    def posted(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Messages created in channels (not interaction responses), oldest first."""
        return [m for m in self.messages.values()
                if not m.get("via_interaction") and (channel_id is None or m["channel_id"] == str(channel_id))]

    async def interact(self, payload: dict[str, Any]) -> InteractionState:
        """Register an interaction (its token and ack clock) and dispatch INTERACTION_CREATE."""
        state = InteractionState(payload["id"], payload["token"], time.monotonic())
        if payload.get("message"):
            state.source_message_id = int(payload["message"]["id"])
        self.interactions[payload["token"]] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return state

    # ------------------------------------------------------------------ REST
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await read_body(request)
        rec = Recorded(request.method, path, dict(request.query), body, files, dict(request.headers))
        limited, headers = self.rate_limits.check(request.method, path)
        try:
            response = limited or self._injected(rec) or await self._route(rec)
        except Reply as reply:
            response = reply.response
        response.headers.update(headers)
        rec.status = response.status
        self.requests.append(rec)
        self._event.set()
        return response

    def _injected(self, rec: Recorded) -> web.Response | None:
        for failure in self._failures:
            if failure.times > 0 and failure.method == rec.method and failure.path.search(rec.path):
                failure.times -= 1
                headers = dict(wire.JSON)
                body: dict[str, Any] = {"message": f"injected {failure.status}", "code": failure.code}
                if failure.status == 429:
                    body.update(retry_after=failure.retry_after or 0.05, **{"global": False})
                    headers["Retry-After"] = str(failure.retry_after or 0.05)
                    headers["X-RateLimit-Scope"] = "user"
                if failure.via:
                    headers["Via"] = "1.1 google"
                return web.Response(status=failure.status, body=json.dumps(body).encode(), headers=headers)
        return None

    async def _route(self, rec: Recorded) -> web.Response:
        m, p = rec.method, rec.path
        if p == "/users/@me" and m == "GET":
            if rec.headers.get("Authorization") != f"Bot {TOKEN}":
                return error(401, 0, "401: Unauthorized")
            return json_response(BOT_USER)
        if p == "/oauth2/applications/@me":
            return json_response(app_info())
        if match := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", p):
            return self._commands(rec, int(match[2]) if match[2] else None)
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/crosspost", p):
            return self._crosspost(int(match[1]), int(match[2]))
        if match := re.fullmatch(r"/channels/(\d+)/messages(?:/(\d+))?", p):
            return self._channel_message(rec, int(match[1]), int(match[2]) if match[2] else None)
        if match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", p):
            return self._callback(rec, match[2])
        if match := re.fullmatch(r"/webhooks/(\d+)/([^/]+)(?:/messages/([^/]+))?", p):
            return self._webhook(rec, match[2], match[3])
        return error(404, 0, f"404: Not Found ({m} {p})")

    def _commands(self, rec: Recorded, guild_id: int | None) -> web.Response:
        if rec.method == "GET":
            return json_response(self.commands.get(guild_id, []))
        if rec.method != "PUT":
            return error(405, 0, "405: Method Not Allowed")
        if errors := limits.command_errors(rec.json):
            return error(400, limits.INVALID_FORM_BODY, "; ".join(errors))
        stored = [{**cmd, "id": str(self.new_id()), "application_id": str(APP_ID), "version": "1",
                   **({"guild_id": str(guild_id)} if guild_id else {})} for cmd in rec.json]
        self.commands[guild_id] = stored
        return json_response(stored)

    def _check_channel(self, channel_id: int) -> None:
        if channel_id in self.forbidden_channels:
            raise Reply(error(403, 50013, "Missing Permissions"))
        if str(channel_id) not in {c["id"] for c in guild_create()["channels"]}:
            raise Reply(error(404, 10003, "Unknown Channel"))

    def _channel_message(self, rec: Recorded, channel_id: int, message_id: int | None) -> web.Response:
        self._check_channel(channel_id)
        if message_id is None:
            if rec.method != "POST":
                return error(405, 0, "405: Method Not Allowed")
            self._validate(rec.json, rec.files)
            return json_response(public(self._store_message(channel_id, rec.json, rec.files)))
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != str(channel_id):
            return error(404, 10008, "Unknown Message")
        if rec.method == "DELETE":
            del self.messages[message_id]
            return web.Response(status=204)
        if rec.method == "PATCH":
            self._validate(rec.json, rec.files, edit=True)
            return json_response(public(self._edit_message(message, rec.json, rec.files)))
        return json_response(public(message))

    def _crosspost(self, channel_id: int, message_id: int) -> web.Response:
        self._check_channel(channel_id)
        channel = next(c for c in guild_create()["channels"] if c["id"] == str(channel_id))
        if channel["type"] != 5:
            return error(400, 40033, "This message has already been crossposted or is not in an announcement channel")
        message = self.messages.get(message_id)
        if message is None:
            return error(404, 10008, "Unknown Message")
        message["flags"] = (message.get("flags") or 0) | 1  # CROSSPOSTED
        return json_response(public(message))

    def _validate(self, payload: dict[str, Any], files: list[tuple[str, bytes]], edit: bool = False) -> None:
        if errors := limits.message_errors(payload, has_files=bool(files), edit=edit):
            raise Reply(error(400, limits.INVALID_FORM_BODY, "Invalid Form Body: " + "; ".join(errors)))

    def _store_message(self, channel_id: int, payload: dict[str, Any], files: list[tuple[str, bytes]],
                       interaction: str | None = None) -> dict[str, Any]:
        message_id = self.new_id()
        message = {
            "id": str(message_id), "channel_id": str(channel_id), "guild_id": str(GUILD_ID), "type": 0,
            "author": BOT_USER, "content": payload.get("content") or "", "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [], "flags": payload.get("flags") or 0,
            "attachments": attachments(files, self.new_id), "files": files, "tts": False, "pinned": False,
            "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None, "via_interaction": interaction,
            "allowed_mentions": payload.get("allowed_mentions"), **pings(payload),
        }
        self.messages[message_id] = message
        return message

    def _edit_message(self, message: dict[str, Any], payload: dict[str, Any],
                      files: list[tuple[str, bytes]]) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in payload:
                message[key] = payload[key]
        if files:
            message["files"] = files
            message["attachments"] = attachments(files, self.new_id)
        message["edited_timestamp"] = "2026-01-01T00:00:01+00:00"
        message.update(pings({**payload, "content": message["content"]}))
        return message

    # ------------------------------------------------------------------ interactions
    def _callback(self, rec: Recorded, token: str) -> web.Response:
        state = self.interactions.get(token)
        if state is None or time.monotonic() - state.created > self.ack_deadline:
            return error(404, 10062, "Unknown interaction")
        if state.acked:
            return error(400, 40060, "Interaction has already been acknowledged.")
        kind, data = rec.json["type"], rec.json.get("data") or {}
        if kind == 8 and (errors := limits.autocomplete_errors(data.get("choices") or [])):
            return error(400, limits.INVALID_FORM_BODY, "; ".join(errors))
        if kind not in (4, 5, 6, 7, 8, 9):
            return error(400, limits.INVALID_FORM_BODY, f"unknown interaction callback type {kind}")
        if kind in (4, 7):
            self._validate(data, rec.files, edit=kind == 7)
        state.acked = True
        state.loading = kind == 5
        state.callbacks.append(rec.json)
        response: dict[str, Any] = {"interaction": {"id": state.id, "type": 2,
                                                    "response_message_loading": kind == 5,
                                                    "response_message_ephemeral": bool(data.get("flags", 0) & 64)}}
        if kind in (4, 5):
            message = self._store_message(0, {**data, "content": data.get("content") or ""}, rec.files,
                                          interaction=token)
            state.messages.append(message)
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"] = {"type": kind, "message": public(message)}
        return json_response(response)

    def _webhook(self, rec: Recorded, token: str, target: str | None) -> web.Response:
        state = self.interactions.get(token)
        if state is None or not state.acked:
            return error(404, 10015, "Unknown Webhook")
        if time.monotonic() - state.created > self.token_lifetime:
            return error(401, 50027, "Invalid Webhook Token")
        if target is None and rec.method == "POST":
            self._validate(rec.json, rec.files)
            if state.loading and state.messages:
                # Discord: the first follow-up after a deferred response edits the "thinking…" message, and that
                # message keeps the visibility of the defer, whatever flags the follow-up asks for.
                state.loading = False
                original = state.messages[0]
                self._edit_message(original, {k: v for k, v in rec.json.items() if k != "flags"}, rec.files)
                state.messages.append(original)
                return json_response(public(original))
            message = self._store_message(0, rec.json, rec.files, interaction=token)
            state.messages.append(message)
            return json_response(public(message))
        if target == "@original":
            original = state.messages[0] if state.messages else None
            if original is None and state.source_message_id is not None:
                original = self.messages.get(state.source_message_id)  # a component's message
            message = original
        else:
            message = self.messages.get(int(target or 0))
        if message is None or message.get("deleted"):
            return error(404, 10008, "Unknown Message")
        if rec.method == "DELETE":
            message["deleted"] = True
            self.messages.pop(int(message["id"]), None)
            state.loading = False
            return web.Response(status=204)
        if rec.method == "PATCH":
            self._validate(rec.json, rec.files, edit=True)
            self._edit_message(message, rec.json, rec.files)
            state.loading = False
            if message not in state.messages:
                state.messages.append(message)
        return json_response(public(message))
        original = state.messages[0] if state.messages else None
        message = original if target == "@original" else self.messages.get(int(target or 0))
        if message is None:
            return error(404, 10008, "Unknown Message")
        if rec.method == "PATCH":
            self._validate(rec.json, rec.files, edit=True)
            self._edit_message(message, rec.json, rec.files)
        return json_response(public(message))
