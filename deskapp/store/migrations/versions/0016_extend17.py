"""deadline extensions (延期申请, issue 17): the request with its decision, and the audit of every
attempt to decide one with a manager's PIN

Revision ID: 0016_extend17
Revises: 0015_cases18

Two new record tables, so SCHEMA_VERSION goes to 11. Nothing existing changes: a store made
before has no extension, and every ticket's clocks stay what they were.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_extend17"
down_revision: str | None = "0015_cases18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deadline_extension",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("complaint_id", sa.String(), nullable=False),
        sa.Column("clock", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=40), nullable=False),
        sa.Column("clock_start", sa.DateTime(), nullable=False),
        sa.Column("original_due_at", sa.DateTime(), nullable=False),
        sa.Column("new_due_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_deadline_extension_complaint_id", "deadline_extension", ["complaint_id"]
    )
    op.create_index(
        "ix_deadline_extension_requested_at", "deadline_extension", ["requested_at"]
    )
    op.create_table(
        "extension_approval",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("complaint_id", sa.String(length=40), nullable=False),
        sa.Column("extension_id", sa.String(length=40), nullable=False),
        sa.Column("asked_by", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("approver_work_no", sa.String(length=16), nullable=False),
        sa.Column("approver_id", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("hall_code", sa.String(length=8), nullable=False),
        sa.Column("terminal_code", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_extension_approval_at", "extension_approval", ["at"])
    op.create_index(
        "ix_extension_approval_complaint_id", "extension_approval", ["complaint_id"]
    )


def downgrade() -> None:
    op.drop_table("extension_approval")
    op.drop_table("deadline_extension")
