"""Bring a hall store's schema to this desk's: Alembic, in its own environment
(`hall_migrations/`, version table `hall_alembic_version`), run inside the hall's locked
write transaction so two terminals never migrate at once.

A store made before Alembic (its tables and hall_meta's `hall_schema` 1, no version table) is
stamped with the first revision, which made exactly those tables, and carried forward from
there. Alembic is imported only when the store is behind: an up-to-date store costs one read."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from deskapp.sync.hall_errors import HallStoreError
from deskapp.sync.hall_tables import HALL_SCHEMA, VERSION_TABLE, hall_meta

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "hall_migrations"
# The newest revision; a test checks it equals Alembic's head so the fast path cannot drift.
HEAD_REVISION = "h0001_hall_tables"
FIRST_REVISION = "h0001_hall_tables"  # the tables of the stores made before Alembic


def schema_state(conn: sa.Connection) -> tuple[str | None, int | None]:
    """The store's Alembic revision and hall_meta's `hall_schema` (None: not there)."""
    tables = set(sa.inspect(conn).get_table_names())
    revision = None
    if VERSION_TABLE in tables:
        revision = conn.execute(
            sa.text(f"SELECT version_num FROM {VERSION_TABLE}")
        ).scalar_one_or_none()
    legacy = None
    if hall_meta.name in tables:
        value = conn.execute(
            sa.select(hall_meta.c.value).where(hall_meta.c.key == "hall_schema")
        ).scalar()
        legacy = None if value is None else int(value)
    return revision, legacy


def is_current(revision: str | None, legacy: int | None) -> bool:
    """Up to date, or refused: a store made by a newer desk is never touched."""
    if legacy is not None and legacy > HALL_SCHEMA:
        raise HallStoreError("sync.error.hall_too_new", version=legacy)
    if revision is not None and revision != HEAD_REVISION and revision not in _known():
        raise HallStoreError("sync.error.hall_too_new", version=revision)
    return revision == HEAD_REVISION


def upgrade(conn: sa.Connection) -> None:
    """Migrate the store on `conn`, which holds the hall's write lock in an open transaction."""
    revision, legacy = schema_state(conn)
    if is_current(revision, legacy):
        return
    from alembic import command

    config = _config()
    config.attributes["connection"] = conn
    if revision is None and legacy is not None:
        command.stamp(config, FIRST_REVISION)  # made before Alembic: these are its tables
    command.upgrade(config, "head")


def _config() -> Config:  # Alembic is imported only when a store is behind
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _known() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head
