"""The event log and the moderators' review queue, on SQLite or PostgreSQL.

Every request is recorded, whatever its outcome, so abuse can be understood
later; only items that need a moderator (blocked, flagged, appealed) keep an
image, a blurred thumbnail, and a takedown deletes it at once. Clients are
known only by their keyed hash. A write that fails raises `StoreError`: the
caller tells the user, nothing is dropped silently.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from safety.clock import Clock, as_utc, utc_now
from safety.db import StoreError, open_engine, transaction
from safety.identity import is_address
from safety.schema import (
    BlockRow,
    ClientRow,
    EventRow,
    ModerationLogRow,
    RateHitRow,
    ReviewImageRow,
    ReviewItemRow,
)
from safety.verdict import Action, Finding, Verdict

log = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

__all__ = [
    "EventStore",
    "ModerationRecord",
    "PurgeReport",
    "RequestEvent",
    "ReviewItem",
    "ReviewStatus",
    "StoreError",
    "StoredEvent",
    "UnknownReference",
]


class UnknownReference(LookupError):
    """No event has this reference id (mistyped, or already purged)."""


class ReviewStatus(str, Enum):
    PENDING = "pending"
    APPEALED = "appealed"
    UPHELD = "upheld"  # the moderator agrees with the verdict
    OVERTURNED = "overturned"  # the verdict was wrong

    @property
    def is_open(self) -> bool:
        return self in (ReviewStatus.PENDING, ReviewStatus.APPEALED)


@dataclass(frozen=True)
class RequestEvent:
    """What is recorded about one request. Never a raw address: `client_hash` only."""

    time: datetime
    client_hash: str
    session_id: str
    mode: str
    prompt: str
    action: Action
    normalized_prompt: str = ""
    negative_prompt: str = ""
    categories: tuple[str, ...] = ()
    scores: Mapping[str, float] = field(default_factory=dict)
    checks: tuple[str, ...] = ()
    model_id: str = ""
    policy_version: str = ""
    timings: Mapping[str, float] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_verdict(cls, verdict: Verdict, **fields: Any) -> RequestEvent:
        """The event for a request judged by `verdict`: action, categories, best score per
        category and the checks that spoke all come from its findings."""
        scores: dict[str, float] = {}
        for finding in verdict.findings:
            scores[finding.category] = max(scores.get(finding.category, 0.0), finding.score)
        return cls(
            action=verdict.action,
            categories=tuple(scores),
            scores=scores,
            checks=tuple(dict.fromkeys(finding.check for finding in verdict.findings)),
            **fields,
        )


@dataclass(frozen=True)
class StoredEvent:
    reference_id: str
    event: RequestEvent


@dataclass(frozen=True)
class ReviewItem:
    """What a moderator sees for one queued request."""

    reference_id: str
    reason: str
    status: ReviewStatus
    findings: tuple[Finding, ...]
    thumbnails: tuple[bytes, ...]
    created_at: datetime
    event: RequestEvent
    appeal_message: str | None = None
    appealed_at: datetime | None = None
    moderator: str | None = None
    decided_at: datetime | None = None
    taken_down_at: datetime | None = None


@dataclass(frozen=True)
class ModerationRecord:
    """One line of the moderators' audit log."""

    at: datetime
    moderator: str
    action: str
    target: str
    note: str


@dataclass(frozen=True)
class PurgeReport:
    """How many rows each retention pass removed."""

    events: int
    review_items: int
    images: int
    clients: int
    rate_rows: int
    moderation_log: int


class EventStore:
    """Request events and the review queue in one database the replicas share."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        clock: Clock = utc_now,
        write_timeout_s: float = 5.0,
        pool_size: int = 10,
    ) -> EventStore:
        """Open (creating and migrating as needed) the database at `url`.

        `pool_size` connections stay open, twice as many more on bursts; on a
        shared PostgreSQL keep replicas x 3 x pool_size under its max_connections.
        """
        engine = open_engine(
            url, write_timeout_s=write_timeout_s, pool_size=pool_size, max_overflow=2 * pool_size
        )
        return cls(engine, clock=clock)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _now(self) -> datetime:
        return as_utc(self._clock())

    # -- events -------------------------------------------------------------

    def record_event(self, event: RequestEvent) -> str:
        """Store `event` durably and return the reference id to show the user.

        Raises `StoreError` when the database refuses the write; the id is
        returned only after the commit, so an acknowledged event is never lost.
        """
        if is_address(event.client_hash):
            raise ValueError("record_event was given a raw address; hash it first")
        reference_id = secrets.token_hex(8)  # unguessable: it is the key to appeal
        row = _event_row(reference_id, event)
        with transaction(self.engine) as connection:
            connection.execute(insert(EventRow), [row])
        return reference_id

    def get_event(self, reference_id: str) -> StoredEvent | None:
        with transaction(self.engine, read_only=True) as connection:
            row = (
                Session(connection)
                .scalars(select(EventRow).where(EventRow.reference_id == reference_id))
                .one_or_none()
            )
        return None if row is None else StoredEvent(reference_id, _event_from_row(row))

    # -- review queue -------------------------------------------------------

    def add_review_item(
        self,
        reference_id: str,
        reason: str,
        thumbnail_png: bytes | None,
        findings: Iterable[Finding],
    ) -> None:
        """Queue an event for a moderator with what they need to judge it.

        `thumbnail_png` must already be blurred: this is the only image kept.
        """
        if thumbnail_png is not None and not thumbnail_png.startswith(PNG_SIGNATURE):
            raise ValueError("thumbnail_png is not a PNG image")
        with transaction(self.engine) as connection:
            event_id = _event_id(connection, reference_id)
            already = select(ReviewItemRow.id).where(ReviewItemRow.event_id == event_id)
            if connection.execute(already).first() is not None:
                raise ValueError(f"{reference_id} is already in the review queue")
            item_id = connection.execute(
                insert(ReviewItemRow).returning(ReviewItemRow.id),
                [
                    {
                        "event_id": event_id,
                        "reason": reason,
                        "status": ReviewStatus.PENDING.value,
                        "findings": [_finding_json(finding) for finding in findings],
                        "created_at": self._now(),
                    }
                ],
            ).scalar_one()
            if thumbnail_png is not None:
                connection.execute(
                    insert(ReviewImageRow), [{"review_item_id": item_id, "png": thumbnail_png}]
                )

    def appeal(self, reference_id: str, message: str) -> None:
        """Ask a moderator to look again; queues the event if it was not queued yet."""
        now = self._now()
        with transaction(self.engine) as connection:
            event_id = _event_id(connection, reference_id)
            changed = connection.execute(
                update(ReviewItemRow)
                .where(ReviewItemRow.event_id == event_id)
                .values(status=ReviewStatus.APPEALED.value, appeal_message=message, appealed_at=now)
            ).rowcount
            if not changed:
                connection.execute(
                    insert(ReviewItemRow),
                    [
                        {
                            "event_id": event_id,
                            "reason": "appeal",
                            "status": ReviewStatus.APPEALED.value,
                            "findings": [],
                            "created_at": now,
                            "appeal_message": message,
                            "appealed_at": now,
                        }
                    ],
                )

    def review_queue(
        self, status: ReviewStatus | str | None = None, limit: int = 50
    ) -> list[ReviewItem]:
        """Items with `status`, or all open ones (appealed first), oldest first."""
        statuses = (
            [ReviewStatus(status).value]
            if status is not None
            else [ReviewStatus.APPEALED.value, ReviewStatus.PENDING.value]
        )
        appealed_first = (ReviewItemRow.status != ReviewStatus.APPEALED.value).asc()
        query = (
            select(ReviewItemRow, EventRow)
            .join(EventRow, EventRow.id == ReviewItemRow.event_id)
            .where(ReviewItemRow.status.in_(statuses))
            .order_by(appealed_first, ReviewItemRow.created_at, ReviewItemRow.id)
            .limit(limit)
        )
        with transaction(self.engine, read_only=True) as connection:
            rows = Session(connection).execute(query).tuples().all()
            images = _thumbnails(connection, [item.id for item, _ in rows])
        return [_review_item(item, event, images.get(item.id, ())) for item, event in rows]

    def review_item(self, reference_id: str) -> ReviewItem:
        """The queued item for one request, whatever its status; `UnknownReference` if the
        request never needed review (or was purged)."""
        query = (
            select(ReviewItemRow, EventRow)
            .join(EventRow, EventRow.id == ReviewItemRow.event_id)
            .where(EventRow.reference_id == reference_id)
        )
        with transaction(self.engine, read_only=True) as connection:
            row = Session(connection).execute(query).tuples().first()
            if row is None:
                raise UnknownReference(f"{reference_id} is not in the review queue")
            item, event = row
            images = _thumbnails(connection, [item.id])
        return _review_item(item, event, images.get(item.id, ()))

    def resolve_review(
        self, reference_id: str, decision: ReviewStatus | str, moderator: str
    ) -> None:
        """Record a moderator's decision: `upheld` or `overturned`."""
        decision = ReviewStatus(decision)
        if decision.is_open:
            raise ValueError(f"{decision.value!r} is not a decision")
        now = self._now()
        with transaction(self.engine) as connection:
            event_id = _event_id(connection, reference_id)
            changed = connection.execute(
                update(ReviewItemRow)
                .where(ReviewItemRow.event_id == event_id)
                .values(status=decision.value, moderator=moderator, decided_at=now)
            ).rowcount
            if not changed:
                raise UnknownReference(f"{reference_id} is not in the review queue")
            log_moderation_action(
                connection, now, moderator, f"review:{decision.value}", reference_id
            )

    def takedown(self, reference_id: str, moderator: str = "") -> int:
        """Delete every image kept for this event now; returns how many were deleted."""
        now = self._now()
        with transaction(self.engine) as connection:
            event_id = _event_id(connection, reference_id)
            item_ids = select(ReviewItemRow.id).where(ReviewItemRow.event_id == event_id)
            deleted = connection.execute(
                delete(ReviewImageRow).where(ReviewImageRow.review_item_id.in_(item_ids))
            ).rowcount
            connection.execute(
                update(ReviewItemRow)
                .where(ReviewItemRow.event_id == event_id)
                .values(taken_down_at=now)
            )
            log_moderation_action(connection, now, moderator, "takedown", reference_id)
        self._flush_deleted_pages()
        return deleted

    def moderation_log(self, limit: int = 100) -> list[ModerationRecord]:
        """The newest moderator actions first."""
        query = select(ModerationLogRow).order_by(ModerationLogRow.id.desc()).limit(limit)
        with transaction(self.engine, read_only=True) as connection:
            rows = Session(connection).scalars(query).all()
            return [
                ModerationRecord(row.at, row.moderator, row.action, row.target, row.note)
                for row in rows
            ]

    # -- retention ----------------------------------------------------------

    def purge(self, older_than_days: float, now: datetime | None = None) -> PurgeReport:
        """Delete everything older than the retention period, images included.

        Clients stay while a ban is still running, even if older.
        """
        cutoff = as_utc(now or self._clock()) - timedelta(days=older_than_days)
        old_events = select(EventRow.id).where(EventRow.created_at < cutoff)
        old_items = select(ReviewItemRow.id).where(ReviewItemRow.event_id.in_(old_events))
        with transaction(self.engine) as connection:
            images = connection.execute(
                delete(ReviewImageRow).where(ReviewImageRow.review_item_id.in_(old_items))
            ).rowcount
            items = connection.execute(
                delete(ReviewItemRow).where(ReviewItemRow.event_id.in_(old_events))
            ).rowcount
            events = connection.execute(
                delete(EventRow).where(EventRow.created_at < cutoff)
            ).rowcount
            rate_rows = sum(
                connection.execute(delete(table).where(table.at < cutoff)).rowcount
                for table in (RateHitRow, BlockRow)
            )
            clients = connection.execute(
                delete(ClientRow).where(
                    ClientRow.last_seen < cutoff,
                    or_(ClientRow.banned_until.is_(None), ClientRow.banned_until <= cutoff),
                    or_(ClientRow.cooldown_until.is_(None), ClientRow.cooldown_until <= cutoff),
                )
            ).rowcount
            moderation = connection.execute(
                delete(ModerationLogRow).where(ModerationLogRow.at < cutoff)
            ).rowcount
        self._flush_deleted_pages()
        report = PurgeReport(events, items, images, clients, rate_rows, moderation)
        log.info("retention purge before %s: %s", cutoff.isoformat(), report)
        return report

    def _flush_deleted_pages(self) -> None:
        """On SQLite, copy the write-ahead log back and truncate it, so deleted
        images (already zeroed by secure_delete) leave no copy in the -wal file.

        Best effort: with readers active the checkpoint finishes later.
        """
        if self.engine.dialect.name != "sqlite":
            return
        connection = self.engine.raw_connection()  # a checkpoint cannot run in a transaction
        try:
            busy, _, _ = connection.driver_connection.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).fetchone()
        except sqlite3.Error as error:
            busy = error
        finally:
            connection.close()
        if busy:
            log.warning("write-ahead log not truncated yet (%s); it will be later", busy)


def _event_row(reference_id: str, event: RequestEvent) -> dict[str, Any]:
    """The row for `event`; raises TypeError here, not as a database error, when a
    field cannot be stored as JSON."""
    for name in ("scores", "timings", "details"):
        try:
            json.dumps(dict(getattr(event, name)))
        except (TypeError, ValueError) as error:
            raise TypeError(f"RequestEvent.{name} must be plain JSON data: {error}") from error
    return {
        "reference_id": reference_id,
        "created_at": as_utc(event.time),
        "client_hash": event.client_hash,
        "session_id": event.session_id,
        "mode": event.mode,
        "prompt": event.prompt,
        "normalized_prompt": event.normalized_prompt,
        "negative_prompt": event.negative_prompt,
        "action": Action(event.action).value,
        "categories": list(event.categories),
        "scores": dict(event.scores),
        "checks": list(event.checks),
        "model_id": event.model_id,
        "policy_version": event.policy_version,
        "timings": dict(event.timings),
        "details": dict(event.details),
    }


def _event_from_row(row: EventRow) -> RequestEvent:
    return RequestEvent(
        time=row.created_at,
        client_hash=row.client_hash,
        session_id=row.session_id,
        mode=row.mode,
        prompt=row.prompt,
        action=Action(row.action),
        normalized_prompt=row.normalized_prompt,
        negative_prompt=row.negative_prompt,
        categories=tuple(row.categories),
        scores=MappingProxyType(dict(row.scores)),
        checks=tuple(row.checks),
        model_id=row.model_id,
        policy_version=row.policy_version,
        timings=MappingProxyType(dict(row.timings)),
        details=MappingProxyType(dict(row.details)),
    )


def _event_id(connection: Connection, reference_id: str) -> int:
    event_id = connection.execute(
        select(EventRow.id).where(EventRow.reference_id == reference_id)
    ).scalar_one_or_none()
    if event_id is None:
        raise UnknownReference(reference_id)
    return event_id


def _finding_json(finding: Finding) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "check": finding.check,
        "category": finding.category,
        "score": finding.score,
        "evidence": finding.evidence,
    }
    if finding.at_most is not None:
        stored["at_most"] = finding.at_most.value
    return stored


def _finding(stored: dict[str, Any]) -> Finding:
    at_most = stored.get("at_most")
    return Finding(**{**stored, "at_most": None if at_most is None else Action(at_most)})


def _thumbnails(connection: Connection, item_ids: Sequence[int]) -> dict[int, tuple[bytes, ...]]:
    found: dict[int, list[bytes]] = {}
    if item_ids:
        rows = connection.execute(
            select(ReviewImageRow.review_item_id, ReviewImageRow.png)
            .where(ReviewImageRow.review_item_id.in_(item_ids))
            .order_by(ReviewImageRow.id)
        )
        for item_id, png in rows:
            found.setdefault(item_id, []).append(png)
    return {item_id: tuple(pngs) for item_id, pngs in found.items()}


def _review_item(item: ReviewItemRow, event: EventRow, thumbnails: tuple[bytes, ...]) -> ReviewItem:
    return ReviewItem(
        reference_id=event.reference_id,
        reason=item.reason,
        status=ReviewStatus(item.status),
        findings=tuple(_finding(finding) for finding in item.findings),
        thumbnails=thumbnails,
        created_at=item.created_at,
        event=_event_from_row(event),
        appeal_message=item.appeal_message,
        appealed_at=item.appealed_at,
        moderator=item.moderator,
        decided_at=item.decided_at,
        taken_down_at=item.taken_down_at,
    )


def log_moderation_action(
    connection: Connection, now: datetime, moderator: str, action: str, target: str, note: str = ""
) -> None:
    """Append to the audit log of moderator actions, inside the caller's transaction."""
    connection.execute(
        insert(ModerationLogRow),
        [{"at": now, "moderator": moderator, "action": action, "target": target, "note": note}],
    )
