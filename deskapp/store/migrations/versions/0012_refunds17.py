"""refunds after intake (issue 17): a refund's error type and its life (paid, customer told),
the audit of every attempt to approve a refund beyond the rule, and the responsible party
recorded at closing (责任界定)

Revision ID: 0012_refunds17
Revises: 0011_rules16_escalation

Additive: new columns on `refund` and `complaint` (plain ADD COLUMN, never batch mode) and a new record table
`refund_approval`, so SCHEMA_VERSION goes to 8. A refund recorded before keeps error type ""
(recorded before the list of data/refund_errors.toml) and is unpaid as far as the desk knows:
on a ticket still open its pay clock runs and the handler records the payment; a closed ticket
is not reopened for it. The hall store keeps changes, not tables: nothing to migrate there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_refunds17"
down_revision: str | None = "0011_rules16_escalation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUND_COLUMNS = ("error_type", "verification", "paid_at", "paid_by", "paid_ref", "told_at", "told_by")


def upgrade() -> None:
    op.add_column(
        "refund", sa.Column("error_type", sa.String(length=32), nullable=False, server_default="")
    )
    op.add_column(
        "refund", sa.Column("verification", sa.String(), nullable=False, server_default="")
    )
    op.add_column("refund", sa.Column("paid_at", sa.DateTime(), nullable=True))
    op.add_column("refund", sa.Column("paid_by", sa.String(length=40), nullable=True))
    op.add_column(
        "refund", sa.Column("paid_ref", sa.String(length=80), nullable=False, server_default="")
    )
    op.add_column("refund", sa.Column("told_at", sa.DateTime(), nullable=True))
    op.add_column("refund", sa.Column("told_by", sa.String(length=40), nullable=True))
    # 责任界定 recorded at closing
    op.add_column(
        "complaint",
        sa.Column("responsible_kind", sa.String(length=16), nullable=False, server_default=""),
    )
    op.add_column(
        "complaint",
        sa.Column("responsible_ref", sa.String(length=40), nullable=False, server_default=""),
    )
    op.add_column(
        "complaint",
        sa.Column("responsible_note", sa.String(), nullable=False, server_default=""),
    )
    op.create_table(
        "refund_approval",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("complaint_id", sa.String(length=40), nullable=False),
        sa.Column("refund_id", sa.String(length=40), nullable=False),
        sa.Column("asked_by", sa.String(length=40), nullable=False),
        sa.Column("approver_work_no", sa.String(length=16), nullable=False),
        sa.Column("approver_id", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("rule_amount_fen", sa.Integer(), nullable=False),
        sa.Column("hall_code", sa.String(length=8), nullable=False),
        sa.Column("terminal_code", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refund_approval_at", "refund_approval", ["at"])
    op.create_index("ix_refund_approval_complaint_id", "refund_approval", ["complaint_id"])


def downgrade() -> None:
    op.drop_table("refund_approval")
    for column in reversed(_REFUND_COLUMNS):
        op.drop_column("refund", column)  # SQLite >= 3.35 drops in place
    for column in ("responsible_note", "responsible_ref", "responsible_kind"):
        op.drop_column("complaint", column)
