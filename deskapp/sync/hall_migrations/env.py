"""Alembic environment of the hall store (its own version table, `hall_alembic_version`):
migrations run on the locked connection handed over by deskapp.sync.hall_migrate, or on
DESKAPP_HALL_URL when a developer runs `alembic` by hand."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from deskapp.sync.hall_tables import VERSION_TABLE, meta

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url") or os.environ["DESKAPP_HALL_URL"]
        from deskapp.sync.hall_engines import hall_engine

        engine = hall_engine(url)
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=meta,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
