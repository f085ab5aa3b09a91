"""every attempt to approve an unsatisfied return visit's exception, in the audit (issue 17)

Revision ID: 0017_rest17
Revises: 0016_extend17

Additive: a new record table `visit_approval` (like `refund_approval`), so SCHEMA_VERSION goes
to 12. Visits recorded before keep their approver in the visit event's `approved_by`; refused
attempts before this revision were not kept. The hall store keeps changes, not tables: nothing
to migrate there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_rest17"
down_revision: str | None = "0016_extend17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_approval",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("complaint_id", sa.String(length=40), nullable=False),
        sa.Column("asked_by", sa.String(length=40), nullable=False),
        sa.Column("approver_work_no", sa.String(length=16), nullable=False),
        sa.Column("approver_id", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("exception", sa.String(length=24), nullable=False),
        sa.Column("hall_code", sa.String(length=8), nullable=False),
        sa.Column("terminal_code", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_visit_approval_at", "visit_approval", ["at"])
    op.create_index("ix_visit_approval_complaint_id", "visit_approval", ["complaint_id"])


def downgrade() -> None:
    op.drop_table("visit_approval")
