"""Discord's HTTP API on the wire, for the fake: JSON answers, error bodies, attachments and who a message pings."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.discord.payloads import APP_ID, member_for

JSON = {"Content-Type": "application/json"}  # exact: discord.py compares the header with ==
PRIVATE = ("files", "allowed_mentions", "via_interaction")  # the fake's bookkeeping, not in API answers


class Reply(Exception):
    """Raised inside a handler to answer at once with `response` (an error found deep in validation)."""

    def __init__(self, response: web.Response) -> None:
        self.response = response


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(data, default=_no_default).encode(), headers=JSON)


def _no_default(value: Any) -> Any:
    return None


def public(message: dict[str, Any]) -> dict[str, Any]:
    """The message as the API returns it (without the fake's bookkeeping)."""
    return {k: v for k, v in message.items() if k not in PRIVATE}


def error(status: int, code: int, message: str) -> web.Response:
    return web.Response(status=status, body=json.dumps({"message": message, "code": code}).encode(), headers=JSON)


def app_info() -> dict[str, Any]:
    return {"id": str(APP_ID), "name": "sitrep", "description": "", "icon": None, "bot_public": False,
            "bot_require_code_grant": False, "owner": member_for(1)["user"], "verify_key": "0" * 64,
            "interactions_endpoint_url": None, "flags": 0}


def attachments(files: list[tuple[str, bytes]], new_id: Callable[[], int]) -> list[dict[str, Any]]:
    return [{"id": str(new_id()), "filename": name, "size": len(data), "url": f"https://cdn.invalid/{name}",
             "proxy_url": f"https://cdn.invalid/{name}"} for name, data in files]


def pings(payload: dict[str, Any]) -> dict[str, Any]:
    """Who Discord would actually notify, from the content and allowed_mentions (embeds never ping)."""
    content = payload.get("content") or ""
    allowed = payload.get("allowed_mentions")
    parse = set(allowed.get("parse", [])) if allowed is not None else {"everyone", "users", "roles"}
    listed_roles = {str(r) for r in (allowed or {}).get("roles", [])}
    roles = [r for r in re.findall(r"<@&(\d+)>", content) if "roles" in parse or r in listed_roles]
    everyone = bool(re.search(r"@(everyone|here)", content)) and "everyone" in parse
    return {"mention_everyone": everyone, "mention_roles": roles, "mentions": []}


async def read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
    if not request.can_read_body:
        return None, []
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[tuple[str, bytes]] = []
        reader = await request.multipart()
        async for part in reader:
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(data)
            else:
                files.append((part.filename or "", bytes(data)))  # type: ignore[union-attr]
        return payload, files
    text = await request.text()
    return (json.loads(text) if text else None), []
