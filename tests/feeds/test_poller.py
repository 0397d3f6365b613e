"""Polling end to end against the local server: baselines, dedup, encodings, errors, backoff, crash safety."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.storage import feeds as feed_store
from bot.storage.models import Article, Feed
from tests.feeds import feed_docs
from tests.feeds.feed_server import Route


async def add(sessions, server, path, clock, name=None):
    async with sessions.begin() as s:
        feed = await feed_store.add_feed(s, server.url(path), name or path, 300, clock())
        return feed.id


async def stages(sessions) -> dict[str, int]:
    async with sessions() as s:
        rows = await s.execute(select(Article.stage, func.count()).group_by(Article.stage))
        return dict(rows.all())


async def test_first_poll_is_a_baseline_then_only_new_items_are_new(sessions, feed_server, poller, clock):
    entries = feed_docs.items("kh", 5, clock.now)
    feed_server.routes["/rss"] = Route(body=feed_docs.rss2("Wire", entries))
    await add(sessions, feed_server, "/rss", clock)
    [first] = await poller.poll()
    assert (first.status, first.new, first.baseline) == ("new", 0, 5)

    clock.advance(minutes=2)
    newer = feed_docs.items("fresh", 2, clock.now)
    feed_server.routes["/rss"] = Route(body=feed_docs.rss2("Wire", newer + entries))
    assert await poller.poll() == []  # not due yet: interval 300 s
    clock.advance(minutes=10)
    [second] = await poller.poll()
    assert (second.new, second.baseline, second.duplicates) == (2, 0, 5)
    assert await stages(sessions) == {"baseline": 5, "new": 2}

    clock.advance(minutes=10)
    [third] = await poller.poll()
    assert third.status == "unchanged"  # 304 via ETag
    assert feed_server.request_headers["/rss"][-1].get("If-None-Match")


async def test_old_items_after_baseline_are_not_new(sessions, feed_server, poller, clock):
    feed_server.routes["/rss"] = Route(body=feed_docs.rss2("Wire", feed_docs.items("a", 1, clock.now)))
    await add(sessions, feed_server, "/rss", clock)
    await poller.poll()
    clock.advance(hours=1)
    stale = feed_docs.items("stale", 1, clock.now - timedelta(days=5))
    feed_server.routes["/rss"] = Route(body=feed_docs.rss2("Wire", stale))
    [outcome] = await poller.poll(everything=True)
    assert (outcome.new, outcome.baseline) == (0, 1)


@pytest.mark.parametrize("kind", ["rss2", "atom", "rss1"])
async def test_all_feed_formats_normalise(sessions, feed_server, poller, clock, kind):
    entries = feed_docs.items(kind, 3, clock.now)
    feed_server.routes["/f"] = Route(body=getattr(feed_docs, kind)("T", entries))
    await add(sessions, feed_server, "/f", clock)
    [outcome] = await poller.poll()
    assert outcome.baseline == 3, outcome
    async with sessions() as s:
        article = await s.scalar(select(Article).order_by(Article.published_at.desc()).limit(1))
    assert article.title == f"{kind} report 0: rockets hit a base in western Iraq"
    assert article.summary == f"Officials said item 0 of {kind} caused no casualties & little damage."
    assert article.url == f"https://news.example/{kind}/0?id=0"  # tracking parameter gone
    assert article.published_at == entries[0][4].replace(microsecond=0)


@pytest.mark.parametrize("encoding", ["windows-1256", "iso-8859-1", "utf-16"])
async def test_non_utf8_encodings(sessions, feed_server, poller, clock, encoding):
    title = "بغداد: صواريخ" if encoding == "windows-1256" else "Café à Erbil"
    entry = [("e1", title, "texte", "https://news.example/x", clock.now)]
    feed_server.routes["/enc"] = Route(body=feed_docs.rss2("Enc", entry, encoding=encoding))
    await add(sessions, feed_server, "/enc", clock)
    [outcome] = await poller.poll()
    assert outcome.status == "new", outcome
    async with sessions() as s:
        assert await s.scalar(select(Article.title)) == title


async def test_malformed_xml_is_an_error_and_recoverable_xml_is_read(sessions, feed_server, poller, clock):
    feed_server.routes["/junk"] = Route(body=b"<html><body>Service unavailable</body></html>")
    good = feed_docs.rss2("Wire", feed_docs.items("ok", 2, clock.now))
    good = good.replace(b"</channel>", b"<bad & broken></channel>")
    feed_server.routes["/sloppy"] = Route(body=good)
    await add(sessions, feed_server, "/junk", clock)
    await add(sessions, feed_server, "/sloppy", clock)
    outcomes = {o.name: o for o in await poller.poll()}
    assert outcomes["/junk"].status == "error" and "not a readable feed" in outcomes["/junk"].error
    assert outcomes["/sloppy"].baseline == 2


async def test_body_that_looks_like_a_path_is_not_opened(sessions, feed_server, poller, clock):
    feed_server.routes["/path"] = Route(body=b"/etc/passwd")
    await add(sessions, feed_server, "/path", clock)
    [outcome] = await poller.poll()
    assert outcome.status == "error"
    async with sessions() as s:
        assert await s.scalar(select(func.count(Article.id))) == 0


async def test_changing_dates_and_guids_do_not_duplicate(sessions, feed_server, poller, clock):
    entries = feed_docs.items("x", 3, clock.now)
    feed_server.routes["/f"] = Route(body=feed_docs.rss2("W", entries))
    await add(sessions, feed_server, "/f", clock)
    await poller.poll()
    # Same items: new dates, new guids, edited titles (same link): nothing new is stored.
    edited = [(g + "-v2", t + " (updated)", s, link, p + timedelta(hours=2)) for g, t, s, link, p in entries]
    feed_server.routes["/f"] = Route(body=feed_docs.rss2("W", edited))
    clock.advance(hours=1)
    [outcome] = await poller.poll()
    assert (outcome.new, outcome.baseline, outcome.duplicates) == (0, 0, 3)


async def test_duplicates_across_feeds_are_stored_once(sessions, feed_server, poller, clock):
    shared = feed_docs.items("same", 2, clock.now)
    feed_server.routes["/a"] = Route(body=feed_docs.rss2("A", shared))
    feed_server.routes["/b"] = Route(body=feed_docs.atom("B", shared))
    await add(sessions, feed_server, "/a", clock)
    await add(sessions, feed_server, "/b", clock)
    outcomes = await poller.poll()
    assert sorted(o.baseline for o in outcomes) == [0, 2]
    assert sum(o.duplicates for o in outcomes) == 2


async def test_failures_back_off_then_disable_and_recover_on_success(sessions, feed_server, poller, clock):
    feed_server.routes["/down"] = Route(status=500)
    feed_id = await add(sessions, feed_server, "/down", clock)
    delays = []
    for _ in range(3):
        [outcome] = await poller.poll(everything=True)
        async with sessions() as s:
            feed = await s.get(Feed, feed_id)
            delays.append((feed.next_check_at - clock.now).total_seconds())
    assert outcome.status == "disabled"
    assert (delays[0] == 300 and delays[1] == 300 and delays[2] == 300) or delays == sorted(delays)
    async with sessions() as s:
        feed = await s.get(Feed, feed_id)
        assert not feed.enabled and "500" in feed.disabled_reason and feed.consecutive_failures == 3
    assert await poller.poll(everything=True) == []  # disabled feeds are not polled


async def test_backoff_grows_and_honours_retry_after(sessions, feed_server, poll_settings, poller, clock):
    poll_settings.max_failures = 10
    feed_server.routes["/busy"] = Route(status=429, headers={"Retry-After": "3600"})
    feed_id = await add(sessions, feed_server, "/busy", clock)
    [outcome] = await poller.poll()
    async with sessions() as s:
        feed = await s.get(Feed, feed_id)
    assert outcome.status == "error" and (feed.next_check_at - clock.now).total_seconds() == 3600


async def test_crash_between_fetch_and_store_repeats_nothing(sessions, feed_server, poller, clock, monkeypatch):
    feed_server.routes["/f"] = Route(body=feed_docs.rss2("W", feed_docs.items("c", 4, clock.now)))
    await add(sessions, feed_server, "/f", clock)
    import bot.feeds.poller as poller_module

    real = poller_module.store_articles

    async def crash(*args, **kwargs):
        await real(*args, **kwargs)
        raise RuntimeError("power cut")

    monkeypatch.setattr(poller_module, "store_articles", crash)
    with pytest.raises(RuntimeError):
        await poller.poll()
    monkeypatch.setattr(poller_module, "store_articles", real)
    assert await stages(sessions) == {}  # the transaction rolled back: nothing half-stored
    clock.advance(minutes=2)  # the crashed worker's lease (60 s) expires
    [outcome] = await poller.poll()
    assert outcome.baseline == 4
    clock.advance(hours=1)
    await poller.poll(everything=True)
    assert await stages(sessions) == {"baseline": 4}


async def test_a_forced_cycle_reaches_every_feed_across_batches(sessions, feed_server, poll_settings, poller, clock):
    poll_settings.batch_size = 3  # fewer than the feeds, so the cycle claims several batches
    for i in range(8):
        feed_server.routes[f"/f{i}"] = Route(body=feed_docs.rss2(f"F{i}", feed_docs.items(f"f{i}", 2, clock.now)))
        await add(sessions, feed_server, f"/f{i}", clock)
    first = await poller.poll(everything=True)
    second = await poller.poll(everything=True)  # all unchanged (304s), recorded in batches
    assert sorted(o.feed_id for o in first) == sorted(o.feed_id for o in second) and len(second) == 8
    assert {o.status for o in second} == {"unchanged"}
    async with sessions() as s:
        leased = await s.scalar(select(func.count(Feed.id)).where(Feed.lease_owner.is_not(None)))
    assert leased == 0  # every lease released, the batched ones included


async def test_a_stopping_poller_claims_nothing_and_leaves_feeds_due(sessions, feed_server, poller, clock):
    feed_server.routes["/rss"] = Route(body=feed_docs.rss2("Wire", feed_docs.items("a", 2, clock.now)))
    await add(sessions, feed_server, "/rss", clock)
    poller.stopping = True
    assert await poller.poll() == []
    assert "/rss" not in feed_server.request_headers  # never fetched
    async with sessions() as s:
        [feed] = (await s.scalars(select(Feed))).all()
    assert feed.lease_owner is None and feed.last_success_at is None
    poller.stopping = False
    [outcome] = await poller.poll()  # still due: the next process to poll takes it
    assert outcome.baseline == 2


async def test_first_poll_catches_up_on_recent_items_only(sessions, feed_server, poll_settings, clock):
    from bot.feeds.fetch import Fetcher, make_session
    from bot.feeds.poller import Poller

    settings = poll_settings.model_copy(update={"catch_up_hours": 6})
    recent = feed_docs.items("recent", 2, clock.now - timedelta(hours=1))
    older = feed_docs.items("older", 3, clock.now - timedelta(hours=7))  # within max age, before the catch-up
    feed_server.routes["/rss"] = Route(body=feed_docs.rss2("Wire", recent + older))
    await add(sessions, feed_server, "/rss", clock)
    async with make_session(settings) as http:
        poller = Poller(sessions, Fetcher(http, settings), settings, "test-worker", clock)
        [first] = await poller.poll()
        assert (first.new, first.baseline) == (2, 3)
        clock.advance(minutes=10)
        late = feed_docs.items("late", 1, clock.now - timedelta(hours=7))  # after the baseline: max age rules
        feed_server.routes["/rss"] = Route(body=feed_docs.rss2("Wire", late + recent + older))
        [second] = await poller.poll(everything=True)
        assert (second.new, second.baseline, second.duplicates) == (1, 0, 5)
    assert await stages(sessions) == {"new": 3, "baseline": 3}


async def test_undated_items_are_baseline_on_a_first_poll_and_new_after(sessions, feed_server, poll_settings, clock):
    from bot.feeds.fetch import Fetcher, make_session
    from bot.feeds.poller import Poller

    def feed(*undated: str) -> bytes:
        dated = feed_docs.rss2("Wire", feed_docs.items("dated", 1, clock.now - timedelta(minutes=30)))
        extra = "".join(f"<item><guid>{g}</guid><title>Undated {g}: rockets hit a base</title></item>" for g in undated)
        return dated.replace(b"</channel>", extra.encode() + b"</channel>")

    settings = poll_settings.model_copy(update={"catch_up_hours": 6})
    feed_server.routes["/rss"] = Route(body=feed("old-1", "old-2"))
    await add(sessions, feed_server, "/rss", clock)
    async with make_session(settings) as http:
        poller = Poller(sessions, Fetcher(http, settings), settings, "test-worker", clock)
        [first] = await poller.poll()
        assert (first.new, first.baseline) == (1, 2)  # its age unknown, an undated item could be years old
        clock.advance(minutes=10)
        feed_server.routes["/rss"] = Route(body=feed("old-1", "old-2", "fresh"))
        [second] = await poller.poll(everything=True)
        assert (second.new, second.baseline, second.duplicates) == (1, 0, 3)  # not there before: news
    async with sessions() as s:
        stage = await s.scalar(select(Article.stage).where(Article.title.startswith("Undated fresh")))
    assert stage == "new"


async def test_count_due_counts_what_a_cycle_would_claim(sessions, feed_server, poller, clock):
    ids = [await add(sessions, feed_server, f"/f{i}", clock) for i in range(4)]
    async with sessions.begin() as s:
        feeds = {f.id: f for f in (await s.scalars(select(Feed))).all()}
        feeds[ids[1]].next_check_at = clock.now + timedelta(minutes=5)  # not due yet
        feeds[ids[2]].enabled = False
        feeds[ids[3]].lease_owner, feeds[ids[3]].lease_expires_at = "other", clock.now + timedelta(minutes=1)
    async with sessions() as s:
        assert await feed_store.count_due(s, clock.now) == 1
        assert await feed_store.count_due(s, clock.now, everything=True) == 2  # forced: due or not, unleased
        assert await feed_store.count_due(s, clock.now + timedelta(minutes=2)) == 2  # the lease has expired
