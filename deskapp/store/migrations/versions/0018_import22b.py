"""the complaint's index on its cause dropped: no query reads complaints by cause (issue 22)

Revision ID: 0018_import22b
Revises: 0017_rest17

Every index is kept current by every write, and an import writes a hundred thousand rows. The
cause of a complaint is read with its row (queue, search, reports group by it in memory) but no
query selects or orders complaints by it: EXPLAIN QUERY PLAN of the queries the service tests
issue against a 10,000-complaint store never used `ix_complaint_cause_code` (the case library
filters its causes after joining each case's complaint by id). Not a column: the schema
version of the change log stays.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_import22b"
down_revision: str | None = "0017_rest17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_complaint_cause_code", table_name="complaint")


def downgrade() -> None:
    op.create_index("ix_complaint_cause_code", "complaint", ["cause_code"])
