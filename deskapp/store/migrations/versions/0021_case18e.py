"""a teaching case's summary (案情概述), written by the manager for the morning meeting's page

Revision ID: 0021_case18e
Revises: 0020_rules18c

* `teaching_case.summary`: the page for the morning meeting (早班会案例分析) no longer prints the
  ticket's own texts (what the customer said, wanted, the outcome); it prints the summary a
  manager writes for it, checked for personal data when saved. Existing cases: empty (the page
  says that the summary is missing until a manager edits the case).

A new column of a record table: SCHEMA_VERSION goes to 15. The hall store keeps changes, not
tables: nothing to migrate there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_case18e"
down_revision: str | None = "0020_rules18c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "teaching_case", sa.Column("summary", sa.String(), nullable=False, server_default="")
    )


def downgrade() -> None:
    with op.batch_alter_table("teaching_case") as batch_op:
        batch_op.drop_column("summary")
