"""Test doubles for publishing: a recording Poster that fails on demand, and event rows in a real store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.publishing.post import EventPost, SourceLink
from bot.publishing.poster import MessageGone
from bot.publishing.render import RenderedPost
from bot.settings import PublishSettings
from bot.storage.db import create_engine, session_factory
from bot.storage.models import Event

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


class SimulatedCrash(BaseException):
    """The process dies: a BaseException, so no `except Exception` in the code under test can swallow it."""


@dataclass
class Sent:
    channel_id: int
    message_id: int
    post: RenderedPost
    ping_role_id: int | None
    event_id: int | None
    attachments: tuple[tuple[str, bytes], ...]


@dataclass
class Edited:
    channel_id: int
    message_id: int
    post: RenderedPost
    event_id: int | None


@dataclass
class FakePoster:
    """Records every accepted send and edit, like a Discord that keeps its messages.

    `fail(op, exc, channel=None, times=1)` queues errors for the next calls; `crash_after_accept` makes the next
    send be accepted by "Discord" and then kill the caller before it can record that.
    """

    sent: list[Sent] = field(default_factory=list)
    edits: list[Edited] = field(default_factory=list)
    messages: dict[int, RenderedPost] = field(default_factory=dict)
    failures: list[tuple[str, int | None, BaseException]] = field(default_factory=list)
    crash_after_accept: bool = False
    on_send: Callable[[int], Awaitable[None]] | None = None
    next_id: int = 1000
    calls: int = 0

    def fail(self, op: str, exc: BaseException, channel: int | None = None, times: int = 1) -> None:
        self.failures.extend([(op, channel, exc)] * times)

    def _raise_if_failing(self, op: str, channel_id: int) -> None:
        for index, (f_op, f_channel, exc) in enumerate(self.failures):
            if f_op == op and f_channel in (None, channel_id):
                del self.failures[index]
                raise exc

    async def send(self, channel_id: int, post: RenderedPost, *, ping_role_id: int | None = None,
                   event_id: int | None = None, attachments: Sequence[tuple[str, bytes]] = ()) -> int:
        self.calls += 1
        self._raise_if_failing("send", channel_id)
        self.next_id += 1
        self.messages[self.next_id] = post
        self.sent.append(Sent(channel_id, self.next_id, post, ping_role_id, event_id, tuple(attachments)))
        if self.on_send is not None:
            await self.on_send(self.next_id)
        if self.crash_after_accept:
            self.crash_after_accept = False
            raise SimulatedCrash("killed after Discord accepted the message")
        return self.next_id

    async def edit(self, channel_id: int, message_id: int, post: RenderedPost, *, event_id: int | None = None) -> None:
        self.calls += 1
        self._raise_if_failing("edit", channel_id)
        if message_id not in self.messages:
            raise MessageGone(f"unknown message {message_id}")
        self.messages[message_id] = post
        self.edits.append(Edited(channel_id, message_id, post, event_id))

    def delete(self, message_id: int) -> None:
        del self.messages[message_id]

    def to(self, channel_id: int) -> list[Sent]:
        return [s for s in self.sent if s.channel_id == channel_id]


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def add_event(
    sessions: async_sessionmaker[AsyncSession],
    *,
    kind: str = "militia_attack",
    title: str = "Drone attack on Ain al-Asad air base",
    confidence: float = 0.9,
    now: datetime = NOW,
    origin: str = "feed",
    casualties: dict | None = None,
    place_key: str | None = "ain_al_asad",
) -> int:
    async with sessions() as session:
        event = Event(kind=kind, occurred_at=now, first_seen_at=now, updated_at=now, title=title,
                      summary=f"Summary of: {title}", confidence=confidence, revision=1, origin=origin,
                      casualties=casualties or {}, place_key=place_key, groups=[], places=[], weapons=[])
        session.add(event)
        await session.commit()
        return event.id


async def bump(sessions: async_sessionmaker[AsyncSession], event_id: int, title: str) -> int:
    """A new source joined: the event's title changes and its revision goes up."""
    async with sessions() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        event.title = title
        event.revision += 1
        await session.commit()
        return event.revision


async def load_post(session: AsyncSession, event_id: int, now: datetime) -> EventPost:
    """Stands in for bot.intel.posts.load_post: the post straight from the event row."""
    event = await session.get(Event, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    us = (event.casualties or {}).get("us", {})
    return EventPost(
        event_id=event.id, revision=event.revision, kind=event.kind, title=event.title, summary=event.summary,
        occurred_at=event.occurred_at, who="Islamic Resistance in Iraq (claimed)", where=event.place_key,
        weapon="one-way attack drones", casualties=str(us) if us else "no injuries reported",
        context=("3rd attack on Ain al-Asad in 7 days",),
        sources=(SourceLink("Example News", "https://news.example/a", now),),
        confidence=event.confidence, model_version="test-1", severe=bool(us.get("killed") or us.get("wounded")),
    )


@pytest.fixture
async def lite(sqlite_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a real SQLite file only (the fast default for behaviour tests)."""
    engine = create_engine(sqlite_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def publish_settings() -> PublishSettings:
    return PublishSettings(burst_limit=3, burst_window_s=300, max_attempts=4, console_channel_id=0)
