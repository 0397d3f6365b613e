"""Daily digest (once per day, with a chart), charts as valid PNGs, the console poster, subscriptions."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date, timedelta

import pytest

from bot.publishing.charts import events_per_day_png, events_per_week_png, stats_png
from bot.publishing.console import ConsolePoster
from bot.publishing.digest import last_digest_day, post_daily_digest
from bot.publishing.poster import MissingAccess, RateLimited, TransientError
from bot.publishing.render import render_event
from bot.storage.outbox import add_rows
from bot.storage.subscriptions import (
    SubscriptionError,
    broken_subscriptions,
    list_subscriptions,
    mark_broken,
    subscribe,
)
from tests.publishing.conftest import NOW, FakePoster, add_event
from tests.publishing.test_render import make_post


async def report_to(sessions, event_id: int, channels: list[int], at=NOW) -> None:
    """The outbox gave the channels this event: what makes a channel one a digest has something to sum up for."""
    async with sessions() as session:
        await add_rows(session, event_id, channels, at)
        await session.commit()


def png_size(data: bytes) -> tuple[int, int]:
    """Check the PNG structure (signature, every chunk's CRC, IHDR first, IEND last) and return its size."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    assert any(kind == b"IDAT" for kind, _ in chunks)
    width, height = struct.unpack(">II", chunks[0][1][:8])
    return width, height


def test_charts_are_valid_pngs() -> None:
    monday = date(2025, 12, 1)
    rows = [(monday + timedelta(weeks=w), kind, (w * 3 + len(kind)) % 7)
            for w in range(0, 20, 2) for kind in ("militia_attack", "us_strike")]
    week = events_per_week_png(rows)
    assert png_size(week) == (900, 400)
    assert events_per_week_png(rows) == week  # pure: same rows, same bytes
    assert png_size(events_per_week_png([]))[0] == 900
    assert png_size(events_per_day_png([(date(2026, 1, 1), "us_strike", 2)], title="$x$ weird_title")) == (900, 400)
    stats = stats_png({"militia_attack": 40, "us_strike": 12},
                      {f"group_{i}": i for i in range(30)}, {"ain_al_asad": 9, "$pecial": 1}, title="Last 30 days")
    assert png_size(stats) == (1100, 450)
    assert png_size(stats_png({}, {}, {})) == (1100, 450)
    assert week != events_per_week_png([*rows, (monday, "us_strike", 9)])  # the data shows


def test_week_chart_fills_gaps_between_weeks() -> None:
    # A Wednesday is counted in its week; a 10-week gap still renders (as empty bars, not a crash).
    rows = [(date(2026, 1, 7), "militia_attack", 1), (date(2026, 3, 18), "militia_attack", 4)]
    assert png_size(events_per_week_png(rows))[1] == 400


async def test_daily_digest_once_per_day_with_chart(lite) -> None:
    for i in range(3):
        event_id = await add_event(lite, title=f"Attack {i}", now=NOW - timedelta(hours=i))
    await report_to(lite, event_id, [10, 20])
    await add_event(lite, kind="us_strike", title="US strike on KH", now=NOW - timedelta(hours=5))
    await add_event(lite, title="Yesterday's attack", now=NOW - timedelta(hours=30))
    await add_event(lite, title="Seeded history", origin="seed", now=NOW - timedelta(hours=1))
    poster = FakePoster()
    assert await post_daily_digest(lite, poster, [10, 20, 10], NOW)
    assert [s.channel_id for s in poster.sent] == [10, 20]
    digest = poster.sent[0].post
    assert "4 events" in digest.title and "2026-01-10" in digest.title
    assert "Attack 2" in digest.description and "US strike on KH" in digest.description
    assert "Yesterday" not in digest.description and "Seeded" not in digest.description
    assert dict((n, v) for n, v, _ in digest.fields) == {"Militia attack": "3", "US strike": "1"}
    [(name, chart)] = poster.sent[0].attachments
    assert name == "daily.png" and png_size(chart) == (900, 400)
    # Same day again, even hours later or after a restart: nothing.
    assert not await post_daily_digest(lite, poster, [10, 20], NOW + timedelta(hours=11))
    assert len(poster.sent) == 2
    async with lite() as session:
        assert await last_digest_day(session) == "2026-01-10"
    # The next day: a quiet day still gets its digest.
    assert await post_daily_digest(lite, poster, [10], NOW + timedelta(days=2))
    assert "no attacks or strikes" in poster.sent[-1].post.title


async def test_daily_digest_not_recorded_when_every_channel_failed(lite) -> None:
    await report_to(lite, await add_event(lite), [10, 20])
    poster = FakePoster()
    poster.fail("send", TransientError("503"), channel=10)
    poster.fail("send", MissingAccess("403"), channel=20)
    assert not await post_daily_digest(lite, poster, [10, 20], NOW)
    async with lite() as session:
        assert await last_digest_day(session) is None
    poster.fail("send", RateLimited(0.01))
    poster.fail("send", MissingAccess("403"), channel=20)
    assert await post_daily_digest(lite, poster, [10, 20], NOW)  # one channel is enough to count the day
    assert [s.channel_id for s in poster.sent] == [10]
    assert not await post_daily_digest(lite, poster, [], NOW + timedelta(days=1))


async def test_daily_digest_defaults_to_every_working_subscription(lite) -> None:
    async with lite() as session:
        await subscribe(session, 1, 10, "militia_attack", 0.5, None, NOW)
        await subscribe(session, 1, 10, "us_strike", 0.5, None, NOW)
        broken = await subscribe(session, 1, 20, "us_strike", 0.5, None, NOW)
        await subscribe(session, 1, 30, "us_strike", 0.5, None, NOW)
        await mark_broken(session, broken.id, "403")
        await session.commit()
    await report_to(lite, await add_event(lite), [10, 20, 30])
    poster = FakePoster()
    assert await post_daily_digest(lite, poster, None, NOW)
    assert [s.channel_id for s in poster.sent] == [10, 30]


async def test_no_digest_for_a_channel_with_nothing_reported_since_it_subscribed(lite) -> None:
    # A bot started in the evening with fresh subscriptions must not open with an empty "no attacks" digest.
    event_id = await add_event(lite, now=NOW - timedelta(hours=3))
    await report_to(lite, event_id, [20], at=NOW - timedelta(hours=3))  # before channel 20 subscribed (again)
    async with lite() as session:
        for channel in (10, 20, 30):
            await subscribe(session, 1, channel, "militia_attack", 0.5, None, NOW - timedelta(hours=2))
        await session.commit()
    poster = FakePoster()
    assert not await post_daily_digest(lite, poster, None, NOW)
    assert not await post_daily_digest(lite, poster, [10, 20, 30, 40], NOW)  # 40: no subscription, no post
    assert poster.sent == []
    async with lite() as session:
        assert await last_digest_day(session) is None  # not counted: it is still due once there is news
    await report_to(lite, event_id, [30], at=NOW - timedelta(hours=1))
    await report_to(lite, event_id, [40], at=NOW - timedelta(days=30))  # the console: any report counts
    assert await post_daily_digest(lite, poster, [10, 20, 30, 40], NOW)
    assert [s.channel_id for s in poster.sent] == [30, 40]
    # On a later quiet day the channel still gets its digest: it has had news since it subscribed.
    assert await post_daily_digest(lite, poster, None, NOW + timedelta(days=3))
    assert [s.channel_id for s in poster.sent] == [30, 40, 30]
    assert "no attacks or strikes" in poster.sent[-1].post.title


async def test_console_poster_prints_plain_text() -> None:
    stream = io.StringIO()
    poster = ConsolePoster(stream=stream)
    rendered = render_event(make_post(title="**Big** @everyone"))
    first = await poster.send(0, rendered, ping_role_id=9, attachments=[("c.png", b"1234")])
    await poster.edit(0, first, rendered)
    second = await poster.send(0, rendered)
    out = stream.getvalue()
    assert second == first + 1
    assert "Militia attack: **Big** @everyone" in out and "\\*" not in out and "\u200b" not in out
    assert f"message {first} (pings role 9)" in out and f"message {first} edited" in out
    assert "[attachment c.png: 4 bytes]" in out


async def test_subscriptions_crud(sessions) -> None:
    """Runs on SQLite and PostgreSQL."""
    async with sessions() as session:
        sub = await subscribe(session, 5, 100, "militia_attack", 0.7, 42, NOW)
        again = await subscribe(session, 5, 100, "militia_attack", 0.9, None, NOW)
        assert again.id == sub.id and again.min_confidence == 0.9 and again.role_id is None
        await subscribe(session, 5, 100, "us_strike", 0.0, None, NOW)
        for bad in [dict(kind="other"), dict(min_confidence=1.5), dict(channel_id=0)]:
            args = dict(guild_id=5, channel_id=100, kind="us_strike", min_confidence=0.5, role_id=None, now=NOW)
            with pytest.raises(SubscriptionError):
                await subscribe(session, **(args | bad))
        await mark_broken(session, sub.id, "Missing Access (50001)")
        await session.commit()
    async with sessions() as session:
        assert [(s.channel_id, s.kind) for s in await list_subscriptions(session)] == [
            (100, "militia_attack"), (100, "us_strike")]
        [broken] = await broken_subscriptions(session)
        assert broken.id == sub.id and "50001" in broken.broken_reason
        await subscribe(session, 5, 100, "militia_attack", 0.7, None, NOW)
        assert await broken_subscriptions(session) == []
