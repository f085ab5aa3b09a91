"""a batch keeps its responsible party with its outcome; a batch's close claimed in the store

Revision ID: 0020_rules18c
Revises: 0019_fix18a

* `batch_incident.party`: the responsible party of the batch's close (ClosingFacts as JSON),
  kept with the outcome before any ticket is closed, so a close killed half-way and resumed
  writes the same party on the tickets it left (services/batches.py). Existing batches: empty
  (a batch closed before had no party kept; a resumed close asks it once more).
* `batch_close_claim`: the close running now, per batch, in the store and not in one process's
  memory, so a second desk on the same store file is refused (not synced).

A new column of a record table: SCHEMA_VERSION goes to 14. The hall store keeps changes, not
tables: nothing to migrate there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_rules18c"
down_revision: str | None = "0019_fix18a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "batch_incident", sa.Column("party", sa.String(), nullable=False, server_default="")
    )
    op.create_table(
        "batch_close_claim",
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=120), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )


def downgrade() -> None:
    op.drop_table("batch_close_claim")
    with op.batch_alter_table("batch_incident") as batch_op:
        batch_op.drop_column("party")
