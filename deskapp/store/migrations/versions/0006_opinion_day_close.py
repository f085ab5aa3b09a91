"""opinion book and day close: 意见簿 entries, the day's sign-off, late changes

Revision ID: 0006_opinion_day_close
Revises: 0005_shifts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_opinion_day_close"
down_revision: str | None = "0005_shifts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opinion_entry",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("written_on", sa.String(length=10), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content", sa.String(), nullable=False),
        sa.Column("customer_name", sa.String(), nullable=False),
        sa.Column("contact", sa.String(), nullable=False),
        sa.Column("reply", sa.String(), nullable=False),
        sa.Column("processed_by", sa.String(), nullable=True),
        sa.Column("processed_at", sa.DateTime(), nullable=True),
        sa.Column("complaint_id", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["processed_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_opinion_written", "opinion_entry", ["written_on", "processed_at"])
    op.create_table(
        "day_close",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("hall_code", sa.String(length=8), nullable=False),
        sa.Column("terminal_code", sa.String(length=8), nullable=False),
        sa.Column("signed_off_by", sa.String(), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["signed_off_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_day_close_day", "day_close", ["day"])
    op.create_table(
        "late_change",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("approved_by", sa.String(), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_late_change_entity_id", "late_change", ["entity_id"])


def downgrade() -> None:
    op.drop_table("late_change")
    op.drop_table("day_close")
    op.drop_table("opinion_entry")
