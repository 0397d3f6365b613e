"""The relational schema: one definition for SQLite and PostgreSQL.

Rows move through the pipeline by state columns rather than by queues, so a crash at any point leaves a row
that the next run picks up again (articles.stage, outbox.status) and unique constraints make every step
idempotent (articles.key, event_articles.article_id, outbox (event_id, channel_id)).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out on both dialects (SQLite drops tzinfo on the way back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        # SQLite stores text: keep it naive UTC so that text order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    interval_s: Mapped[int] = mapped_column(Integer, default=900)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Conditional GET validators and the hash of the last body, so an unchanged feed costs one request.
    etag: Mapped[str | None] = mapped_column(String(1024))
    last_modified: Mapped[str | None] = mapped_column(String(200))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    next_check_at: Mapped[datetime]
    last_checked_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # False until the first successful poll stored its baseline.
    baselined: Mapped[bool] = mapped_column(Boolean, default=False)
    # Row lease for scale-out: a worker owns the feed until lease_expires_at.
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_feeds_due", "enabled", "next_check_at"),)


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # Stable identity: guid, else canonical URL, else content hash (bot.feeds.normalize.article_key).
    key: Mapped[str] = mapped_column(String(512), unique=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime]
    fetched_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    # 'baseline' (seen on a first poll or too old: never posted), 'new' (to classify),
    # 'classified' (to extract and cluster), 'done'.
    stage: Mapped[str] = mapped_column(String(16), default="new")

    __table_args__ = (
        Index("ix_articles_stage", "stage", "id"),
        Index("ix_articles_published", "published_at"),
        # Unique so that two workers storing the same story (same URL or text) at once keep one row.
        Index("ix_articles_content_hash", "content_hash", unique=True),
        Index("ix_articles_url", "url", unique=True),
    )


class Classification(Base):
    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)
    scores: Mapped[dict[str, Any]]
    model_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("article_id", "model_version", name="uq_classification_article_model"),
        Index("ix_classifications_label", "label"),
    )


class Event(Base):
    """One incident (an attack or a strike), reported by one or many articles, or seeded from history."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # militia_attack | us_strike
    occurred_at: Mapped[datetime]  # when the incident happened (resolved from the text), UTC
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    place_key: Mapped[str | None] = mapped_column(String(100))  # main place, a gazetteer key
    country: Mapped[str | None] = mapped_column(String(64))
    groups: Mapped[list[Any]] = mapped_column(default=list)  # [{"key":..., "role": "claimed"|"attributed"}]
    places: Mapped[list[Any]] = mapped_column(default=list)  # gazetteer keys, main place first
    weapons: Mapped[list[Any]] = mapped_column(default=list)  # weapon keys
    casualties: Mapped[dict[str, Any]] = mapped_column(default=dict)  # category -> {"killed": n, "wounded": n}
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    model_version: Mapped[str | None] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(16), default="feed")  # feed | seed
    seed_key: Mapped[str | None] = mapped_column(String(100), unique=True)  # idempotent `sitrep db seed`
    source_url: Mapped[str | None] = mapped_column(String(2048))
    # Bumped whenever what a post shows changes (new source, casualty update): the outbox edits on it.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_events_kind_time", "kind", "occurred_at"),
        Index("ix_events_place_time", "place_key", "occurred_at"),
        Index("ix_events_time", "occurred_at"),
    )


class EventGroup(Base):
    """Groups of an event, one row each, so "the last strike on Kataib Hezbollah" is an index lookup."""

    __tablename__ = "event_groups"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    group_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]

    __table_args__ = (Index("ix_event_groups_group_time", "group_key", "occurred_at"),)


class EventPlace(Base):
    """Places of an event, one row each: its main place and every place its reports name.

    A place filter ("attacks at Erbil") is then an index lookup, where matching the JSON `places` list would
    read every event in the window.
    """

    __tablename__ = "event_places"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    place_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]

    __table_args__ = (Index("ix_event_places_place_time", "place_key", "occurred_at"),)


class EventArticle(Base):
    __tablename__ = "event_articles"

    # An article belongs to at most one event: the unique key makes clustering idempotent.
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    similarity: Mapped[float] = mapped_column(Float, default=1.0)
    added_at: Mapped[datetime]

    __table_args__ = (Index("ix_event_articles_event", "event_id"),)


class CasualtyReport(Base):
    """History of casualty counts per event: which source said what, when."""

    __tablename__ = "casualty_reports"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    killed: Mapped[int | None] = mapped_column(Integer)
    wounded: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime]

    __table_args__ = (Index("ix_casualty_reports_event", "event_id"),)


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))  # militia_attack | us_strike
    min_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    role_id: Mapped[int | None] = mapped_column(BigInteger)  # pinged only for severe events
    broken_reason: Mapped[str | None] = mapped_column(Text)  # e.g. missing permissions
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("channel_id", "kind", name="uq_subscription_channel_kind"),)


class OutboxItem(Base):
    """One post of one event to one channel; sent only once Discord accepted it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    posted_revision: Mapped[int] = mapped_column(Integer, default=0)  # event.revision last shown
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("event_id", "channel_id", name="uq_outbox_event_channel"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )


class LabelCorrection(Base):
    """A label a team member corrected from Discord; `sitrep train` reads these as extra training items."""

    __tablename__ = "label_corrections"
    # One verdict per person and event (NULL event ids, left by deleted events, do not collide).
    __table_args__ = (Index("uq_label_corrections_event_user", "event_id", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    # The text as it was judged, so training does not depend on rows that retention may delete.
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    predicted: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Meta(Base):
    """Small key/value state: last digest day, the last poll cycle, and the like."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
