"""The hall store's tables (`hall_*`): what every terminal of a hall pushes to and pulls from.

Their schema is versioned by Alembic in its own environment (`deskapp/sync/hall_migrations`,
version table `hall_alembic_version`), applied by `deskapp.sync.hall_migrate`. A change here
comes with a migration there; a test compares the migrated schema with these tables."""

from __future__ import annotations

import sqlalchemy as sa

# What hall_meta's `hall_schema` says to desks from before Alembic: they use a store whose
# value is at most theirs (1) and refuse a newer one. A migration that such a desk could not
# work with raises it; this desk refuses a store whose value is above this.
HALL_SCHEMA = 1
VERSION_TABLE = "hall_alembic_version"  # not alembic_version: a hall may share a database

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
# The last edit of each field in hall order: what a later edit is compared with.
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
# One row per record root (staff member, complaint, shift): what a new terminal needs.
hall_root = sa.Table(
    "hall_root",
    meta,
    sa.Column("root_id", sa.String(40), primary_key=True),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_hlc", sa.String(64), nullable=False),
    sa.Column("last_at", sa.String(40), nullable=False, index=True),
)


def _side(prefix: str) -> list[sa.Column[str]]:
    """One side of a conflict: the value, its stamp, who wrote it and when."""
    return [
        sa.Column(f"{prefix}_value", sa.Text, nullable=False),
        sa.Column(f"{prefix}_hlc", sa.String(64), nullable=False),
        sa.Column(f"{prefix}_actor_id", sa.String(40), nullable=False),
        sa.Column(f"{prefix}_at", sa.String(40), nullable=False),
    ]


hall_conflict = sa.Table(
    "hall_conflict",
    meta,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("hall_seq", sa.BigInteger, nullable=False, index=True),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("entity_id", sa.String(40), nullable=False, index=True),
    sa.Column("field", sa.String(64), nullable=False),
    *_side("a"),  # a_value, a_hlc, a_actor_id, a_at
    *_side("b"),
)
