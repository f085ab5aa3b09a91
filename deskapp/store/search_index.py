"""The complaint search index (complaint_fts, migration 0002) filled for many rows at once.

Its insert trigger indexes a complaint as it is written. For a large import that trigger was
three quarters of a complaint insert's CPU: SQLite runs the trigger's program for each row,
and that cost stays even when a WHEN clause skips the indexing (10,000 rows: 0.64 s with the
trigger, 0.23 s with one INSERT … SELECT after the chunk's rows instead; issue 22).
`deferred_search_index` takes the trigger out for one block of one transaction and puts back
the very statement the store holds (as its migrations made it), after indexing the block's
rows with the trigger's own words. Other connections never see the store without it: the
drop and the re-creation commit together, or roll back together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import sqlalchemy as sa

from deskapp.store.changelog import migrating

TRIGGER = "complaint_fts_insert"
# What the insert trigger indexes for a complaint (migration 0002's body of `new.` columns):
# tests/store/test_store_search_index.py holds it to the trigger the store holds.
BODY = "bigrams(content) || ' ' || bigrams(demand) || ' ' || bigrams(customer_name)"


@contextmanager
def deferred_search_index(connection: sa.Connection) -> Iterator[None]:
    """Complaints inserted in the block are indexed after it, all at once, in the caller's
    transaction (the rows the block inserted: rowids above the highest before it, as SQLite
    gives a table without its own integer key). Called outside a logged write (the change
    log's gate is closed before and after). A block that fails indexes nothing; the trigger
    is put back whatever happens."""
    made = None
    if connection.dialect.name == "sqlite":
        made = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
        ).scalar()
    if made is None:  # not the desk's SQLite store: nothing to defer
        yield
        return
    last = connection.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM complaint").scalar()
    with migrating(connection):  # a trigger of an audited table: schema work, this once
        connection.exec_driver_sql(f"DROP TRIGGER {TRIGGER}")
    try:
        yield
    except BaseException:
        # The transaction is rolled back with the drop; if the caller went on, it must still
        # find the trigger (a failed statement may have doomed the transaction: then moot).
        with suppress(sa.exc.SQLAlchemyError), migrating(connection):
            connection.exec_driver_sql(made)
        raise
    connection.exec_driver_sql(
        f"INSERT INTO complaint_fts(rowid, body) SELECT rowid, {BODY} FROM complaint"
        " WHERE rowid > ?",
        (last,),
    )
    with migrating(connection):
        connection.exec_driver_sql(made)
