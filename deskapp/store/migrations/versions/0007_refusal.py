"""refusals: the audit entry of every action the permissions matrix refused

Revision ID: 0007_refusal
Revises: 0006_opinion_day_close

A new record table, so SCHEMA_VERSION goes to 5: a terminal too old to know it keeps working
offline and is told to update instead of half-applying refusals it cannot store.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_refusal"
down_revision: str | None = "0006_opinion_day_close"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refusal",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("permission", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("hall_code", sa.String(length=8), nullable=False),
        sa.Column("terminal_code", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refusal_at", "refusal", ["at"])
    op.create_index("ix_refusal_actor_id", "refusal", ["actor_id"])


def downgrade() -> None:
    op.drop_table("refusal")
