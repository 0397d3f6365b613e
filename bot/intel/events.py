"""From classified articles to events: extract, match, create or update, and mark the article done.

Each article is handled in its own transaction that also moves it to stage `done`, so a crash repeats at most
one article and the unique key on event_articles.article_id makes a repeat harmless. On PostgreSQL the article
row is claimed with FOR UPDATE SKIP LOCKED, so several workers can share the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intel.extract import Extraction, extract
from bot.intel.gazetteer import Gazetteer
from bot.intel.matching import Candidate, Report, best_match, report_from
from bot.intel.merge import merge
from bot.intel.summary import summarize
from bot.intel.trend import is_trend_piece
from bot.settings import EventSettings
from bot.storage import events as store
from bot.storage.models import Article, CasualtyReport, Classification, Event, EventArticle

RELEVANT = ("militia_attack", "us_strike")
MAX_PER_CALL = 2000
MAX_MEMBERS = 20  # reports of an event used for matching and the summary


@dataclass(frozen=True, slots=True)
class EventUpdate:
    event_id: int
    created: bool
    changed: bool


async def build_events(
    sessions: async_sessionmaker[AsyncSession], gazetteer: Gazetteer, settings: EventSettings, now: datetime
) -> list[EventUpdate]:
    """Process every `classified` article (up to MAX_PER_CALL); one EventUpdate per event touched."""
    updates: dict[int, EventUpdate] = {}
    for _ in range(MAX_PER_CALL):
        async with sessions() as session, session.begin():
            lock = session.get_bind().dialect.name == "postgresql"
            batch = await store.classified_batch(session, 1, lock=lock)
            if not batch:
                break
            article, classification = batch[0]
            update = await _handle(session, article, classification, gazetteer, settings, now)
            article.stage = "done"
        if update is not None:
            prior = updates.get(update.event_id)
            if prior is not None:
                update = EventUpdate(update.event_id, prior.created or update.created, prior.changed or update.changed)
            updates[update.event_id] = update
    return list(updates.values())


def article_extraction(article: Article, gazetteer: Gazetteer, kind: str) -> Extraction:
    return extract(article.title, article.summary or "", article.published_at, gazetteer, kind)


async def _handle(session: AsyncSession, article: Article, cls: Classification, gazetteer: Gazetteer,
                  settings: EventSettings, now: datetime) -> EventUpdate | None:
    if cls.label not in RELEVANT or cls.confidence < settings.min_confidence:
        return None
    ex = article_extraction(article, gazetteer, cls.label)
    if ex.roundup or is_trend_piece(article.title, cls.label, ex, gazetteer):
        # A running total ("attacked 55 times since October 17") or a trend story ("militias step up attacks")
        # is reading about the campaign, not an incident: it opens no event and joins none.
        return None
    report = report_from(cls.label, article.title, article.summary or "", ex, gazetteer, article.published_at)
    window = timedelta(hours=settings.window_hours)
    events = await store.candidate_events(session, cls.label, ex.occurred_at - window, ex.occurred_at + window)
    members = {e.id: await store.event_articles(session, e.id, MAX_MEMBERS) for e in events}
    candidates = [_candidate(e, members[e.id], gazetteer) for e in events]
    match = best_match(report, candidates, gazetteer, settings.window_hours, settings.similarity_threshold)
    created = match is None
    if match is None:
        event = Event(kind=cls.label, occurred_at=ex.occurred_at, first_seen_at=now, updated_at=now,
                      title=article.title, origin="feed", revision=1, confidence=cls.confidence,
                      model_version=cls.model_version)
        session.add(event)
        await session.flush()
        reports = [article]
    else:
        event = events[match[0]]
        reports = [*members[event.id], article]
    before = None if created else _signature(event, await store.source_links(session, event.id))
    session.add(EventArticle(article_id=article.id, event_id=event.id, similarity=match[1] if match else 1.0,
                             added_at=now))
    _record_casualties(session, event, article, ex)
    await _refresh(session, event, reports, cls, gazetteer)
    await session.flush()
    changed = created or before != _signature(event, await store.source_links(session, event.id))
    if changed and not created:
        event.revision += 1
        event.updated_at = now
    return EventUpdate(event.id, created, changed)


def _candidate(event: Event, articles: list[Article], gazetteer: Gazetteer) -> Candidate:
    """Rebuild an event's matching state from its reports, the same way the evaluation builds clusters."""
    reports: list[Report] = [report_from(event.kind, a.title, a.summary or "",
                                         article_extraction(a, gazetteer, event.kind), gazetteer, a.published_at)
                             for a in articles]
    if not reports:  # an event whose reports were deleted by retention: match on its stored facts only
        return Candidate(event, event.kind, event.occurred_at, False, event.place_key,
                         {event.place_key} if event.place_key else set(), {g["key"] for g in event.groups},
                         set(event.weapons), [event.title])
    cand = Candidate.start(event, reports[0])
    for r in reports[1:]:
        cand.absorb(r)
    return cand


def _record_casualties(session: AsyncSession, event: Event, article: Article, ex: Extraction) -> None:
    # History: every figure a source gave, with its time, so a rising toll can be traced.
    for category, counts in ex.casualties.items():
        session.add(CasualtyReport(event_id=event.id, article_id=article.id, source=article.source,
                                   category=category, killed=counts.killed, wounded=counts.wounded,
                                   reported_at=article.published_at))
    if ex.no_injuries and not ex.casualties:
        session.add(CasualtyReport(event_id=event.id, article_id=article.id, source=article.source,
                                   category="none", killed=0, wounded=0, reported_at=article.published_at))


async def _refresh(session: AsyncSession, event: Event, reports: list[Article], cls: Classification,
                   gazetteer: Gazetteer) -> None:
    """Recompute the event's facts and summary from all its reports."""
    reports = sorted(reports, key=lambda a: (a.published_at, a.id))
    facts = merge(event.kind, [article_extraction(a, gazetteer, event.kind) for a in reports], gazetteer)
    event.occurred_at = facts.occurred_at
    event.place_key, event.country, event.places = facts.place_key, facts.country, facts.places
    event.groups, event.weapons, event.casualties = facts.groups, facts.weapons, facts.casualties
    event.summary = summarize([(a.title, a.summary or "") for a in reports], gazetteer)
    if cls.confidence > event.confidence:
        event.confidence, event.model_version = cls.confidence, cls.model_version
    await store.set_event_index_rows(session, event)


def _signature(event: Event, sources: list[tuple[str, str | None, datetime]]) -> tuple[Any, ...]:
    """Everything a post shows: when it changes, the post must be edited (revision bump)."""
    return (event.title, event.summary, event.place_key, repr(event.groups), repr(event.weapons),
            repr(sorted(event.casualties.items())) if event.casualties else "", event.occurred_at,
            tuple((s, u) for s, u, _ in sources))
