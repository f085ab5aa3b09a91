"""The hall store as the desk made it before Alembic (commit 872162f, deskapp/sync/hall.py):
its tables and the first-use step that created them and wrote hall_meta, copied verbatim and
frozen here so that the migration tests carry forward a store the previous code made, not
one imitating it. Not a test module; never change it to follow the current schema."""

from __future__ import annotations

import sqlalchemy as sa

from deskapp.ids import uuid7

HALL_SCHEMA = 1

meta = sa.MetaData()

hall_meta = sa.Table(
    "hall_meta",
    meta,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)
hall_terminal = sa.Table(
    "hall_terminal",
    meta,
    sa.Column("node_id", sa.String(40), primary_key=True),
    sa.Column("hall_code", sa.String(8), nullable=False),
    sa.Column("terminal_code", sa.String(8), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("high_water", sa.BigInteger, nullable=False),  # seqs received: 1..high_water
    sa.Column("first_seen", sa.String(40), nullable=False),
    sa.Column("last_seen", sa.String(40), nullable=False),
)
hall_change = sa.Table(
    "hall_change",
    meta,
    sa.Column("hall_seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("node_id", sa.String(40), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("txn_id", sa.String(40), nullable=False),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("entity_id", sa.String(40), nullable=False),
    sa.Column("root_id", sa.String(40), nullable=False),
    sa.Column("op", sa.String(8), nullable=False),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("hlc", sa.String(64), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("actor_id", sa.String(40), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("seen", sa.BigInteger, nullable=False),  # the writer had pulled up to here
    sa.UniqueConstraint("node_id", "seq", name="uq_hall_change_node_seq"),
    sa.Index("ix_hall_change_root", "root_id", "hall_seq"),
)
hall_field = sa.Table(
    "hall_field",
    meta,
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("entity_id", sa.String(40), primary_key=True),
    sa.Column("field", sa.String(64), primary_key=True),
    sa.Column("hall_seq", sa.BigInteger, nullable=False),
    sa.Column("node_id", sa.String(40), nullable=False),
    sa.Column("hlc", sa.String(64), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("actor_id", sa.String(40), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
)
hall_root = sa.Table(
    "hall_root",
    meta,
    sa.Column("root_id", sa.String(40), primary_key=True),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_hlc", sa.String(64), nullable=False),
    sa.Column("last_at", sa.String(40), nullable=False, index=True),
)
hall_conflict = sa.Table(
    "hall_conflict",
    meta,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("hall_seq", sa.BigInteger, nullable=False, index=True),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("entity_id", sa.String(40), nullable=False, index=True),
    sa.Column("field", sa.String(64), nullable=False),
    sa.Column("a_value", sa.Text, nullable=False),
    sa.Column("a_hlc", sa.String(64), nullable=False),
    sa.Column("a_actor_id", sa.String(40), nullable=False),
    sa.Column("a_at", sa.String(40), nullable=False),
    sa.Column("b_value", sa.Text, nullable=False),
    sa.Column("b_hlc", sa.String(64), nullable=False),
    sa.Column("b_actor_id", sa.String(40), nullable=False),
    sa.Column("b_at", sa.String(40), nullable=False),
)


def create(conn: sa.Connection) -> None:
    """HallStore.ensure_schema of that commit, on a new store (its `version == 0` branch)."""
    meta.create_all(conn, checkfirst=True)
    values = dict(conn.execute(sa.select(hall_meta.c.key, hall_meta.c.value)).all())
    assert int(values.get("hall_schema", 0)) == 0
    conn.execute(
        sa.insert(hall_meta),
        [
            {"key": "hall_schema", "value": str(HALL_SCHEMA)},
            {"key": "hall_id", "value": uuid7()},
            {"key": "max_record_schema", "value": "0"},
        ],
    )
