"""joined hall: the hall store a terminal belongs to, so that acknowledgement is per hall

Revision ID: 0010_joined_hall
Revises: 0009_signin_event

`change_log.acked_at` meant "some hall store holds it": a sync to a mistyped path that made a
new hall store marked every change as sent. From now on it means "the joined hall store holds
it" (sync_state.acked_seq already says what each hall holds). A local column only, so
SCHEMA_VERSION stays.

The joined hall of an existing store: the one hall it synchronized with, if only one. A store
that synchronized with several (such a mistyped path among them) cannot say which is its own:
it joins the next hall it synchronizes with, and until then a change counts as waiting unless
every one of them holds it (acked_at is cleared beyond the least acknowledged sequence).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_joined_hall"
down_revision: str | None = "0009_signin_event"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("terminal") as batch:
        batch.add_column(sa.Column("joined_hall_id", sa.String(length=40), nullable=True))
    conn = op.get_bind()
    states = conn.execute(sa.text("SELECT hall_id, acked_seq FROM sync_state")).all()
    node = conn.execute(sa.text("SELECT node_id FROM terminal")).scalar()
    if not states or node is None:
        return
    if len(states) == 1:
        conn.execute(
            sa.text("UPDATE terminal SET joined_hall_id = :hall"), {"hall": states[0].hall_id}
        )
    held = min(state.acked_seq for state in states)
    conn.execute(
        sa.text(
            "UPDATE change_log SET acked_at = NULL "
            "WHERE node_id = :node AND seq > :held AND acked_at IS NOT NULL"
        ),
        {"node": node, "held": held},
    )


def downgrade() -> None:
    with op.batch_alter_table("terminal") as batch:
        batch.drop_column("joined_hall_id")
