"""Test data in our own words: a tiny gazetteer, a tiny real classifier, and a store with a few events."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intel.gazetteer import Gazetteer
from bot.publishing.post import EventPost, SourceLink
from bot.storage.events import set_event_index_rows
from bot.storage.models import Article, CasualtyReport, Classification, Event, EventArticle, Feed
from tests.discord.payloads import EVENTS_CHANNEL

# The outbox path where the events channel's new messages arrive at the fake Discord.
MESSAGES = rf"/channels/{EVENTS_CHANNEL}/messages$"


@dataclass
class Update:
    """What the event layer hands the outbox (bot.intel.events.EventUpdate), with a new event's defaults."""

    event_id: int
    created: bool = True
    changed: bool = False


def tiny_gazetteer() -> Gazetteer:
    """Three groups and three places: enough for autocomplete and filters without the intel layer's file."""
    group = {"type": "militia", "country": "Iraq"}
    place = {"type": "base", "country": "Iraq"}
    return Gazetteer.from_dict({
        "groups": [
            {**group, "key": "kataib-hezbollah", "name": "Kataib Hezbollah", "aliases": ["Kataib Hezbollah", "KH"]},
            {**group, "key": "nujaba", "name": "Harakat al-Nujaba", "aliases": ["Harakat al-Nujaba", "Nujaba"]},
            {**group, "key": "islamic-resistance-in-iraq", "name": "Islamic Resistance in Iraq",
             "type": "umbrella", "aliases": ["Islamic Resistance in Iraq", "IRI"]},
        ],
        "places": [
            {**place, "key": "ain-al-asad", "name": "Ain al-Asad air base", "short": "Ain al-Asad",
             "aliases": ["Ain al-Asad", "Al Asad"]},
            {**place, "key": "tower-22", "name": "Tower 22", "short": "Tower 22", "country": "Jordan",
             "aliases": ["Tower 22"]},
            {**place, "key": "al-qaim", "name": "al-Qaim", "short": "al-Qaim", "type": "city",
             "aliases": ["al-Qaim", "Qaim"]},
        ],
        "weapons": [],
    })


TRAINING = [
    ("Drones launched at Ain al-Asad base, militia group claims the attack", "militia_attack"),
    ("Rockets fired at US troops in eastern Syria, Islamic Resistance claims", "militia_attack"),
    ("One-way attack drone hits US outpost near the Jordan border", "militia_attack"),
    ("Militia rockets target Erbil air base housing coalition forces", "militia_attack"),
    ("US jets strike Kataib Hezbollah weapons depots near al-Qaim", "us_strike"),
    ("American aircraft bomb militia command sites in Iraq and Syria", "us_strike"),
    ("US drone strike kills a militia commander in Baghdad", "us_strike"),
    ("Pentagon says US forces struck facilities used by Iran-backed groups", "us_strike"),
    ("Parliament in Baghdad debates the new budget law", "other"),
    ("Oil prices rise as markets watch the shipping lanes", "other"),
    ("Football club wins the league after a late goal", "other"),
    ("Dock workers go on strike over pay in the port city", "other"),
]


@functools.cache
def tiny_classifier() -> Any:
    """The project's real Classifier around its real pipeline, fitted on twelve sentences (fast, deterministic)."""
    from classifiers.model import LABELS, Classifier
    from classifiers.model_input import model_matrix
    from classifiers.pipeline import ModelParams, build_pipeline

    pipeline = build_pipeline(ModelParams(word_min_df=1, char_min_df=1, C=10.0))
    pipeline.fit(model_matrix([t for t, _ in TRAINING]), [LABELS.index(label) for _, label in TRAINING])
    metadata = {"version": "test-20240210", "labels": list(LABELS),
                "metrics": {"macro_f1": 0.876, "cv": "StratifiedGroupKFold(5) on incident"},
                "created": "2024-02-10T00:00:00+00:00"}
    return Classifier(pipeline, metadata)


def event_post(event_id: int, *, title: str = "Drone attack on Ain al-Asad air base", revision: int = 1,
               sources: int = 1, severe: bool = False, kind: str = "militia_attack") -> EventPost:
    at = datetime(2024, 2, 9, 22, 0, tzinfo=UTC)
    return EventPost(
        event_id=event_id, revision=revision, kind=kind, title=title,
        summary="Two drones approached the base overnight; one was shot down, the other hit an open area.",
        occurred_at=at, who="Islamic Resistance in Iraq (claimed)", where="Ain al-Asad air base, Iraq",
        weapon="one-way attack drones", casualties="no injuries reported",
        context=("3rd attack on Ain al-Asad in 7 days", "last US strike: 6 days ago, on KH sites near al-Qaim"),
        sources=tuple(SourceLink(f"Wire {i + 1}", f"https://news.example/{event_id}/{i}", at + timedelta(hours=i))
                      for i in range(sources)),
        confidence=0.91, model_version="test-20240210", severe=severe,
    )


async def seed(sessions: async_sessionmaker[AsyncSession], now: datetime) -> dict[str, int]:
    """Three events with sources, groups, casualty history and classified articles; two feeds (one failing)."""
    async with sessions.begin() as session:
        feed = Feed(url="http://127.0.0.1:1/wire.xml", name="Wire", interval_s=900, next_check_at=now,
                    created_at=now, last_checked_at=now - timedelta(minutes=3),
                    last_success_at=now - timedelta(minutes=3))
        bad = Feed(url="http://127.0.0.1:1/broken.xml", name="Broken feed", interval_s=900, next_check_at=now,
                   created_at=now, consecutive_failures=3, last_error="HTTP 503")
        session.add_all([feed, bad])
        await session.flush()
        ids = {}
        specs = [
            ("attack", "militia_attack", "Drone attack on Ain al-Asad air base", "ain-al-asad",
             ["islamic-resistance-in-iraq"], now - timedelta(days=2)),
            ("strike", "us_strike", "US strikes Kataib Hezbollah depots near al-Qaim", "al-qaim",
             ["kataib-hezbollah"], now - timedelta(days=5)),
            ("tower", "militia_attack", "Drone strike on Tower 22 kills three US soldiers", "tower-22",
             ["islamic-resistance-in-iraq", "kataib-hezbollah"], now - timedelta(days=13)),
        ]
        for name, kind, title, place, groups, at in specs:
            ids[name] = await _event(session, feed.id, kind, title, place, groups, at)
        return ids


async def _event(session: AsyncSession, feed_id: int, kind: str, title: str, place: str, groups: list[str],
                 at: datetime) -> int:
    event = Event(kind=kind, occurred_at=at, first_seen_at=at, updated_at=at, title=title,
                  summary=f"Summary of {title.lower()}, written for the tests.", place_key=place, country="Iraq",
                  groups=[{"key": g, "role": "claimed"} for g in groups], places=[place], weapons=["drone"],
                  casualties={"us": {"killed": 0, "wounded": 2}}, confidence=0.9, model_version="test-20240210")
    session.add(event)
    await session.flush()
    await set_event_index_rows(session, event)
    for i in range(2):
        article = Article(key=f"{event.id}-{i}", feed_id=feed_id, source=f"Wire {i + 1}",
                          url=f"https://news.example/{event.id}/{i}", title=f"{title} ({i + 1})",
                          summary=f"Report {i + 1} on {title.lower()}.", published_at=at + timedelta(hours=i),
                          fetched_at=at + timedelta(hours=i), content_hash=f"h{event.id}-{i}", stage="done")
        session.add(article)
        await session.flush()
        session.add(Classification(article_id=article.id, label=kind, confidence=0.9, scores={kind: 0.9},
                                   model_version="test-20240210", created_at=at))
        session.add(EventArticle(article_id=article.id, event_id=event.id, added_at=at + timedelta(hours=i)))
        session.add(CasualtyReport(event_id=event.id, article_id=article.id, source=f"Wire {i + 1}", category="us",
                                   killed=0, wounded=1 + i, reported_at=at + timedelta(hours=i)))
    await session.flush()
    return event.id


async def load_post(session: AsyncSession, event_id: int, now: datetime) -> EventPost:
    """A stand-in for the intel layer's loader: the event row and its sources as an EventPost."""
    from sqlalchemy import select

    event = await session.get(Event, event_id)
    assert event is not None
    articles = (await session.scalars(
        select(Article).join(EventArticle, EventArticle.article_id == Article.id)
        .where(EventArticle.event_id == event_id).order_by(Article.id))).all()
    return EventPost(
        event_id=event.id, revision=event.revision, kind=event.kind, title=event.title, summary=event.summary,
        occurred_at=event.occurred_at, who="Islamic Resistance in Iraq (claimed)", where=event.place_key,
        weapon="drones", casualties="no injuries reported", context=("2nd attack on this base in 7 days",),
        sources=tuple(SourceLink(a.source, a.url, a.published_at) for a in articles),
        confidence=event.confidence, model_version=event.model_version,
    )
