"""A burst through the real client (singles up to the cap, then one digest; a 429 in the middle), and /status
after Discord refused a post (broken subscription, its reason, the outbox depth)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.publishing.outbox import Publisher, enqueue
from bot.storage.models import Event, OutboxItem, Subscription
from bot.storage.subscriptions import subscribe
from tests.discord.conftest import NOW, invoke, shown
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import EVENTS_CHANNEL, GUILD_ID, LOCKED_CHANNEL, STRIKES_CHANNEL, slash
from tests.discord.scenario import MESSAGES, Update, load_post, seed


def publisher(ctx: Any, bot: Any) -> Publisher:
    async def no_sleep(_seconds: float) -> None:  # the publisher's own waits show in its report
        return None

    return Publisher(ctx.sessions, bot.poster, ctx.settings.publish, load_post=load_post, sleep=no_sleep)


async def new_events(ctx: Any, titles: list[str], at: datetime) -> list[int]:
    """Militia attacks detected at `at`, queued for every matching subscription in the same transaction."""
    async with ctx.sessions.begin() as session:
        events = [Event(kind="militia_attack", occurred_at=at - timedelta(minutes=30), first_seen_at=at,
                        updated_at=at, title=title, summary=f"Summary of {title.lower()}.", place_key="ain-al-asad",
                        country="Iraq", confidence=0.9, model_version="test-20240210") for title in titles]
        session.add_all(events)
        await session.flush()
        await enqueue(session, [Update(e.id) for e in events], at)
        return [e.id for e in events]


async def outbox(ctx: Any, channel_id: int) -> list[OutboxItem]:
    async with ctx.sessions() as session:
        return list((await session.scalars(select(OutboxItem).where(OutboxItem.channel_id == channel_id)
                                           .order_by(OutboxItem.event_id))).all())


def message_posts(fake: FakeDiscord) -> list[int]:
    """Statuses of every POST to the events channel, in order."""
    return [r.status for r in fake.requests if r.method == "POST" and re.search(MESSAGES, r.path)]


def event_ids_shown(message: dict[str, Any]) -> list[int]:
    """The events a posted message covers: its feedback button for a single post, its `#id` lines for a digest."""
    buttons = [c["custom_id"] for row in message["components"] for c in row["components"]]
    if buttons:
        return [int(b.rsplit(":", 1)[1]) for b in buttons if b.startswith("sitrep:correct:")]
    return [int(i) for i in re.findall(r"`#(\d+)`", message["embeds"][0]["description"])]


async def test_burst_posts_singles_up_to_the_cap_then_one_digest(fake: FakeDiscord, bot, ctx) -> None:
    limit, window = ctx.settings.publish.burst_limit, ctx.settings.publish.burst_window_s
    assert (limit, window) == (5, 300)  # the defaults this scenario is written for
    async with ctx.sessions.begin() as session:
        await subscribe(session, GUILD_ID, EVENTS_CHANNEL, "militia_attack", 0.5, None, NOW)

    # Five attacks, ten seconds apart, each drained as it arrives: five single posts, the cap reached.
    singles: list[int] = []
    for i in range(limit):
        at = NOW + timedelta(seconds=10 * i)
        singles += await new_events(ctx, [f"Rocket attack number {i}"], at)
        report = await publisher(ctx, bot).drain(at)
        assert (report.sent, report.digests, report.held) == (1, 0, 0)
    # Three more inside the same window: the channel is at its cap, so they wait (nothing is posted).
    late_at = NOW + timedelta(seconds=10 * limit)
    rest = await new_events(ctx, [f"Drone attack wave {i}" for i in range(3)], late_at)
    report = await publisher(ctx, bot).drain(late_at)
    assert (report.sent, report.digests, report.held) == (0, 0, 3)
    assert (await publisher(ctx, bot).drain(NOW + timedelta(seconds=window - 1))).total == 0  # still held
    assert len(fake.posted(EVENTS_CHANNEL)) == limit

    # When the first post leaves the window one slot frees: the three go out as ONE digest in it.
    report = await publisher(ctx, bot).drain(NOW + timedelta(seconds=window))
    assert (report.sent, report.digests, report.digested, report.held, report.failed) == (0, 1, 3, 0, 0)

    posted = fake.posted(EVENTS_CHANNEL)
    assert len(posted) == limit + 1
    assert [m["embeds"][0]["title"] for m in posted[:limit]] == [
        f"Militia attack: Rocket attack number {i}" for i in range(limit)]
    assert [event_ids_shown(m) for m in posted[:limit]] == [[e] for e in singles]
    digest = posted[-1]
    embed = digest["embeds"][0]
    assert embed["title"] == "3 new events in a burst"
    assert event_ids_shown(digest) == rest
    for i in range(3):
        assert f"Drone attack wave {i}" in embed["description"]
    assert "Rocket attack" not in embed["description"]  # the singles are not repeated
    assert embed["fields"] == [{"name": "Militia attack", "value": "3", "inline": True}]
    assert embed["footer"]["text"] == "3 events · /event <id> for details"
    assert digest["components"] == []  # no per-event feedback button on a digest
    assert digest["content"] == "" and digest["mention_roles"] == [] and not digest["mention_everyone"]

    rows = await outbox(ctx, EVENTS_CHANNEL)
    assert [r.event_id for r in rows] == singles + rest
    assert {r.status for r in rows} == {"sent"}
    assert [r.message_id for r in rows[:limit]] == [int(m["id"]) for m in posted[:limit]]
    assert {r.message_id for r in rows[limit:]} == {int(digest["id"])}  # the digest's rows share its message

    requests = len(fake.requests)
    again = await publisher(ctx, bot).drain(NOW + timedelta(hours=1))
    assert again.total == 0 and again.held == 0
    assert len(fake.requests) == requests and len(fake.posted(EVENTS_CHANNEL)) == limit + 1


async def test_429s_in_the_middle_of_a_burst_deliver_every_event_once(fake: FakeDiscord, bot, ctx) -> None:
    async with ctx.sessions.begin() as session:
        await subscribe(session, GUILD_ID, EVENTS_CHANNEL, "militia_attack", 0.5, None, NOW)
    # Two attacks, drained together: they fit under the cap, so two single posts. The second meets a short
    # 429 that discord.py waits out itself and retries.
    singles = await new_events(ctx, ["Rocket attack on Erbil", "Drone attack on Tower 22"], NOW)
    real_send = bot.poster.send
    calls = 0

    async def send(*args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            fake.fail("POST", MESSAGES, 429, retry_after=0.1)
        return await real_send(*args, **kwargs)

    bot.poster.send = send
    report = await publisher(ctx, bot).drain(NOW)
    assert (report.sent, report.retried, report.failed, report.rate_limit_waits) == (2, 0, 0, 0)
    assert message_posts(fake) == [200, 429, 200]

    # Six more a minute later: 2 + 6 exceed the cap of 5, so they become one digest. Its post meets a
    # Cloudflare-style 429 (no Via header) twice: once short (waited out in the drain), then one of a minute,
    # which pauses the channel and reschedules its rows.
    later = NOW + timedelta(minutes=1)
    burst = await new_events(ctx, [f"Rocket salvo {i} at Ain al-Asad" for i in range(6)], later)
    fake.fail("POST", MESSAGES, 429, retry_after=2.0, via=False)
    fake.fail("POST", MESSAGES, 429, retry_after=60.0, via=False)
    report = await publisher(ctx, bot).drain(later)
    assert (report.digests, report.retried, report.failed, report.rate_limit_waits) == (0, 6, 0, 1)
    assert message_posts(fake) == [200, 429, 200, 429, 429]
    assert len(fake.posted(EVENTS_CHANNEL)) == 2
    rows = await outbox(ctx, EVENTS_CHANNEL)
    assert [(r.status, r.attempts) for r in rows[2:]] == [("pending", 0)] * 6  # a pause costs no attempt
    assert {r.next_attempt_at for r in rows[2:]} == {later + timedelta(seconds=60)}

    assert (await publisher(ctx, bot).drain(later + timedelta(seconds=30))).total == 0  # still paused
    report = await publisher(ctx, bot).drain(later + timedelta(seconds=60))
    assert (report.sent, report.digests, report.digested, report.retried) == (0, 1, 6, 0)
    assert message_posts(fake) == [200, 429, 200, 429, 429, 200]

    posted = fake.posted(EVENTS_CHANNEL)
    assert len(posted) == 3 and posted[-1]["embeds"][0]["title"] == "6 new events in a burst"
    shown_ids = [e for m in posted for e in event_ids_shown(m)]
    assert sorted(shown_ids) == sorted(singles + burst)  # every event once, none twice
    rows = await outbox(ctx, EVENTS_CHANNEL)
    assert {r.status for r in rows} == {"sent"}
    assert {r.message_id for r in rows[2:]} == {int(posted[-1]["id"])}
    assert (await publisher(ctx, bot).drain(later + timedelta(hours=1))).total == 0
    assert len(fake.posted(EVENTS_CHANNEL)) == 3


def status_fields(state: Any) -> tuple[str, dict[str, str]]:
    embed = shown(state)["embeds"][0]
    return embed["description"], {f["name"]: f["value"] for f in embed["fields"]}


async def test_status_after_a_refused_post(fake: FakeDiscord, bot, ctx) -> None:
    ids = await seed(ctx.sessions, NOW)  # attack and tower are militia attacks, strike a US strike
    fake.forbidden_channels.add(LOCKED_CHANNEL)
    async with ctx.sessions.begin() as session:
        await subscribe(session, GUILD_ID, LOCKED_CHANNEL, "militia_attack", 0.5, None, NOW)
        await subscribe(session, GUILD_ID, STRIKES_CHANNEL, "us_strike", 0.5, None, NOW)
        await enqueue(session, [Update(i) for i in ids.values()], NOW)
    report = await publisher(ctx, bot).drain(NOW)
    assert (report.sent, report.broken_channels, report.failed) == (1, 1, 2)
    refused = [r for r in fake.requests if r.path == f"/channels/{LOCKED_CHANNEL}/messages"]
    assert [r.status for r in refused] == [403]  # the first refusal stops the channel: no second try
    reason = f"cannot post to channel {LOCKED_CHANNEL}: 403 (code 50013): Missing Permissions"
    async with ctx.sessions() as session:
        broken = (await session.scalars(select(Subscription).where(Subscription.broken_reason.is_not(None)))).all()
    assert [(s.channel_id, s.kind, s.broken_reason) for s in broken] == [(LOCKED_CHANNEL, "militia_attack", reason)]

    # Work that is waiting: the posted strike gets a new revision (an edit to make), and a healthy channel
    # subscribes to militia attacks and gets both of them queued. None of it is drained before /status.
    later = NOW + timedelta(minutes=5)
    async with ctx.sessions.begin() as session:
        event = await session.get(Event, ids["strike"])
        assert event is not None
        event.revision += 1
        await subscribe(session, GUILD_ID, EVENTS_CHANNEL, "militia_attack", 0.5, None, later)
        await enqueue(session, [Update(ids["strike"], created=False, changed=True),
                                Update(ids["attack"], created=False, changed=True),
                                Update(ids["tower"], created=False, changed=True)], later)
    async with ctx.sessions() as session:
        rows = (await session.execute(select(OutboxItem.channel_id, OutboxItem.status))).all()
    assert sorted(rows) == sorted([(LOCKED_CHANNEL, "failed"), (LOCKED_CHANNEL, "failed"),
                                   (STRIKES_CHANNEL, "pending"), (EVENTS_CHANNEL, "pending"),
                                   (EVENTS_CHANNEL, "pending")])  # the broken channel gets nothing new

    description, fields = status_fields(await invoke(fake, slash("status")))
    assert description == "Needs attention."
    assert fields["Broken subscriptions"] == f"<#{LOCKED_CHANNEL}> Militia attack: {reason}"
    assert fields["Outbox"] == "3 waiting, 2 failed"
    assert fields["Feeds"] == "2 enabled, 1 failing, 0 disabled"

    # Draining the healthy work empties the queue; the refused rows stay failed, the subscription broken.
    report = await publisher(ctx, bot).drain(later)
    assert (report.sent, report.edited, report.failed, report.broken_channels) == (2, 1, 0, 0)
    assert len(fake.posted(EVENTS_CHANNEL)) == 2 and len(fake.posted(STRIKES_CHANNEL)) == 1
    _, fields = status_fields(await invoke(fake, slash("status")))
    assert fields["Outbox"] == "0 waiting, 2 failed"
    assert fields["Broken subscriptions"] == f"<#{LOCKED_CHANNEL}> Militia attack: {reason}"
    assert fake.posted(LOCKED_CHANNEL) == []
