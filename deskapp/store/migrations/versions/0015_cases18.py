"""one active watch-list entry per number, across terminals (issue 18)

Revision ID: 0015_cases18
Revises: 0014_waits22

`watch_entry.active_key` is the entry's number while it is active (NULL once retired), under a
unique index: two terminals that list one customer while apart are merged like every unique
value (deskapp/sync/unique.py, docs/unique-values.md): the entry made first keeps the number,
the other holds `number~id` and a conflict record asks a manager to settle it. Existing active
entries take their number; where a store already holds two active entries of one number (two
terminals synchronized before this revision), the one with the smallest id (made first: ids
are UUIDv7) takes it and the other keeps `number~id`, the same on every replica.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_cases18"
down_revision: str | None = "0014_waits22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("watch_entry", sa.Column("active_key", sa.String(length=90), nullable=True))
    op.execute(
        "UPDATE watch_entry SET active_key = CASE WHEN id = (SELECT min(w.id) FROM watch_entry w"
        " WHERE w.customer_key = watch_entry.customer_key AND w.active)"
        " THEN customer_key ELSE customer_key || '~' || id END WHERE active"
    )
    op.create_index("ix_watch_entry_active_key", "watch_entry", ["active_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_watch_entry_active_key", table_name="watch_entry")
    with op.batch_alter_table("watch_entry") as batch_op:
        batch_op.drop_column("active_key")
