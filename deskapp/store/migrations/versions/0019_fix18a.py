"""service numbers in one letter case; a ticket is a case once, merged like any unique value

Revision ID: 0019_fix18a
Revises: 0018_import22b

* Service numbers (complaint.service_number, watch_entry.customer_key and active_key) were kept
  as typed, so `GZKD7777AB` and `gzkd7777ab` were two customers to the repeat rule, the watch
  list and the history. They are lower-cased here (domain/phone.number_case), as intake now
  stores them. Where lower-casing makes two active watch entries claim one number, the entry
  that already held it in lower case (else the smallest id: made first) keeps it and the other
  holds `number~id`, shown on F10 as not in force, as the sync's merge leaves such a pair.
* `teaching_case.case_key` (the ticket's id while the case is in the library), `retired_by`
  and `retired_at`: a unique value, so one ticket marked on two terminals apart ends as one
  case in force and a conflict (deskapp/sync/unique.py). Existing cases take their ticket's
  id; two cases of one ticket already here: the smallest id keeps it, the other `id~case id`.

New columns of a record table: SCHEMA_VERSION goes to 13. The hall store keeps changes, not
tables: nothing to migrate there (the merge lower-cases service numbers of older changes).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_fix18a"
down_revision: str | None = "0018_import22b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _lower_watch_keys(conn: sa.Connection) -> None:
    conn.execute(sa.text("UPDATE watch_entry SET customer_key = lower(customer_key)"
                         " WHERE customer_key <> lower(customer_key)"))  # fmt: skip
    rows = conn.execute(
        sa.text("SELECT id, active_key FROM watch_entry WHERE active_key IS NOT NULL")
    ).all()
    claims: dict[str, list[tuple[str, str]]] = {}
    for entry_id, key in rows:
        if "~" not in key:
            claims.setdefault(key.lower(), []).append((entry_id, key))
        elif key != key.lower():
            conn.execute(sa.text("UPDATE watch_entry SET active_key = :k WHERE id = :i"),
                         {"k": key.lower(), "i": entry_id})  # fmt: skip
    for number, entries in claims.items():
        already = [i for i, key in entries if key == number]
        winner = already[0] if already else min(i for i, _ in entries)
        for entry_id, key in sorted(entries):
            new = number if entry_id == winner else f"{number}~{entry_id}"
            if new != key:  # losers first would be cleaner; "~" values never clash
                conn.execute(sa.text("UPDATE watch_entry SET active_key = :k WHERE id = :i"),
                             {"k": new, "i": entry_id})  # fmt: skip


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE complaint SET service_number = lower(service_number)"
                         " WHERE service_number <> lower(service_number)"))  # fmt: skip
    # The unique index is dropped while keys are renamed (a winner's new key may still be
    # held in another case by a loser until its own update).
    op.drop_index("ix_watch_entry_active_key", table_name="watch_entry")
    _lower_watch_keys(conn)
    op.create_index("ix_watch_entry_active_key", "watch_entry", ["active_key"], unique=True)

    op.add_column("teaching_case", sa.Column("case_key", sa.String(length=90), nullable=True))
    op.add_column("teaching_case", sa.Column("retired_by", sa.String(length=40), nullable=True))
    op.add_column("teaching_case", sa.Column("retired_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE teaching_case SET case_key = CASE WHEN id = (SELECT min(t.id) FROM"
        " teaching_case t WHERE t.complaint_id = teaching_case.complaint_id)"
        " THEN complaint_id ELSE complaint_id || '~' || id END"
    )
    op.create_index("ix_teaching_case_case_key", "teaching_case", ["case_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_teaching_case_case_key", table_name="teaching_case")
    with op.batch_alter_table("teaching_case") as batch_op:
        batch_op.drop_column("retired_at")
        batch_op.drop_column("retired_by")
        batch_op.drop_column("case_key")
