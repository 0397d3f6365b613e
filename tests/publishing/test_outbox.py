"""The outbox on a real store: enqueue policy, drain outcomes, retries, bursts, edits and restarts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from bot.publishing import policy
from bot.publishing.outbox import Publisher, enqueue
from bot.publishing.poster import MissingAccess, NotConnected, RateLimited, TransientError
from bot.storage.models import Event, OutboxItem, Subscription
from bot.storage.outbox import outbox_depth
from bot.storage.subscriptions import list_subscriptions, subscribe, unsubscribe
from tests.publishing.conftest import NOW, FakePoster, RecordingSleep, add_event, bump, load_post

A, B, S = 111, 222, 333  # attack channels A and B, strike channel S


@dataclass
class Update:
    event_id: int
    created: bool = True
    changed: bool = False


async def setup_subs(sessions, *, role: int | None = None) -> None:
    async with sessions() as session:
        await subscribe(session, 1, A, "militia_attack", 0.5, role, NOW)
        await subscribe(session, 1, B, "militia_attack", 0.8, None, NOW)
        await subscribe(session, 1, S, "us_strike", 0.0, None, NOW)
        await session.commit()


async def queue(sessions, *updates: Update, now=NOW, console: int | None = None) -> int:
    async with sessions() as session:
        count = await enqueue(session, list(updates), now, console_channel=console)
        await session.commit()
        return count


async def rows(sessions) -> list[OutboxItem]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxItem).order_by(OutboxItem.id))).all())


def publisher(sessions, poster, settings, sleep=None) -> Publisher:
    return Publisher(sessions, poster, settings, load_post, sleep=sleep or RecordingSleep())


async def test_enqueue_matches_kind_confidence_and_broken_and_is_idempotent(lite) -> None:
    await setup_subs(lite)
    attack = await add_event(lite, confidence=0.7)
    strike = await add_event(lite, kind="us_strike", title="US strikes KH depot near al-Qaim", confidence=0.95)
    assert await queue(lite, Update(attack), Update(strike)) == 2
    assert {(r.event_id, r.channel_id) for r in await rows(lite)} == {(attack, A), (strike, S)}
    assert await queue(lite, Update(attack), Update(strike)) == 0  # the same updates again add nothing
    async with lite() as session:
        await session.execute(update(Subscription).where(Subscription.channel_id == A).values(broken_reason="403"))
        await session.commit()
    strong = await add_event(lite, confidence=0.9)
    assert await queue(lite, Update(strong)) == 1
    assert [r.channel_id for r in await rows(lite) if r.event_id == strong] == [B]
    assert await queue(lite, Update(strong, created=False, changed=False)) == 0


async def test_console_channel_gets_every_event(lite) -> None:
    low = await add_event(lite, confidence=0.1)
    assert await queue(lite, Update(low), console=0) == 1
    poster = FakePoster()
    report = await publisher(lite, poster, _settings()).drain(NOW)
    assert report.sent == 1 and poster.sent[0].channel_id == 0


async def test_drain_marks_sent_only_after_the_poster_returned(sessions, publish_settings) -> None:
    """Runs on SQLite and PostgreSQL."""
    await setup_subs(sessions)
    event = await add_event(sessions)
    await queue(sessions, Update(event))
    poster = FakePoster()
    poster.fail("send", TransientError("502 from Discord"), channel=A)
    pub = publisher(sessions, poster, publish_settings)
    report = await pub.drain(NOW)
    assert report.retried == 1 and report.sent == 1  # A failed, B was sent
    by_channel = {r.channel_id: r for r in await rows(sessions)}
    assert by_channel[A].status == "pending" and by_channel[A].message_id is None
    assert by_channel[A].attempts == 1 and by_channel[A].next_attempt_at == NOW + timedelta(seconds=15)
    assert "502" in by_channel[A].last_error
    assert by_channel[B].status == "sent" and by_channel[B].message_id == poster.to(B)[0].message_id
    assert by_channel[B].posted_revision == 1
    assert (await pub.drain(NOW + timedelta(seconds=14))).total == 0  # backing off
    assert (await pub.drain(NOW + timedelta(seconds=15))).sent == 1
    assert [s.channel_id for s in poster.sent] == [B, A]
    # A restart (a new Publisher on the same store) posts nothing twice.
    assert (await publisher(sessions, poster, publish_settings).drain(NOW + timedelta(hours=1))).total == 0
    assert len(poster.sent) == 2
    async with sessions() as session:
        assert await outbox_depth(session) == {"pending": 0, "sent": 2, "failed": 0}


async def test_backoff_then_give_up_after_max_attempts(lite, publish_settings) -> None:
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.6)  # channel A only
    await queue(lite, Update(event))
    poster = FakePoster()
    poster.fail("send", TransientError("timeout"), times=10)
    pub = publisher(lite, poster, publish_settings)
    now, delays = NOW, []
    for _ in range(publish_settings.max_attempts):
        report = await pub.drain(now)
        [row] = await rows(lite)
        if row.status == "failed":
            break
        delays.append((row.next_attempt_at - now).total_seconds())
        now = row.next_attempt_at
    assert delays == [15, 30, 60]
    assert report.failed == 1 and row.status == "failed" and row.attempts == publish_settings.max_attempts
    assert row.last_error.startswith("gave up: TransientError")
    assert (await pub.drain(now + timedelta(days=1))).total == 0 and poster.sent == []


async def test_unexpected_poster_error_is_retried_not_fatal(lite, publish_settings) -> None:
    await setup_subs(lite)
    first = await add_event(lite, confidence=0.6)
    second = await add_event(lite, confidence=0.6, title="Rocket attack on Erbil")
    await queue(lite, Update(first), Update(second))
    poster = FakePoster()
    poster.fail("send", ValueError("bug in the edge"))
    report = await publisher(lite, poster, publish_settings).drain(NOW)
    assert report.retried == 1 and report.sent == 1


async def test_short_429_is_waited_out(lite, publish_settings) -> None:
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.6)
    await queue(lite, Update(event))
    poster, sleep = FakePoster(), RecordingSleep()
    poster.fail("send", RateLimited(2.5), times=2)
    report = await publisher(lite, poster, publish_settings, sleep).drain(NOW)
    assert sleep.waits == [2.5, 2.5] and report.rate_limit_waits == 2 and report.sent == 1
    [row] = await rows(lite)
    assert row.status == "sent" and row.attempts == 0


async def test_long_429_pauses_the_channel_without_spending_attempts(sessions, publish_settings) -> None:
    """Runs on SQLite and PostgreSQL (the attempt refund is dialect-specific SQL)."""
    lite = sessions
    await setup_subs(lite)
    ids = [await add_event(lite, confidence=0.6, title=f"Attack {i}") for i in range(2)]
    strike = await add_event(lite, kind="us_strike", title="US strike")
    await queue(lite, *(Update(i) for i in [*ids, strike]))
    poster, sleep = FakePoster(), RecordingSleep()
    poster.fail("send", RateLimited(120.0), channel=A)
    report = await publisher(lite, poster, publish_settings, sleep).drain(NOW)
    assert sleep.waits == [] and report.retried == 2 and report.sent == 1  # S still got its post
    paused = [r for r in await rows(lite) if r.channel_id == A]
    assert all(r.status == "pending" and r.attempts == 0 for r in paused)
    assert all(r.next_attempt_at == NOW + timedelta(seconds=120) for r in paused)
    report = await publisher(lite, poster, publish_settings, sleep).drain(NOW + timedelta(seconds=120))
    assert report.sent == 2 and len(poster.to(A)) == 2


async def test_missing_access_marks_the_subscription_broken(lite, publish_settings) -> None:
    await setup_subs(lite)
    events = [await add_event(lite, confidence=0.9, title=f"Attack {i}") for i in range(2)]
    await queue(lite, *(Update(e) for e in events))
    poster = FakePoster()
    poster.fail("send", MissingAccess("403 Missing Permissions (50013)"), channel=A)
    report = await publisher(lite, poster, publish_settings).drain(NOW)
    assert report.broken_channels == 1 and report.failed == 2 and len(poster.to(B)) == 2
    assert poster.to(A) == []
    async with lite() as session:
        subs = {s.channel_id: s for s in await list_subscriptions(session)}
    assert "50013" in subs[A].broken_reason and subs[B].broken_reason is None
    assert {r.status for r in await rows(lite) if r.channel_id == A} == {"failed"}
    # New events no longer go to the broken channel; subscribing again repairs it.
    later = await add_event(lite, confidence=0.9, title="Attack later")
    assert await queue(lite, Update(later)) == 1
    async with lite() as session:
        await subscribe(session, 1, A, "militia_attack", 0.5, None, NOW)
        await session.commit()
    assert await queue(lite, Update(later)) == 1


async def test_unsubscribed_channel_gets_nothing_already_queued(lite, publish_settings) -> None:
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.6)
    await queue(lite, Update(event))
    async with lite() as session:
        assert await unsubscribe(session, A, "militia_attack")
        assert not await unsubscribe(session, A, "militia_attack")
        await session.commit()
    poster = FakePoster()
    report = await publisher(lite, poster, publish_settings).drain(NOW)
    assert report.failed == 1 and poster.sent == []


async def test_burst_becomes_one_digest_and_later_events_respect_the_cap(sessions, publish_settings) -> None:
    """Runs on SQLite and PostgreSQL."""
    lite = sessions
    await setup_subs(lite)
    burst = [await add_event(lite, confidence=0.6, title=f"Rocket attack number {i}") for i in range(10)]
    await queue(lite, *(Update(e) for e in burst))
    poster = FakePoster()
    pub = publisher(lite, poster, publish_settings)
    report = await pub.drain(NOW)
    assert report.digests == 1 and report.digested == 10 and report.sent == 0
    [digest] = poster.to(A)
    assert digest.event_id is None and "10 new events" in digest.post.title
    assert all(f"`#{e}`" in digest.post.description for e in burst)
    assert {r.message_id for r in await rows(lite)} == {digest.message_id}
    # Two more within the window: 1 message + 2 <= 3, so they go out one by one.
    more = [await add_event(lite, confidence=0.6, title=f"Late attack {i}") for i in range(2)]
    await queue(lite, *(Update(e) for e in more), now=NOW + timedelta(seconds=60))
    assert (await pub.drain(NOW + timedelta(seconds=60))).sent == 2
    # The channel is now at its cap: the next one waits until the digest leaves the window.
    last = await add_event(lite, confidence=0.6, title="Even later attack")
    await queue(lite, Update(last), now=NOW + timedelta(seconds=90))
    report = await pub.drain(NOW + timedelta(seconds=90))
    assert report.held == 1 and report.total == 0
    [held] = [r for r in await rows(lite) if r.event_id == last]
    assert held.next_attempt_at == NOW + timedelta(seconds=300) and held.attempts == 0
    assert (await pub.drain(NOW + timedelta(seconds=300))).sent == 1
    assert len(poster.to(A)) == 4


async def test_changed_event_edits_its_message(lite, publish_settings) -> None:
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.6)
    await queue(lite, Update(event))
    poster = FakePoster()
    pub = publisher(lite, poster, publish_settings)
    await pub.drain(NOW)
    [first] = poster.sent
    revision = await bump(lite, event, "Drone attack on Ain al-Asad; two service members wounded")
    assert await queue(lite, Update(event, created=False, changed=True)) == 1
    assert await queue(lite, Update(event, created=False, changed=True)) == 0  # already due
    report = await pub.drain(NOW + timedelta(seconds=5))
    assert report.edited == 1 and report.sent == 0 and len(poster.sent) == 1
    [edit] = poster.edits
    assert edit.message_id == first.message_id and edit.event_id == event and "wounded" in edit.post.title
    [row] = await rows(lite)
    assert row.status == "sent" and row.posted_revision == revision and row.sent_at == NOW


async def test_deleted_message_is_posted_again(lite, publish_settings) -> None:
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.6)
    await queue(lite, Update(event))
    poster = FakePoster()
    pub = publisher(lite, poster, publish_settings)
    await pub.drain(NOW)
    poster.delete(poster.sent[0].message_id)
    await bump(lite, event, "Updated title")
    await queue(lite, Update(event, created=False, changed=True))
    report = await pub.drain(NOW + timedelta(seconds=5))
    assert report.reposted == 1 and report.edited == 0 and len(poster.sent) == 2
    [row] = await rows(lite)
    assert row.message_id == poster.sent[1].message_id and "Updated title" in poster.sent[1].post.title
    assert row.sent_at == NOW + timedelta(seconds=5) and poster.sent[1].ping_role_id is None


async def test_changed_event_inside_a_digest_edits_the_digest(lite, publish_settings) -> None:
    await setup_subs(lite)
    burst = [await add_event(lite, confidence=0.6, title=f"Attack {i}") for i in range(5)]
    await queue(lite, *(Update(e) for e in burst))
    poster = FakePoster()
    pub = publisher(lite, poster, publish_settings)
    await pub.drain(NOW)
    await bump(lite, burst[2], "Attack 2, now with casualties")
    await queue(lite, Update(burst[2], created=False, changed=True))
    report = await pub.drain(NOW + timedelta(seconds=5))
    assert report.edited == 1 and len(poster.sent) == 1
    [edit] = poster.edits
    assert edit.message_id == poster.sent[0].message_id and edit.event_id is None
    assert "now with casualties" in edit.post.description and "Attack 4" in edit.post.description


async def test_role_pinged_only_for_severe_events_and_never_on_edit(lite, publish_settings) -> None:
    await setup_subs(lite, role=555)
    calm = await add_event(lite, confidence=0.6, title="Drone shot down, no injuries")
    severe = await add_event(lite, confidence=0.6, title="Drone strike wounds US troops",
                             casualties={"us": {"wounded": 3}})
    await queue(lite, Update(calm), Update(severe))
    poster = FakePoster()
    pub = publisher(lite, poster, publish_settings)
    await pub.drain(NOW)
    pings = {s.event_id: s.ping_role_id for s in poster.sent}
    assert pings == {calm: None, severe: 555}
    await bump(lite, severe, "Drone strike wounds US troops; one later died")
    await queue(lite, Update(severe, created=False, changed=True))
    await pub.drain(NOW + timedelta(seconds=1))
    assert len(poster.edits) == 1 and len(poster.sent) == 2


async def test_event_deleted_after_queueing_drops_its_rows(lite, publish_settings) -> None:
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.6)
    await queue(lite, Update(event))
    async with lite() as session:
        await session.delete(await session.get(Event, event))
        await session.commit()
    assert (await publisher(lite, FakePoster(), publish_settings).drain(NOW)).total == 0
    assert await rows(lite) == []


async def test_drain_with_the_intel_loader_prints_to_the_console(lite) -> None:
    """No token mode end to end: enqueue for the console channel, the real bot.intel loader, ConsolePoster."""
    import io

    from bot.publishing.console import ConsolePoster

    event = await add_event(lite, title="Drone attack on Ain al-Asad @everyone **bold** [x](http://evil)")
    await queue(lite, Update(event), console=0)
    out = io.StringIO()
    report = await Publisher(lite, ConsolePoster(out), _settings()).drain(NOW)
    assert report.sent == 1
    text = out.getvalue()
    assert "[channel 0] message 1" in text
    assert "Militia attack: Drone attack on Ain al-Asad @everyone **bold** [x](http://evil)" in text
    assert "confidence 90%" in text and "Timeline:" in text


def _settings():
    from bot.settings import PublishSettings

    return PublishSettings(console_channel_id=0)


async def test_bot_not_connected_keeps_every_attempt_until_it_is_back(lite, publish_settings) -> None:
    """A dead gateway (Discord session closed) is not the rows' fault: they wait, they never burn out."""
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.9, title="Attack while the bot is down")
    await queue(lite, Update(event))
    poster, sleep = FakePoster(), RecordingSleep()
    later = NOW
    for _ in range(publish_settings.max_attempts + 2):  # more drains than attempts allowed
        poster.failures.clear()
        poster.fail("send", NotConnected("the Discord client is closed"), times=10)
        report = await publisher(lite, poster, publish_settings, sleep).drain(later)
        assert report.sent == 0 and report.failed == 0
        later += timedelta(seconds=policy.NOT_CONNECTED_WAIT_S)
    waiting = [r for r in await rows(lite) if r.event_id == event]
    assert waiting and all(r.status == "pending" and r.attempts == 0 for r in waiting)
    assert all("not connected" in (r.last_error or "") for r in waiting)
    poster.failures.clear()
    report = await publisher(lite, poster, publish_settings, sleep).drain(later)
    assert report.sent == len(waiting) and sleep.waits == []
