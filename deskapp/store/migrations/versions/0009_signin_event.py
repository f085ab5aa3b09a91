"""sign-in events: wrong PINs, lockouts and their clearing, synchronized across the hall

Revision ID: 0009_signin_event
Revises: 0008_unique_merge

A new record table, so SCHEMA_VERSION goes to 6. It replaces the terminal-local
`signin_guard`, whose count stopped at the terminal: a count in progress at the upgrade (at
most four wrong PINs, or a five-minute lock) is not carried over.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_signin_event"
down_revision: str | None = "0008_unique_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signin_event",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("work_no", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("hall_code", sa.String(length=8), nullable=False),
        sa.Column("terminal_code", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signin_event_at", "signin_event", ["at"])
    op.create_index("ix_signin_event_work_no_at", "signin_event", ["work_no", "at"])
    op.drop_table("signin_guard")


def downgrade() -> None:
    op.create_table(
        "signin_guard",
        sa.Column("work_no", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("work_no"),
    )
    op.drop_table("signin_event")
