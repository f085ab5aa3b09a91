"""Alembic environment: migrations run on a connection handed over by deskapp.store.migrate,
or on DESKAPP_DB when a developer runs `alembic` by hand."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import deskapp.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from deskapp.store.alembic_run import run_migrations_online


def _by_hand() -> sa.Engine:
    url = (
        context.config.get_main_option("sqlalchemy.url") or f"sqlite:///{os.environ['DESKAPP_DB']}"
    )
    return sa.create_engine(url, hide_parameters=True)


run_migrations_online(SQLModel.metadata, _by_hand)
