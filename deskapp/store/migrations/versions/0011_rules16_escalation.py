"""the rules as the hall's documents write them (issue 16): internal complaints as their own
type, the hidden-risk flag and the customer's claimed escalation

Revision ID: 0011_rules16_escalation
Revises: 0010_joined_hall

Plain ADD COLUMN (never batch mode: recreating the table would renumber its rowids and drop
the search-index triggers of 0002). Every existing complaint becomes external (`internal`
false): the old desk called a complaint about a staff member "internal", but that was a
customer's complaint, which the rulebook counts as external. The corrected clocks of every
existing ticket (the dispatch clock only where a ticket must go to someone else, care after
every customer complaint, the whole-resolution clock) are computed when the desk opens the
upgraded store (Desk.open, services/deadlines.recompute_all), through the change log.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_rules16_escalation"
down_revision: str | None = "0010_joined_hall"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "complaint",
        sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "complaint",
        sa.Column("hidden_risk", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "complaint",
        sa.Column("claimed_to", sa.String(length=24), nullable=False, server_default=""),
    )


def downgrade() -> None:
    for column in ("claimed_to", "hidden_risk", "internal"):
        op.drop_column("complaint", column)  # SQLite >= 3.35 drops in place
