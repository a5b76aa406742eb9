"""Events, review queue, rate limits and moderation log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types as they were at this revision.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)
HASH = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference_id", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", TIME, nullable=False, index=True),
        sa.Column("client_hash", HASH, nullable=False),
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("normalized_prompt", sa.Text(), nullable=False),
        sa.Column("negative_prompt", sa.Text(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("categories", JSON, nullable=False),
        sa.Column("scores", JSON, nullable=False),
        sa.Column("checks", JSON, nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.Text(), nullable=False),
        sa.Column("timings", JSON, nullable=False),
        sa.Column("details", JSON, nullable=False),
    )
    op.create_index("ix_events_client_hash_created_at", "events", ["client_hash", "created_at"])
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("findings", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("appeal_message", sa.Text()),
        sa.Column("appealed_at", TIME),
        sa.Column("moderator", sa.Text()),
        sa.Column("decided_at", TIME),
        sa.Column("taken_down_at", TIME),
    )
    op.create_index("ix_review_items_status_created_at", "review_items", ["status", "created_at"])
    op.create_table(
        "review_images",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "review_item_id",
            sa.Integer(),
            sa.ForeignKey("review_items.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("png", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "clients",
        sa.Column("client_hash", HASH, primary_key=True),
        sa.Column("last_seen", TIME, nullable=False, index=True),
        sa.Column("cooldown_until", TIME),
        sa.Column("banned_until", TIME),
        sa.Column("ban_reason", sa.Text()),
    )
    for table in ("rate_hits", "client_blocks"):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("client_hash", HASH, nullable=False),
            sa.Column("at", TIME, nullable=False),
        )
        op.create_index(f"ix_{table}_client_hash_at", table, ["client_hash", "at"])
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", TIME, nullable=False, index=True),
        sa.Column("moderator", sa.Text(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "moderation_log",
        "client_blocks",
        "rate_hits",
        "clients",
        "review_images",
        "review_items",
        "events",
    ):
        op.drop_table(table)
