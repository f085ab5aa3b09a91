"""Alembic environment of the hall store (its own version table, `hall_alembic_version`):
migrations run on the locked connection handed over by deskapp.sync.hall_migrate, or on
DESKAPP_HALL_URL when a developer runs `alembic` by hand."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from deskapp.store.alembic_run import run_migrations_online
from deskapp.sync.hall_tables import VERSION_TABLE, meta


def _by_hand() -> sa.Engine:
    from deskapp.sync.hall_engines import hall_engine

    return hall_engine(
        context.config.get_main_option("sqlalchemy.url") or os.environ["DESKAPP_HALL_URL"]
    )


run_migrations_online(meta, _by_hand, version_table=VERSION_TABLE)
