"""Draining one channel's due outbox rows: edits first, then new posts as singles or one burst digest.

Each message is one "action" with its own outcome: success marks its rows sent (in a transaction of its own,
right after the Poster returned); an error reschedules or gives up those rows only. Two outcomes stop the whole
channel for this drain, because every further request to it would fail the same way: a long 429
(`ChannelPaused`) and missing access (`ChannelBroken`); the Publisher handles those.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from bot.publishing import policy
from bot.publishing.post import EventPost
from bot.publishing.poster import MessageGone, MissingAccess, NotConnected, RateLimited
from bot.publishing.render import RenderedPost, render_digest, render_event
from bot.storage import outbox as store

if TYPE_CHECKING:
    from bot.publishing.outbox import DrainReport, Publisher

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_INLINE_WAITS = 3  # 429s waited out for one message before the channel is paused instead


class ChannelPaused(Exception):
    """The channel cannot take posts for now (rate limited longer than is worth waiting, or Discord not
    connected): its rows wait `retry_after` seconds with their attempts refunded."""

    def __init__(self, retry_after: float, why: str = "rate limited") -> None:
        super().__init__(f"{why}, waiting {retry_after:.1f} s")
        self.retry_after = max(1.0, retry_after)


class ChannelBroken(Exception):
    """The bot cannot post to the channel (permissions, deleted channel)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ClaimLost(Exception):
    """Another drain took these rows after this drain's claim ran out (a drain held up by 429s): hands off."""


class ChannelDrain:
    """One drain's work on one channel. `done` holds the ids of rows whose outcome is already recorded."""

    def __init__(self, publisher: Publisher, channel_id: int, subs: Sequence[Any], now: datetime,
                 report: DrainReport, claimed_until: datetime) -> None:
        self.p = publisher
        self.channel_id = channel_id
        self.subs = subs
        self.now = now
        self.report = report
        self.done: set[int] = set()
        self.claimed_until = claimed_until  # the next_attempt_at this drain's claim wrote
        self.started = time.monotonic()
        self.renewed: dict[int, datetime] = {}  # row id -> the next_attempt_at a renewal wrote since

    async def run(self, rows: Sequence[store.DueRow]) -> None:
        """Edits before new posts, so a correction is never queued behind a burst."""
        groups: dict[int, list[store.DueRow]] = {}
        for row in rows:
            if row.message_id is not None:
                groups.setdefault(row.message_id, []).append(row)
        for message_id, group in groups.items():
            await self._attempt(group, lambda m=message_id, g=group: self._edit(m, g))  # type: ignore[misc]
        new = [row for row in rows if row.message_id is None]
        if new:
            await self._new(new)

    async def _new(self, rows: list[store.DueRow]) -> None:
        window = self.p.settings.burst_window_s
        since = self.now - timedelta(seconds=window)
        times = await self._read(lambda s: store.message_times(s, self.channel_id, since))
        plan = policy.plan_burst(len(rows), times, self.now, self.p.settings.burst_limit, window)
        if plan.hold_until is not None:
            until = plan.hold_until
            await self._write(lambda s: store.mark_retry(s, [r.id for r in rows], until,
                                                         "held: channel at its burst cap", refund=True))
            self.report.held += len(rows)
            self.done.update(r.id for r in rows)
        elif plan.digest:
            await self._attempt(rows, lambda: self._send_digest(rows))
        else:
            for row in rows:
                await self._attempt([row], lambda r=row: self._send_single(r))  # type: ignore[misc]

    async def _send_single(self, row: store.DueRow) -> None:
        post = await self._load(row.event_id)
        rendered = render_event(post)
        message_id = await self._call([row], lambda: self.p.poster.send(
            self.channel_id, rendered, ping_role_id=self._ping([post]), event_id=post.event_id))
        await self._mark({row.id: post.revision}, message_id, new_message=True)
        self.report.sent += 1

    async def _send_digest(self, rows: Sequence[store.DueRow]) -> None:
        posts = [await self._load(row.event_id) for row in rows]
        rendered = render_digest(posts, policy.digest_title(len(posts)))
        message_id = await self._call(rows, lambda: self.p.poster.send(
            self.channel_id, rendered, ping_role_id=self._ping(posts)))
        await self._mark({row.id: post.revision for row, post in zip(rows, posts, strict=True)}, message_id,
                         new_message=True)
        self.report.digests += 1
        self.report.digested += len(rows)

    async def _edit(self, message_id: int, claimed: Sequence[store.DueRow]) -> None:
        """Edit a message to show its events' current revisions; send it anew when it was deleted."""
        members = await self._read(lambda s: store.message_members(s, self.channel_id, message_id))
        posts = [await self._load(member.event_id) for member in members]
        digest = len(posts) > 1  # the rows of a burst digest share its message
        rendered: RenderedPost = (render_digest(posts, policy.digest_title(len(posts))) if digest
                                  else render_event(posts[0]))
        event_id = None if digest else posts[0].event_id
        new_message = False
        try:
            await self._call(claimed, lambda: self.p.poster.edit(
                self.channel_id, message_id, rendered, event_id=event_id))
            self.report.edited += 1
        except MessageGone:
            # Someone deleted the post: the update still matters, so post it again (quietly: no ping).
            message_id = await self._call(claimed, lambda: self.p.poster.send(
                self.channel_id, rendered, event_id=event_id))
            new_message = True
            self.report.reposted += 1
        await self._mark({m.id: post.revision for m, post in zip(members, posts, strict=True)}, message_id,
                         new_message=new_message)

    async def _attempt(self, rows: Sequence[store.DueRow], action: Callable[[], Awaitable[None]]) -> None:
        """Run one message's action; any error other than pause/broken reschedules or gives up its rows."""
        try:
            await action()
        except ClaimLost as lost:
            log.warning("channel %s: %s; leaving events %s to it", self.channel_id, lost, [r.event_id for r in rows])
        except (ChannelPaused, ChannelBroken):
            raise
        except Exception as exc:  # TransientError, an unexpected Poster error, a failing loader: retry later
            log.warning("channel %s: posting events %s failed: %r", self.channel_id,
                        [r.event_id for r in rows], exc)
            await self._failure(rows, exc)
        self.done.update(r.id for r in rows)

    async def _failure(self, rows: Sequence[store.DueRow], exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        for row in rows:
            # The claim counted this attempt already: row.attempts is the count from before it.
            retry_at = policy.after_failure(row.attempts + 1, self.p.settings.max_attempts, self.now)
            async with self.p.sessions() as session:
                if retry_at is None:
                    await store.mark_failed(session, [row.id], f"gave up: {error}")
                    self.report.failed += 1
                else:
                    await store.mark_retry(session, [row.id], retry_at, error)
                    self.report.retried += 1
                await session.commit()

    async def _call(self, rows: Sequence[Any], make: Callable[[], Awaitable[T]]) -> T:
        """Call the Poster: wait out short 429s; turn long ones and missing access into channel outcomes.

        Before every try the drain renews its claim on the rows: a drain held up past its claim (429s, a slow
        Discord) may find that another drain took them, and then it must not send (that would post twice)."""
        waits = 0
        while True:
            await self._renew(rows)
            try:
                return await make()
            except RateLimited as exc:
                if exc.retry_after > policy.MAX_INLINE_WAIT_S or waits >= MAX_INLINE_WAITS:
                    raise ChannelPaused(exc.retry_after) from exc
                waits += 1
                self.report.rate_limit_waits += 1
                await self.p.sleep(exc.retry_after)
            except MissingAccess as exc:
                raise ChannelBroken(exc.reason) from exc
            except NotConnected as exc:
                # Not the row's fault: pause the channel with its attempts refunded until the bot is back.
                raise ChannelPaused(policy.NOT_CONNECTED_WAIT_S, "Discord not connected") from exc

    async def _renew(self, rows: Sequence[Any]) -> None:
        ids = [row.id for row in rows]
        held = self.renewed.get(ids[0], self.claimed_until) if ids else self.claimed_until
        # A full claim from this moment (in the drain's own time frame, whole seconds: a fresh drain re-stamps
        # the same value, so a crash right after is recovered exactly one claim after the drain began).
        elapsed = int(time.monotonic() - self.started)
        until = max(held, self.claimed_until + timedelta(seconds=elapsed))
        kept = await self._write(lambda s: store.renew_claim(s, ids, held, until))
        if len(kept) < len(ids):
            raise ClaimLost(f"the claim on {len(ids) - len(kept)} row(s) ran out and another drain took them")
        self.renewed.update(dict.fromkeys(ids, until))

    def _ping(self, posts: Sequence[EventPost]) -> int | None:
        """The role to ping: only for severe events, only the role the matching subscription configured."""
        for post in posts:
            if not post.severe:
                continue
            for sub in self.subs:
                if sub.kind == post.kind and sub.role_id:
                    return int(sub.role_id)
        return None

    async def _mark(self, shown: dict[int, int], message_id: int, *, new_message: bool) -> None:
        # The one write between Discord's acceptance and durability: keep it alone and short.
        await self._write(lambda s: store.mark_sent(s, shown, message_id, self.now, new_message=new_message))

    async def _load(self, event_id: int) -> EventPost:
        async with self.p.sessions() as session:
            return await self.p.load_post(session, event_id, self.now)

    async def _read(self, work: Callable[[Any], Awaitable[T]]) -> T:
        async with self.p.sessions() as session:
            return await work(session)

    async def _write(self, work: Callable[[Any], Awaitable[T]]) -> T:
        async with self.p.sessions() as session:
            result = await work(session)
            await session.commit()
            return result
