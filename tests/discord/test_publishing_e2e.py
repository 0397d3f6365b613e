"""The publisher's drain through DiscordPoster: posts, edits on a new source, a 429 mid-burst, a restart,
and a channel the bot may not post in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.publishing.outbox import Publisher, enqueue
from bot.storage.models import Article, Event, EventArticle, OutboxItem, Subscription
from bot.storage.subscriptions import subscribe
from tests.discord.conftest import NOW, start_bot, stop_bot
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import EVENTS_CHANNEL, GUILD_ID, LOCKED_CHANNEL
from tests.discord.scenario import MESSAGES, Update, load_post, seed


async def _queue(ctx, channel: int = EVENTS_CHANNEL) -> dict[str, int]:
    ids = await seed(ctx.sessions, NOW)
    async with ctx.sessions.begin() as session:
        await subscribe(session, GUILD_ID, channel, "militia_attack", 0.5, None, NOW)
        await subscribe(session, GUILD_ID, channel, "us_strike", 0.5, None, NOW)
        await enqueue(session, [Update(i) for i in ids.values()], NOW)
    return ids


def publisher(ctx, bot) -> Publisher:
    async def no_sleep(_seconds: float) -> None:  # the publisher's own waits are asserted via its report
        return None

    return Publisher(ctx.sessions, bot.poster, ctx.settings.publish, load_post=load_post, sleep=no_sleep)


async def test_drain_posts_then_edits_when_a_source_joins(fake: FakeDiscord, bot, ctx) -> None:
    ids = await _queue(ctx)
    report = await publisher(ctx, bot).drain(NOW)
    assert report.sent == 3
    posted = fake.posted(EVENTS_CHANNEL)
    assert len(posted) == 3
    assert {m["components"][0]["components"][0]["custom_id"] for m in posted} == {
        f"sitrep:correct:{i}" for i in ids.values()}
    async with ctx.sessions.begin() as session:  # a new source joins the attack: revision bump
        event = await session.get(Event, ids["attack"])
        event.revision += 1
        article = Article(key="late", source="Late Wire", url="https://news.example/late", title="Late report",
                          summary="", published_at=NOW, fetched_at=NOW, content_hash="late", stage="done")
        session.add(article)
        await session.flush()
        session.add(EventArticle(article_id=article.id, event_id=event.id, added_at=NOW))
        await enqueue(session, [Update(ids["attack"], created=False, changed=True)], NOW)
    report = await publisher(ctx, bot).drain(NOW + timedelta(minutes=1))
    assert report.edited == 1 and report.sent == 0
    assert len(fake.posted(EVENTS_CHANNEL)) == 3  # edited, not reposted
    edited = [m for m in posted if m["edited_timestamp"]]
    assert len(edited) == 1 and "https://news.example/late" in str(edited[0]["embeds"][0])


async def test_429_in_the_middle_of_a_burst(fake: FakeDiscord, bot, ctx) -> None:
    await _queue(ctx)
    # The second post meets a 429 that discord.py waits out itself; the third a Cloudflare-style 429 that
    # comes back as RateLimited, which the publisher waits out (retry_after) before posting it again.
    real_send = bot.poster.send
    calls = 0

    async def send(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            fake.fail("POST", MESSAGES, 429, retry_after=0.1)
        if calls == 3:
            fake.fail("POST", MESSAGES, 429, retry_after=4.0, via=False)
        return await real_send(*args, **kwargs)

    bot.poster.send = send
    report = await publisher(ctx, bot).drain(NOW)
    assert report.sent == 3 and report.rate_limit_waits == 1 and report.failed == 0
    statuses = [r.status for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert statuses == [200, 429, 200, 429, 200]
    titles = [m["embeds"][0]["title"] for m in fake.posted(EVENTS_CHANNEL)]
    assert len(titles) == len(set(titles)) == 3  # every event once, none twice


async def test_restart_with_unsent_rows_posts_each_once(fake: FakeDiscord, ctx, clock) -> None:
    await _queue(ctx)
    first = await start_bot(fake, ctx, clock)
    try:
        fake.fail("POST", MESSAGES, 503, times=2)  # Discord fails two of the three posts
        report = await publisher(ctx, first).drain(NOW)
        assert report.sent == 1 and report.retried == 2
    finally:
        await stop_bot(first)
    restarted = await start_bot(fake, ctx, clock)  # a new process: same store, new client
    try:
        later = NOW + timedelta(hours=2)
        total = 0
        for _ in range(3):  # a few scheduler ticks after the restart
            total += (await publisher(ctx, restarted).drain(later)).sent
            later += timedelta(hours=1)
        assert total == 2
        titles = [m["embeds"][0]["title"] for m in fake.posted(EVENTS_CHANNEL)]
        assert len(titles) == len(set(titles)) == 3
        async with ctx.sessions() as session:
            unsent = await session.scalar(select(func.count()).select_from(OutboxItem)
                                          .where(OutboxItem.status != "sent"))
        assert unsent == 0
        assert restarted.unexpected_errors == []
    finally:
        await stop_bot(restarted)


async def test_forbidden_channel_marks_subscription_broken(fake: FakeDiscord, bot, ctx) -> None:
    fake.forbidden_channels.add(LOCKED_CHANNEL)
    await _queue(ctx, channel=LOCKED_CHANNEL)
    report = await publisher(ctx, bot).drain(NOW)
    assert report.broken_channels == 1 and report.sent == 0
    async with ctx.sessions() as session:
        reasons = (await session.scalars(select(Subscription.broken_reason))).all()
    assert reasons and all("50013" in r for r in reasons)
