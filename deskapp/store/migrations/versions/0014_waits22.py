"""the month's figures without replaying every ticket (issue 22): the closed tickets' replayed
histories kept in a local table, and an index on the closing time

Revision ID: 0014_waits22
Revises: 0011_rules16_escalation

`report_memo` is derived and local (never synchronized, not a record table): a report fills it
with the history it replayed for a closed ticket and uses it again only while the ticket's row,
its events and the rules still give the same stamp (services/reports/memo.py). An empty or
stale memo costs a replay, never a wrong figure. `ix_complaint_closed` lets a report read the
tickets handled in its period (closed after its start, or still open) without a full scan.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_waits22"
down_revision: str | None = "0013_customer18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_memo",
        sa.Column("complaint_id", sa.String(length=40), nullable=False),
        sa.Column("stamp", sa.String(length=200), nullable=False),
        sa.Column("timely", sa.Boolean(), nullable=True),
        sa.Column("stretches", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("complaint_id"),
    )
    op.create_index("ix_complaint_closed", "complaint", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_complaint_closed", table_name="complaint")
    op.drop_table("report_memo")
