"""shifts: the shift log (交接班) — shifts, handed-over items, acknowledgement and filing

Revision ID: 0005_shifts
Revises: 0004_sync
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_shifts"
down_revision: str | None = "0004_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shift",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("staff_id", sa.String(), nullable=False),
        sa.Column("hall_code", sa.String(length=8), nullable=False),
        sa.Column("terminal_code", sa.String(length=8), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("counts", sa.String(), nullable=False),
        sa.Column("incoming_staff_id", sa.String(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("filed_by", sa.String(), nullable=True),
        sa.Column("filed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["incoming_staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["filed_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shift_opened_at", "shift", ["opened_at"])
    op.create_index("ix_shift_staff_opened", "shift", ["staff_id", "opened_at"])
    op.create_table(
        "handover_item",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("shift_id", sa.String(), nullable=False),
        sa.Column("complaint_id", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("next_clock", sa.String(length=32), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["shift_id"], ["shift.id"]),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handover_item_shift_id", "handover_item", ["shift_id"])
    op.create_table(
        "shift_event",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("shift_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["shift.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shift_event_shift_id", "shift_event", ["shift_id"])


def downgrade() -> None:
    op.drop_table("shift_event")
    op.drop_table("handover_item")
    op.drop_table("shift")
