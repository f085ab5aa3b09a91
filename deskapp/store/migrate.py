"""Apply Alembic migrations when the desk opens a store.

Alembic is imported only when the store is behind: opening an up-to-date store (every start
but the first after an upgrade) costs one query, which keeps the desk's start fast."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from deskapp.store.changelog import GATE_KEY, WriteMode, migrating

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest revision; tests check it equals Alembic's head so the fast path cannot drift.
HEAD_REVISION = "0021_case18e"


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).first()
        if not has_table:
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def upgrade(engine: sa.Engine, revision: str = "head") -> str | None:
    """Bring the store to `revision`; returns the revision it was at before (None: new)."""
    current = current_revision(engine)
    if revision == "head" and current == HEAD_REVISION:
        return current
    from deskapp.store.engine import is_read_only

    if is_read_only(engine):  # a store that cannot be written cannot be brought up to date
        from deskapp.store.failures import StoreUnavailable

        raise StoreUnavailable("error.store.readonly", f"behind ({current}) and read-only")
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # The one place allowed to alter audited tables: the store's gate is open for it.
    conn = engine.connect().execution_options(sqlite_begin="IMMEDIATE")
    with conn, migrating(conn), conn.begin():
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    if current is None and revision == "head":
        _compact_new_store(engine)
    return current


def _compact_new_store(engine: sa.Engine) -> None:
    """A new store's migrations create tables a later one drops (signin_guard, 0009): start
    it without their free pages, so it grows only by what is written to it. VACUUM on an
    empty store takes milliseconds; an existing store is never vacuumed here."""
    raw = engine.raw_connection()
    gate = raw.info.get(GATE_KEY)  # VACUUM rewrites every table: schema work, like a migration
    try:
        if gate is not None:
            gate.set_mode(WriteMode.MIGRATING)
        cursor = raw.cursor()
        if cursor.execute("PRAGMA freelist_count").fetchone()[0]:
            cursor.execute("VACUUM")  # autocommit: the engine's connections leave BEGIN to us
        cursor.close()
    finally:
        if gate is not None:
            gate.set_mode(WriteMode.CLOSED)
        raw.close()


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head
