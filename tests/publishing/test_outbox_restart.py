"""Restarts and races: crashes around the send, a revision bump mid-send, two drains at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.publishing import policy
from bot.publishing.poster import RateLimited
from tests.publishing.conftest import NOW, FakePoster, SimulatedCrash, add_event, bump
from tests.publishing.test_outbox import Update, publisher, queue, rows, setup_subs


async def test_revision_bumped_while_sending_is_edited_next(lite, publish_settings) -> None:
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.6)
    await queue(lite, Update(event))
    poster = FakePoster()

    async def source_joins(_message_id: int) -> None:
        # The event layer adds a source while Discord is answering; its enqueue finds the row still pending.
        await bump(lite, event, "Second source joins")
        await queue(lite, Update(event, created=False, changed=True))

    poster.on_send = source_joins
    pub = publisher(lite, poster, publish_settings)
    await pub.drain(NOW)
    [row] = await rows(lite)
    assert row.status == "pending" and row.posted_revision == 1 and row.message_id is not None
    poster.on_send = None
    assert (await pub.drain(NOW)).edited == 1
    assert "Second source joins" in poster.edits[0].post.title


async def test_crash_before_discord_accepts_loses_nothing(lite, publish_settings) -> None:
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.6)
    await queue(lite, Update(event))
    poster = FakePoster()
    poster.fail("send", SimulatedCrash("killed while sending"))
    with pytest.raises(SimulatedCrash):
        await publisher(lite, poster, publish_settings).drain(NOW)
    assert poster.sent == []
    restarted = publisher(lite, poster, publish_settings)
    assert (await restarted.drain(NOW + timedelta(seconds=10))).total == 0  # claim still held
    assert (await restarted.drain(NOW + timedelta(seconds=policy.CLAIM_S))).sent == 1
    assert len(poster.sent) == 1


async def test_crash_between_accept_and_mark_reposts_exactly_once(lite, publish_settings) -> None:
    """The documented window: Discord accepted, the process died before the commit. One duplicate, no loss."""
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.6)
    await queue(lite, Update(event))
    poster = FakePoster(crash_after_accept=True)
    with pytest.raises(SimulatedCrash):
        await publisher(lite, poster, publish_settings).drain(NOW)
    assert len(poster.sent) == 1
    restarted = publisher(lite, poster, publish_settings)
    await restarted.drain(NOW + timedelta(seconds=policy.CLAIM_S))
    await restarted.drain(NOW + timedelta(hours=2))
    assert len(poster.sent) == 2
    [row] = await rows(lite)
    assert row.status == "sent" and row.message_id == poster.sent[1].message_id


async def test_two_drains_never_claim_the_same_row(sessions) -> None:
    """Two bot replicas by mistake, both selecting before either claims: each row is claimed once.

    On PostgreSQL the second SELECT skips the rows the first one locked; on SQLite both see the same rows
    and the second UPDATE finds them no longer due. Runs on both stores.
    """
    from bot.storage import outbox as store

    await setup_subs(sessions)
    events = [await add_event(sessions, confidence=0.9, title=f"Attack {i}") for i in range(5)]
    await queue(sessions, *(Update(e) for e in events))
    until = NOW + timedelta(seconds=policy.CLAIM_S)
    async with sessions() as one, sessions() as two:
        first = await store.due_rows(one, NOW)
        second = await store.due_rows(two, NOW)
        claimed_one = await store.claim(one, [r.id for r in first], NOW, until)
        await one.commit()
        claimed_two = await store.claim(two, [r.id for r in second], NOW, until)
        await two.commit()
    assert len(claimed_one) == 10 and claimed_two == []
    async with sessions() as again:
        assert await store.due_rows(again, NOW + timedelta(seconds=1)) == []


async def test_a_drain_held_past_its_claim_never_posts_twice(lite, publish_settings) -> None:
    """A drain waiting out 429s past its claim finds the rows taken by the next drain and leaves them to it."""
    await setup_subs(lite)
    event = await add_event(lite, confidence=0.9)  # two subscribed channels: two rows
    await queue(lite, Update(event))
    poster = FakePoster()
    poster.fail("send", RateLimited(20.0))  # a short 429: the first drain waits it out inline...
    scheduled = publisher(lite, poster, publish_settings)

    async def long_wait(_seconds: float) -> None:
        # ...and while it waits its claim runs out: the scheduled drain takes the rows and posts them.
        assert (await scheduled.drain(NOW + timedelta(seconds=policy.CLAIM_S + 60))).sent == 2

    slow = publisher(lite, poster, publish_settings, sleep=long_wait)
    report = await slow.drain(NOW)
    assert report.sent == 0 and report.failed == 0
    assert len(poster.sent) == 2 and {s.channel_id for s in poster.sent} == {111, 222}
    assert all(r.status == "sent" for r in await rows(lite))
