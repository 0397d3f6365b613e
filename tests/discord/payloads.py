"""The fake guild (ids, channels, roles, members) and builders of INTERACTION_CREATE payloads."""

from __future__ import annotations

import itertools
from typing import Any

TOKEN = "fake-bot-token"
APP_ID = 700_000_000_000_000_001
GUILD_ID = 710_000_000_000_000_001
BOT_ID = 720_000_000_000_000_001
ADMIN_ID = 730_000_000_000_000_001
MEMBER_ID = 730_000_000_000_000_002
EVENTS_CHANNEL = 740_000_000_000_000_001
STRIKES_CHANNEL = 740_000_000_000_000_002
LOCKED_CHANNEL = 740_000_000_000_000_003
NO_FILES_CHANNEL = 740_000_000_000_000_004  # @everyone (the bot included) may not attach files here
NEWS_CHANNEL = 740_000_000_000_000_005  # an announcement channel: posts are crossposted to its followers
ALERT_ROLE = 750_000_000_000_000_001
QUIET_ROLE = 750_000_000_000_000_002  # not mentionable
ATTACH_FILES = 1 << 15

MANAGE_GUILD = 1 << 5
ADMIN_PERMS = (1 << 5) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15)  # manage guild, view, send, links, files
MEMBER_PERMS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15)

BOT_USER = {"id": str(BOT_ID), "username": "sitrep", "discriminator": "0", "global_name": None, "avatar": None,
            "bot": True, "flags": 0, "verified": True, "mfa_enabled": False}
CHANNELS = {EVENTS_CHANNEL: "events", STRIKES_CHANNEL: "strikes", LOCKED_CHANNEL: "locked",
            NO_FILES_CHANNEL: "no-files", NEWS_CHANNEL: "announcements"}

_ids = itertools.count(800_000_000_000_000_000)


def user(user_id: int) -> dict[str, Any]:
    name = {ADMIN_ID: "alice", MEMBER_ID: "bob", BOT_ID: "sitrep"}.get(user_id, f"user{user_id}")
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name.title(),
            "avatar": None, "bot": user_id == BOT_ID}


def member_for(user_id: int, permissions: int | None = None) -> dict[str, Any]:
    member: dict[str, Any] = {"user": user(user_id), "roles": [], "flags": 0, "joined_at": "2025-01-01T00:00:00+00:00",
                              "deaf": False, "mute": False, "nick": None}
    if permissions is not None:
        member["permissions"] = str(permissions)
    return member


def channel(channel_id: int) -> dict[str, Any]:
    overwrites = ([{"id": str(GUILD_ID), "type": 0, "allow": "0", "deny": str(ATTACH_FILES)}]
                  if channel_id == NO_FILES_CHANNEL else [])
    kind = 5 if channel_id == NEWS_CHANNEL else 0
    return {"id": str(channel_id), "type": kind, "name": CHANNELS[channel_id], "position": 0, "guild_id": str(GUILD_ID),
            "permission_overwrites": overwrites, "nsfw": False, "parent_id": None}


def guild_create() -> dict[str, Any]:
    roles = [
        {"id": str(GUILD_ID), "name": "@everyone", "permissions": str(MEMBER_PERMS), "position": 0, "color": 0,
         "hoist": False, "managed": False, "mentionable": False, "flags": 0},
        {"id": str(ALERT_ROLE), "name": "alerts", "permissions": "0", "position": 1, "color": 0, "hoist": False,
         "managed": False, "mentionable": True, "flags": 0},
        {"id": str(QUIET_ROLE), "name": "quiet", "permissions": "0", "position": 2, "color": 0, "hoist": False,
         "managed": False, "mentionable": False, "flags": 0},
    ]
    return {
        "id": str(GUILD_ID), "name": "ops room", "owner_id": str(ADMIN_ID), "unavailable": False,
        "member_count": 3, "large": False, "roles": roles, "emojis": [], "stickers": [], "features": [],
        "channels": [channel(cid) for cid in CHANNELS], "threads": [], "voice_states": [], "presences": [],
        "members": [member_for(BOT_ID), member_for(ADMIN_ID), member_for(MEMBER_ID)],
        "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
        "mfa_level": 0, "premium_tier": 0, "preferred_locale": "en-US", "icon": None, "splash": None,
        "afk_channel_id": None, "afk_timeout": 300, "system_channel_id": None, "system_channel_flags": 0,
        "application_id": None, "nsfw_level": 0, "premium_progress_bar_enabled": False, "joined_at": None,
    }


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def options(**values: Any) -> list[dict[str, Any]]:
    """Plain options by Python type; wrap a value in Channel(...) or Role(...) for those types."""
    out = []
    for name, value in values.items():
        if isinstance(value, Channel):
            out.append({"name": name, "type": 7, "value": str(value.id)})
        elif isinstance(value, Role):
            out.append({"name": name, "type": 8, "value": str(value.id)})
        else:
            out.append({"name": name, "type": _option_type(value), "value": value})
    return out


class Channel:
    def __init__(self, channel_id: int) -> None:
        self.id = channel_id


class Role:
    def __init__(self, role_id: int) -> None:
        self.id = role_id


def _resolved(opts: list[dict[str, Any]]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for opt in opts:
        if opt["type"] == 7:
            data = channel(int(opt["value"]))
            data["permissions"] = str(ADMIN_PERMS)
            resolved.setdefault("channels", {})[opt["value"]] = data
        elif opt["type"] == 8:
            resolved.setdefault("roles", {})[opt["value"]] = next(
                r for r in guild_create()["roles"] if r["id"] == opt["value"])
        resolved.update(_resolved(opt.get("options") or []))
    return resolved


def _base(kind: int, data: dict[str, Any], user_id: int, permissions: int, channel_id: int) -> dict[str, Any]:
    interaction_id = next(_ids)
    return {
        "id": str(interaction_id), "application_id": str(APP_ID), "type": kind, "token": f"token-{interaction_id}",
        "version": 1, "guild_id": str(GUILD_ID), "channel_id": str(channel_id), "channel": channel(channel_id),
        "member": member_for(user_id, permissions), "app_permissions": str(ADMIN_PERMS), "locale": "en-US",
        "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)},
        "context": 0, "attachment_size_limit": 8 * 1024 * 1024, "data": data,
    }


def slash(name: str, opts: list[dict[str, Any]] | None = None, *, sub: str | None = None, user_id: int = ADMIN_ID,
          permissions: int = ADMIN_PERMS, channel_id: int = EVENTS_CHANNEL) -> dict[str, Any]:
    """A chat-input command; `sub` wraps the options in a subcommand."""
    opts = opts or []
    wrapped = [{"name": sub, "type": 1, "options": opts}] if sub else opts
    data = {"id": str(next(_ids)), "name": name, "type": 1, "options": wrapped, "guild_id": str(GUILD_ID)}
    if resolved := _resolved(opts):
        data["resolved"] = resolved
    return _base(2, data, user_id, permissions, channel_id)


def autocomplete(name: str, focused: str, typed: str, others: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    opts = [*(others or []), {"name": focused, "type": 3, "value": typed, "focused": True}]
    data = {"id": str(next(_ids)), "name": name, "type": 1, "options": opts, "guild_id": str(GUILD_ID)}
    return _base(4, data, MEMBER_ID, MEMBER_PERMS, EVENTS_CHANNEL)


def click(message: dict[str, Any], custom_id: str, *, values: list[str] | None = None,
          user_id: int = MEMBER_ID) -> dict[str, Any]:
    """A button press (or a select choice when `values` is given) on a message the fake stored."""
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": 3 if values is not None else 2}
    if values is not None:
        data["values"] = values
    payload = _base(3, data, user_id, MEMBER_PERMS, int(message["channel_id"]) or EVENTS_CHANNEL)
    payload["message"] = {k: v for k, v in message.items() if k not in ("files", "allowed_mentions", "via_interaction")}
    if not int(message["channel_id"]):
        payload["message"]["channel_id"] = str(EVENTS_CHANNEL)
    return payload
