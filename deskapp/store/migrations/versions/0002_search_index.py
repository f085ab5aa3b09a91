"""search index: Chinese substring search over complaints (bigram FTS5)

Rows made before this revision are indexed on upgrade. The `bigrams` SQL function is
registered on every connection by deskapp.store.engine.

Revision ID: 0002_search_index
Revises: 0001_initial
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_search_index"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BODY_NEW = "bigrams(new.content) || ' ' || bigrams(new.demand) || ' ' || bigrams(new.customer_name)"
_BODY_OLD = "bigrams(old.content) || ' ' || bigrams(old.demand) || ' ' || bigrams(old.customer_name)"


def upgrade() -> None:
    # Contentless: the complaint table already holds the text; the index holds only tokens.
    op.execute("CREATE VIRTUAL TABLE complaint_fts USING fts5(body, content='', tokenize='unicode61')")
    op.execute(
        "INSERT INTO complaint_fts(rowid, body) SELECT rowid, "
        "bigrams(content) || ' ' || bigrams(demand) || ' ' || bigrams(customer_name) FROM complaint"
    )
    op.execute(
        f"""CREATE TRIGGER complaint_fts_insert AFTER INSERT ON complaint BEGIN
            INSERT INTO complaint_fts(rowid, body) VALUES (new.rowid, {_BODY_NEW});
        END"""
    )
    op.execute(
        f"""CREATE TRIGGER complaint_fts_update AFTER UPDATE OF content, demand, customer_name
            ON complaint BEGIN
            INSERT INTO complaint_fts(complaint_fts, rowid, body) VALUES ('delete', old.rowid, {_BODY_OLD});
            INSERT INTO complaint_fts(rowid, body) VALUES (new.rowid, {_BODY_NEW});
        END"""
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS complaint_fts_update")
    op.execute("DROP TRIGGER IF EXISTS complaint_fts_insert")
    op.execute("DROP TABLE IF EXISTS complaint_fts")
