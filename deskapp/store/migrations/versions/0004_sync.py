"""sync: local bookkeeping of synchronization with the hall store (cursor, pull marks, run
log, conflicts for review, quarantined changes). New local tables only; no record table
changes, so SCHEMA_VERSION stays.

Revision ID: 0004_sync
Revises: 0003_followup_clocks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_sync"
down_revision: str | None = "0003_followup_clocks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("hall_id", sa.String(length=40), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("acked_seq", sa.Integer(), nullable=False),
        sa.Column("bootstrapped", sa.Boolean(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("hall_id"),
    )
    op.create_table(
        "sync_pull_mark",
        sa.Column("hall_id", sa.String(length=40), nullable=False),
        sa.Column("local_seq", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hall_id", "local_seq"),
    )
    op.create_table(
        "sync_run",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("hall", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.Column("pulled", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("skew_ms", sa.Integer(), nullable=True),
        sa.Column("bootstrap", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_run_started_at", "sync_run", ["started_at"])
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("hall_seq", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("a_value", sa.String(), nullable=False),
        sa.Column("a_hlc", sa.String(length=64), nullable=False),
        sa.Column("a_actor_id", sa.String(length=40), nullable=False),
        sa.Column("a_at", sa.DateTime(), nullable=False),
        sa.Column("b_value", sa.String(), nullable=False),
        sa.Column("b_hlc", sa.String(length=64), nullable=False),
        sa.Column("b_actor_id", sa.String(length=40), nullable=False),
        sa.Column("b_at", sa.DateTime(), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.Column("settled_by", sa.String(length=40), nullable=True),
        sa.Column("settled_value", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_conflict_hall_seq", "sync_conflict", ["hall_seq"])
    op.create_index("ix_sync_conflict_entity_id", "sync_conflict", ["entity_id"])
    op.create_table(
        "sync_quarantine",
        sa.Column("node_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hall_seq", sa.Integer(), nullable=False),
        sa.Column("row", sa.String(), nullable=False),
        sa.Column("drift_ms", sa.Integer(), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("node_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("sync_quarantine")
    op.drop_index("ix_sync_conflict_entity_id", "sync_conflict")
    op.drop_index("ix_sync_conflict_hall_seq", "sync_conflict")
    op.drop_table("sync_conflict")
    op.drop_index("ix_sync_run_started_at", "sync_run")
    op.drop_table("sync_run")
    op.drop_table("sync_pull_mark")
    op.drop_table("sync_state")
