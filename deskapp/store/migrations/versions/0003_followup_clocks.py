"""follow-up clocks: the earliest running deadline of each complaint, for the queue

Existing rows get NULL (nothing due) and are brought up to date by
`deskapp recompute-deadlines`, which the desk also runs after this upgrade.

Revision ID: 0003_followup_clocks
Revises: 0002_search_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_followup_clocks"
down_revision: str | None = "0002_search_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, never batch mode: recreating the table would renumber its rowids
    # and drop the search-index triggers of 0002.
    op.add_column("complaint", sa.Column("next_due_at", sa.DateTime(), nullable=True))
    op.add_column(
        "complaint",
        sa.Column("next_clock", sa.String(length=32), nullable=False, server_default=""),
    )
    op.add_column(
        "complaint",
        sa.Column("next_due_provisional", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("complaint", sa.Column("paused_until", sa.DateTime(), nullable=True))
    op.create_index("ix_complaint_owner_due", "complaint", ["owner_id", "next_due_at"])
    op.create_index("ix_complaint_responder_due", "complaint", ["first_responder_id", "next_due_at"])
    op.create_index("ix_complaint_due", "complaint", ["next_due_at"])


def downgrade() -> None:
    op.drop_index("ix_complaint_due", "complaint")
    op.drop_index("ix_complaint_responder_due", "complaint")
    op.drop_index("ix_complaint_owner_due", "complaint")
    for column in ("paused_until", "next_due_provisional", "next_clock", "next_due_at"):
        op.drop_column("complaint", column)  # SQLite >= 3.35 drops in place
