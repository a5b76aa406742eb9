"""The tables behind the event store and the rate limiter.

Alembic migrations in `safety/migrations/` create these tables; this module is
what the code queries through, and a test checks the two never drift apart.
No column ever holds a raw client address: clients are known by their keyed hash.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, LargeBinary, String, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend.

    PostgreSQL keeps time zones; SQLite stores text without one, where naive
    UTC in one fixed format still sorts and compares correctly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return (
            value.replace(tzinfo=timezone.utc)
            if value.tzinfo is None
            else value.astimezone(timezone.utc)
        )


Json = JSON().with_variant(JSONB(), "postgresql")

HASH = String(64)


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    """One request, whatever its outcome."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_id: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    client_hash: Mapped[str] = mapped_column(HASH)
    session_id: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(Text)
    prompt: Mapped[str] = mapped_column(Text)
    normalized_prompt: Mapped[str] = mapped_column(Text)
    negative_prompt: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(16))
    categories: Mapped[list[str]] = mapped_column(Json)
    scores: Mapped[dict[str, float]] = mapped_column(Json)
    checks: Mapped[list[str]] = mapped_column(Json)
    model_id: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(Text)
    timings: Mapped[dict[str, float]] = mapped_column(Json)
    details: Mapped[dict[str, Any]] = mapped_column(Json)

    __table_args__ = (Index("ix_events_client_hash_created_at", "client_hash", "created_at"),)


class ReviewItemRow(Base):
    """A request a moderator should look at: blocked, flagged or appealed."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    findings: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    appeal_message: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    moderator: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    taken_down_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_review_items_status_created_at", "status", "created_at"),)


class ReviewImageRow(Base):
    """The only place images are kept: blurred thumbnails for moderators."""

    __tablename__ = "review_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_item_id: Mapped[int] = mapped_column(
        ForeignKey("review_items.id", ondelete="CASCADE"), index=True
    )
    png: Mapped[bytes] = mapped_column(LargeBinary)


class ClientRow(Base):
    """Per-client state the limiter needs; its row lock serialises one client's requests."""

    __tablename__ = "clients"

    client_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    cooldown_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    banned_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ban_reason: Mapped[str | None] = mapped_column(Text)


class RateHitRow(Base):
    """One generation a client was allowed to start (a sliding-window log)."""

    __tablename__ = "rate_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_hash: Mapped[str] = mapped_column(HASH)
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_rate_hits_client_hash_at", "client_hash", "at"),)


class BlockRow(Base):
    """One blocked prompt, counted towards a cooldown."""

    __tablename__ = "client_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_hash: Mapped[str] = mapped_column(HASH)
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_client_blocks_client_hash_at", "client_hash", "at"),)


class ModerationLogRow(Base):
    """Who did what as a moderator: bans, takedowns, review decisions."""

    __tablename__ = "moderation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    moderator: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)


class PolicyRevisionRow(Base):
    """A policy a moderator applied from the review tab, on top of the owner's file whose
    SHA-256 is `base_digest`: a redeployed file starts from itself again."""

    __tablename__ = "policy_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    moderator: Mapped[str] = mapped_column(Text)
    base_digest: Mapped[str] = mapped_column(HASH, index=True)
    version: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
