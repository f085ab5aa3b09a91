"""the customer in front of the counter (issue 18): the watch list and its audit, and the
indexes the customer history and the repeat rule read

Revision ID: 0013_customer18
Revises: 0011_rules16_escalation

Four new record tables (watch_entry, watch_event, batch_incident, teaching_case) and the complaint's link to
its batch (complaint.batch_id, nullable), so SCHEMA_VERSION goes to 9: a terminal
too old to know them keeps working offline and says it must be updated. The complaint table
only gains indexes (service number for the customer history, repeat_of for the link shown
both ways); existing repeat links stay as they were recorded.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_customer18"
down_revision: str | None = "0012_refunds17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watch_entry",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("customer_key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("customer_name", sa.String(length=80), nullable=False),
        sa.Column("designated_handler_id", sa.String(), nullable=True),
        sa.Column("advice", sa.String(), nullable=False),
        sa.Column("solved", sa.String(), nullable=False),
        sa.Column("refused", sa.String(), nullable=False),
        sa.Column("review_on", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["designated_handler_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_watch_entry_customer_key", "watch_entry", ["customer_key"])
    op.create_table(
        "watch_event",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("entry_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("changes", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["watch_entry.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_watch_event_entry_id", "watch_event", ["entry_id"])
    op.create_table(
        "batch_incident",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("cause_code", sa.String(length=80), nullable=False),
        sa.Column("area", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("campaign", sa.Boolean(), nullable=False),
        sa.Column("scripts", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=40), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("closed_by", sa.String(length=40), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "teaching_case",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("complaint_id", sa.String(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("lesson", sa.String(), nullable=False),
        sa.Column("marked_by", sa.String(length=40), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_teaching_case_complaint_id", "teaching_case", ["complaint_id"])
    op.create_index("ix_teaching_case_category", "teaching_case", ["category"])
    # Plain ADD COLUMN (never batch mode: it would drop the search-index triggers of 0002).
    op.add_column("complaint", sa.Column("batch_id", sa.String(length=40), nullable=True))
    op.create_index("ix_complaint_batch_id", "complaint", ["batch_id"])
    op.create_index(
        "ix_complaint_service_received", "complaint", ["service_number", "received_at"]
    )
    op.create_index("ix_complaint_repeat_of", "complaint", ["repeat_of_id"])


def downgrade() -> None:
    op.drop_index("ix_complaint_repeat_of", "complaint")
    op.drop_index("ix_complaint_service_received", "complaint")
    op.drop_index("ix_complaint_batch_id", "complaint")
    op.drop_column("complaint", "batch_id")
    op.drop_table("batch_incident")
    op.drop_table("teaching_case")
    op.drop_table("watch_event")
    op.drop_table("watch_entry")
