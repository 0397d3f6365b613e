"""Event posts through DiscordPoster and the publisher's drain, against the fake Discord's REST API."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord.poster import DiscordPoster
from bot.publishing.poster import MessageGone, MissingAccess, RateLimited, TransientError
from bot.publishing.render import render_event
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import ALERT_ROLE, EVENTS_CHANNEL, LOCKED_CHANNEL, NEWS_CHANNEL
from tests.discord.scenario import event_post

MESSAGES = rf"/channels/{EVENTS_CHANNEL}/messages"


async def test_post_has_embed_buttons_and_no_pings(fake: FakeDiscord, bot) -> None:
    poster = DiscordPoster(bot)
    post = event_post(7, sources=2)
    message_id = await poster.send(EVENTS_CHANNEL, render_event(post), event_id=7)
    message = fake.messages[message_id]
    embed = message["embeds"][0]
    assert embed["title"].endswith("Drone attack on Ain al-Asad air base")
    names = [f["name"] for f in embed["fields"]]
    assert {"Who", "Where", "Weapon", "Casualties"} <= set(names)
    assert "3rd attack on Ain al-Asad in 7 days" in str(embed["fields"])
    assert "https://news.example/7/1" in str(embed["fields"])  # sources as links
    assert "test-20240210" in embed["footer"]["text"]
    buttons = [c["custom_id"] for row in message["components"] for c in row["components"]]
    assert buttons == ["sitrep:correct:7", "sitrep:wrongtype:7"]
    assert message["allowed_mentions"] == {"parse": []}  # nobody, not even a role
    assert message["mention_everyone"] is False and message["mention_roles"] == []


async def test_hostile_title_is_escaped_and_cannot_ping(fake: FakeDiscord, bot) -> None:
    post = event_post(8, title="@everyone **BREAKING** <@&750000000000000001> [click](https://evil.example) @here")
    message_id = await DiscordPoster(bot).send(EVENTS_CHANNEL, render_event(post), event_id=8)
    message = fake.messages[message_id]
    title = message["embeds"][0]["title"]
    assert "@everyone" not in title and "@here" not in title  # neutralised with a zero-width space
    assert "\\*\\*BREAKING\\*\\*" in title and "\\[click\\]" in title
    assert "<@&" not in title.replace("\\<", "")
    assert message["mention_everyone"] is False and message["mention_roles"] == []
    assert message["content"] == ""


async def test_severe_event_pings_only_the_configured_role(fake: FakeDiscord, bot) -> None:
    post = event_post(9, severe=True)
    message_id = await DiscordPoster(bot).send(EVENTS_CHANNEL, render_event(post), ping_role_id=ALERT_ROLE,
                                               event_id=9)
    message = fake.messages[message_id]
    assert message["content"] == f"<@&{ALERT_ROLE}>"
    assert message["mention_roles"] == [str(ALERT_ROLE)]
    assert message["mention_everyone"] is False
    assert [str(r) for r in message["allowed_mentions"]["roles"]] == [str(ALERT_ROLE)]


async def test_new_source_edits_the_same_message(fake: FakeDiscord, bot) -> None:
    poster = DiscordPoster(bot)
    message_id = await poster.send(EVENTS_CHANNEL, render_event(event_post(10, sources=1)), event_id=10)
    await poster.edit(EVENTS_CHANNEL, message_id, render_event(event_post(10, sources=3, revision=2)), event_id=10)
    assert len(fake.posted(EVENTS_CHANNEL)) == 1
    message = fake.messages[message_id]
    assert message["edited_timestamp"] is not None
    assert "https://news.example/10/2" in str(message["embeds"][0]["fields"])
    edit = next(r for r in fake.requests if r.method == "PATCH")
    assert edit.path == f"{MESSAGES}/{message_id}"


async def test_over_long_text_still_posts_within_limits(fake: FakeDiscord, bot) -> None:
    post = event_post(11, title="Very long headline " * 40, sources=60)
    message_id = await DiscordPoster(bot).send(EVENTS_CHANNEL, render_event(post), event_id=11)
    assert message_id in fake.messages  # the fake enforces every limit; a 400 would have raised


async def test_chart_attachment_is_shown_in_the_embed(fake: FakeDiscord, bot) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    message_id = await DiscordPoster(bot).send(EVENTS_CHANNEL, render_event(event_post(12)),
                                               attachments=[("day.png", png)])
    message = fake.messages[message_id]
    assert message["files"] == [("day.png", png)]
    assert message["embeds"][0]["image"]["url"] == "attachment://day.png"
    assert message["components"] == []  # no event id: a digest carries no feedback buttons


async def test_errors_map_to_post_errors(fake: FakeDiscord, bot) -> None:
    poster = DiscordPoster(bot)
    post = render_event(event_post(13))
    fake.forbidden_channels.add(LOCKED_CHANNEL)
    with pytest.raises(MissingAccess, match="50013"):
        await poster.send(LOCKED_CHANNEL, post)
    with pytest.raises(MissingAccess, match="10003"):
        await poster.send(123456789, post)  # unknown channel
    with pytest.raises(MessageGone):
        await poster.edit(EVENTS_CHANNEL, 42, post)
    fake.fail("POST", MESSAGES, 503, times=1)
    with pytest.raises(TransientError):
        await poster.send(EVENTS_CHANNEL, post)
    fake.fail("POST", MESSAGES, 429, retry_after=7.5, via=False)  # a Cloudflare-style 429: no retry by discord.py
    with pytest.raises(RateLimited) as info:
        await poster.send(EVENTS_CHANNEL, post)
    assert info.value.retry_after == 7.5
    bot.http.max_ratelimit_timeout = 1.0
    fake.fail("POST", MESSAGES, 429, retry_after=60.0)  # longer than the client waits by itself
    with pytest.raises(RateLimited) as info:
        await poster.send(EVENTS_CHANNEL, post)
    assert info.value.retry_after == 60.0
    assert fake.posted(EVENTS_CHANNEL) == []


async def test_short_429_is_waited_out_by_the_client(fake: FakeDiscord, bot) -> None:
    fake.fail("POST", MESSAGES, 429, retry_after=0.2)
    loop = asyncio.get_running_loop()
    start = loop.time()
    message_id = await DiscordPoster(bot).send(EVENTS_CHANNEL, render_event(event_post(14)))
    assert loop.time() - start >= 0.2
    assert message_id in fake.messages
    assert [r.status for r in fake.requests if r.method == "POST"] == [429, 200]


async def test_route_buckets_are_honoured_from_the_headers(fake: FakeDiscord, bot) -> None:
    """The fake announces each bucket in X-RateLimit-* headers; discord.py must wait for the reset on its own
    instead of running into 429s, and every message arrives once."""
    fake.rate_limits.routes = {r"POST /channels/(\d+)/messages$": (3, 0.5)}
    poster = DiscordPoster(bot)
    for n in range(8):
        await poster.send(EVENTS_CHANNEL, render_event(event_post(100 + n)), event_id=100 + n)
    assert len(fake.posted(EVENTS_CHANNEL)) == 8
    assert fake.rate_limits.limited == 0
    sent = [r for r in fake.requests if r.method == "POST" and r.path == MESSAGES]
    assert sent[0].status == 200 and len(sent) == 8


async def test_a_global_429_is_waited_out_and_posts_once(fake: FakeDiscord, bot) -> None:
    fake.rate_limits.global_429s = 1
    message_id = await DiscordPoster(bot).send(EVENTS_CHANNEL, render_event(event_post(120)), event_id=120)
    assert fake.rate_limits.limited == 1
    assert [m["id"] for m in fake.posted(EVENTS_CHANNEL)] == [str(message_id)]


async def test_posts_in_an_announcement_channel_are_crossposted(fake: FakeDiscord, bot) -> None:
    poster = DiscordPoster(bot)
    news_id = await poster.send(NEWS_CHANNEL, render_event(event_post(130)), event_id=130)
    plain_id = await poster.send(EVENTS_CHANNEL, render_event(event_post(131)), event_id=131)
    crossposts = [r.path for r in fake.requests if r.path.endswith("/crosspost")]
    assert crossposts == [f"/channels/{NEWS_CHANNEL}/messages/{news_id}/crosspost"]
    assert fake.messages[news_id]["flags"] & 1 and not fake.messages[plain_id]["flags"] & 1
    fake.fail("POST", r"/crosspost$", 429, retry_after=3600.0)  # the hourly crosspost cap: the post still stands
    again = await poster.send(NEWS_CHANNEL, render_event(event_post(132)), event_id=132)
    assert again in fake.messages
