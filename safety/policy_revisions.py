"""Policy revisions that moderators apply from the review tab, kept in the shared database.

Every replica reads the same revisions, so a change made on one reaches the others. A
revision belongs to the owner's policy file it was edited from (by the file's SHA-256):
when the owner deploys a changed file, that file is the policy again and older edits stay
in the history only. Revisions are configuration, not personal data, so the retention
purge keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from safety.clock import Clock, as_utc, utc_now
from safety.db import transaction
from safety.schema import PolicyRevisionRow
from safety.store import log_moderation_action

APPLY_ACTION = "policy:apply"


@dataclass(frozen=True)
class PolicyRevision:
    id: int
    created_at: datetime
    moderator: str
    base_digest: str
    version: str
    text: str
    note: str


class PolicyRevisions:
    """Saved policy texts, newest last; each save is in the audit log in one transaction."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    def save(
        self, text: str, *, version: str, base_digest: str, moderator: str, note: str
    ) -> PolicyRevision:
        """Store a validated policy text; raises `StoreError` when the database refuses."""
        now = as_utc(self._clock())
        row = {
            "created_at": now,
            "moderator": moderator,
            "base_digest": base_digest,
            "version": version,
            "text": text,
            "note": note,
        }
        with transaction(self._engine) as connection:
            revision_id = connection.execute(
                insert(PolicyRevisionRow).values(**row).returning(PolicyRevisionRow.id)
            ).scalar_one()
            log_moderation_action(connection, now, moderator, APPLY_ACTION, version, note)
        return PolicyRevision(id=revision_id, **row)

    def latest(self, base_digest: str) -> PolicyRevision | None:
        """The newest revision made on top of this policy file, if any."""
        found = self.history(base_digest, limit=1)
        return found[0] if found else None

    def history(self, base_digest: str, limit: int = 20) -> list[PolicyRevision]:
        """Revisions made on top of this policy file, newest first."""
        query = (
            select(PolicyRevisionRow)
            .where(PolicyRevisionRow.base_digest == base_digest)
            .order_by(PolicyRevisionRow.id.desc())
            .limit(limit)
        )
        with transaction(self._engine, read_only=True) as connection:
            rows = Session(connection).scalars(query).all()
            return [
                PolicyRevision(
                    id=row.id,
                    created_at=row.created_at,
                    moderator=row.moderator,
                    base_digest=row.base_digest,
                    version=row.version,
                    text=row.text,
                    note=row.note,
                )
                for row in rows
            ]
