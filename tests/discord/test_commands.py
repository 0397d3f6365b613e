"""Every slash command, with good and bad arguments, through the real client and the fake's interaction API."""

from __future__ import annotations

from typing import Any

import pytest

from bot.storage.models import Subscription
from tests.discord.conftest import NOW, ephemeral, invoke, shown
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import (
    ALERT_ROLE,
    EVENTS_CHANNEL,
    MEMBER_ID,
    MEMBER_PERMS,
    STRIKES_CHANNEL,
    Channel,
    Role,
    autocomplete,
    options,
    slash,
)
from tests.discord.scenario import seed

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def ids(ctx) -> dict[str, int]:
    return await seed(ctx.sessions, NOW)


def embed_of(state: Any) -> dict[str, Any]:
    return shown(state)["embeds"][0]


async def error_text(fake: FakeDiscord, payload: dict[str, Any]) -> str:
    state = await invoke(fake, payload)
    assert ephemeral(state), "errors are private"
    return embed_of(state)["description"]


async def test_latest(fake: FakeDiscord, bot, ids) -> None:
    state = await invoke(fake, slash("latest"))
    text = embed_of(state)["description"]
    assert text.index(f"#{ids['attack']}") < text.index(f"#{ids['strike']}") < text.index(f"#{ids['tower']}")
    state = await invoke(fake, slash("latest", options(kind="us_strike", count=1)))
    text = embed_of(state)["description"]
    assert f"#{ids['strike']}" in text and f"#{ids['attack']}" not in text
    assert "unknown kind" in (await error_text(fake, slash("latest", options(kind="weather")))).lower()
    assert "between 1 and 20" in await error_text(fake, slash("latest", options(count=500)))


async def test_event_shows_sources_and_casualty_history(fake: FakeDiscord, bot, ids) -> None:
    state = await invoke(fake, slash("event", options(id=ids["tower"])))
    embed = embed_of(state)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Tower 22" in embed["title"]
    assert "Kataib Hezbollah" in fields["Who"] and "Islamic Resistance in Iraq" in fields["Who"]
    assert fields["Casualty history"].count("us ") == 2 and "2 wounded" in fields["Casualty history"]
    assert "Sources (2)" in fields and f"https://news.example/{ids['tower']}/1" in fields["Sources (2)"]
    assert "no event #999" in (await error_text(fake, slash("event", options(id=999)))).lower()
    assert "start at 1" in await error_text(fake, slash("event", options(id=0)))


async def test_search(fake: FakeDiscord, bot, ids) -> None:
    state = await invoke(fake, slash("search", options(query="drone")))
    assert state.callbacks[0]["type"] == 5  # deferred within the 3 s rule
    text = embed_of(state)["description"]
    assert "Tower 22" in text and "Ain al-Asad" in text and "Kataib Hezbollah depots" not in text
    assert f"event `#{ids['tower']}`" in text
    state = await invoke(fake, slash("search", options(query="drone", since="7d")))
    assert "Tower 22" not in embed_of(state)["description"]
    state = await invoke(fake, slash("search", options(query="depot*", kind="us_strike")))
    assert "Kataib Hezbollah depots" in embed_of(state)["description"]
    state = await invoke(fake, slash("search", options(query='"unbalanced AND ( NEAR')))
    assert "No article matches" in embed_of(state)["description"]  # operators are searched as words
    assert "no words" in await error_text(fake, slash("search", options(query="!!! ???")))
    assert "since" in await error_text(fake, slash("search", options(query="drone", since="last tuesday")))
    assert "future" in await error_text(fake, slash("search", options(query="drone", since="2030-01-01")))


async def test_timeline_with_chart_and_filters(fake: FakeDiscord, bot, ids) -> None:
    state = await invoke(fake, slash("timeline", options(group="kataib-hezbollah", days=30)))
    assert state.callbacks[0]["type"] == 5
    message = shown(state)
    text = message["embeds"][0]["description"]
    assert f"#{ids['strike']}" in text and f"#{ids['tower']}" in text and f"#{ids['attack']}" not in text
    assert message["files"][0][0] == "timeline.png" and message["files"][0][1].startswith(PNG)
    assert message["embeds"][0]["image"]["url"] == "attachment://timeline.png"
    state = await invoke(fake, slash("timeline", options(place="Tower 22", kind="militia_attack")))
    assert f"#{ids['tower']}" in embed_of(state)["description"]  # a typed name resolves like a chosen key
    assert "unknown group" in (await error_text(fake, slash("timeline", options(group="Nobody")))).lower()
    assert "unknown place" in (await error_text(fake, slash("timeline", options(place="Atlantis")))).lower()
    assert "between 1 and 3650" in await error_text(fake, slash("timeline", options(days=0)))


async def test_stats_with_chart(fake: FakeDiscord, bot, ids) -> None:
    state = await invoke(fake, slash("stats", options(days=30)))
    message = shown(state)
    embed = message["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "**3** events" in embed["description"]
    assert "Militia attack: **2**" in fields["By kind"] and "US strike: **1**" in fields["By kind"]
    assert "Islamic Resistance in Iraq: **2**" in fields["Most active groups"]
    assert message["files"][0][0] == "stats.png" and message["files"][0][1].startswith(PNG)
    state = await invoke(fake, slash("stats", options(days=3)))
    assert "**1** events" in embed_of(state)["description"]
    assert "between 1 and 3650" in await error_text(fake, slash("stats", options(days=99999)))


async def test_classify(fake: FakeDiscord, bot) -> None:
    state = await invoke(fake, slash("classify", options(text="US jets strike militia weapons depots in Iraq")))
    embed = embed_of(state)
    assert embed["title"].startswith("US strike")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Militia attack:" in fields["Probabilities"] and "Other (neither):" in fields["Probabilities"]
    assert "→" in fields["Terms that weighed most"]
    assert embed["footer"]["text"] == "model test-20240210"
    assert "some text" in await error_text(fake, slash("classify", options(text="   ")))
    bot.ctx.classifier = None
    assert "sitrep train" in await error_text(fake, slash("classify", options(text="rockets hit a base")))


async def test_status(fake: FakeDiscord, bot, ids) -> None:
    async with bot.ctx.sessions.begin() as session:
        session.add(Subscription(channel_id=STRIKES_CHANNEL, kind="us_strike", min_confidence=0.5,
                                 broken_reason="403 (code 50013): Missing Permissions", created_at=NOW))
    embed = embed_of(await invoke(fake, slash("status")))
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Feeds"] == "2 enabled, 1 failing, 0 disabled"
    assert "Broken feed: 3 failures, HTTP 503" in fields["Failing feeds"]
    assert f"<#{STRIKES_CHANNEL}>" in fields["Broken subscriptions"] and "50013" in fields["Broken subscriptions"]
    assert fields["Last poll"].startswith("<t:")
    assert "test-20240210" in fields["Model"] and "macro-F1 0.876" in fields["Model"]
    assert embed["description"] == "Needs attention."


async def test_subscribe_and_unsubscribe(fake: FakeDiscord, bot) -> None:
    state = await invoke(fake, slash("subscribe", options(kind="militia_attack", channel=Channel(EVENTS_CHANNEL),
                                                         min_confidence=0.7, role=Role(ALERT_ROLE))))
    assert ephemeral(state) and "at least 70% sure" in embed_of(state)["description"]
    async with bot.ctx.sessions() as session:
        sub = (await session.execute(Subscription.__table__.select())).one()
    assert (sub.channel_id, sub.kind, sub.min_confidence, sub.role_id) == (EVENTS_CHANNEL, "militia_attack", 0.7,
                                                                           ALERT_ROLE)
    denied = slash("subscribe", options(kind="us_strike", channel=Channel(EVENTS_CHANNEL)), user_id=MEMBER_ID,
                   permissions=MEMBER_PERMS)
    assert "Manage Server" in await error_text(fake, denied)
    assert "unknown kind" in (await error_text(fake, slash("subscribe", options(
        kind="weather", channel=Channel(EVENTS_CHANNEL))))).lower()
    state = await invoke(fake, slash("unsubscribe", options(kind="militia_attack", channel=Channel(EVENTS_CHANNEL))))
    assert "No more Militia attacks" in embed_of(state)["description"]
    assert "has no" in await error_text(fake, slash("unsubscribe", options(kind="militia_attack",
                                                                           channel=Channel(EVENTS_CHANNEL))))


async def test_feeds_list_remove_and_permissions(fake: FakeDiscord, bot, ids) -> None:
    state = await invoke(fake, slash("feeds", sub="list"))
    text = embed_of(state)["description"]
    assert ephemeral(state) and "**Wire** · ok" in text and "**Broken feed** · failing ×3" in text
    state = await invoke(fake, slash("feeds", options(feed="Broken feed"), sub="remove"))
    assert "Broken feed" in embed_of(state)["description"]
    assert "No feed" in await error_text(fake, slash("feeds", options(feed="Broken feed"), sub="remove"))
    denied = slash("feeds", sub="list", user_id=MEMBER_ID, permissions=MEMBER_PERMS)
    assert "Manage Server" in await error_text(fake, denied)


async def test_autocomplete_groups_and_places(fake: FakeDiscord, bot) -> None:
    state = await invoke(fake, autocomplete("timeline", "group", "kat"))
    assert state.callbacks[0]["type"] == 8
    # names starting with what was typed come first, then names containing it (Hara-kat al-Nujaba)
    assert state.callbacks[0]["data"]["choices"] == [{"name": "Kataib Hezbollah", "value": "kataib-hezbollah"},
                                                     {"name": "Harakat al-Nujaba", "value": "nujaba"}]
    state = await invoke(fake, autocomplete("timeline", "place", "asad"))
    assert [c["value"] for c in state.callbacks[0]["data"]["choices"]] == ["ain-al-asad"]
    state = await invoke(fake, autocomplete("timeline", "place", ""))
    assert len(state.callbacks[0]["data"]["choices"]) == 3
    bot.ctx.gazetteer = None  # the intel layer's gazetteer absent: no suggestions, no crash
    state = await invoke(fake, autocomplete("timeline", "group", "kat"))
    assert state.callbacks[0]["data"]["choices"] == []
