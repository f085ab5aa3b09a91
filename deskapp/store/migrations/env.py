"""Alembic environment: migrations run on a connection handed over by deskapp.store.migrate,
or on DESKAPP_DB when a developer runs `alembic` by hand."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import deskapp.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url") or f"sqlite:///{os.environ['DESKAPP_DB']}"
        engine = sa.create_engine(url, hide_parameters=True)
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
