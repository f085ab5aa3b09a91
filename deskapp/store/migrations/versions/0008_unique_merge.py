"""unique values merged, never failing a sync: record aliases, and the reason a pulled change
was quarantined (docs/unique-values.md)

Revision ID: 0008_unique_merge
Revises: 0007_refusal

Local tables only (no record table changes): SCHEMA_VERSION stays.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_unique_merge"
down_revision: str | None = "0007_refusal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_quarantine") as batch:
        batch.add_column(sa.Column("reason", sa.String(), nullable=False, server_default=""))
    op.create_table(
        "record_alias",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("entity", "field", "value", "entity_id"),
    )
    op.create_index("ix_record_alias_value", "record_alias", ["entity", "field", "value"])


def downgrade() -> None:
    op.drop_index("ix_record_alias_value", "record_alias")
    op.drop_table("record_alias")
    with op.batch_alter_table("sync_quarantine") as batch:
        batch.drop_column("reason")
