"""What both Alembic environments do (the terminal's store, deskapp/store/migrations, and the
hall store, deskapp/sync/hall_migrations): run the migrations on the connection the desk hands
over, or, when a developer runs `alembic` by hand, on an engine of their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import context


def run_migrations_online(
    metadata: sa.MetaData, by_hand: Callable[[], sa.Engine], **options: Any
) -> None:
    """`by_hand`: the engine when no connection was handed over; `options`: more of
    `context.configure` (the hall's own version table)."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        with by_hand().begin() as own:
            _run(own, metadata, options)
        return
    _run(connection, metadata, options)


def _run(connection: sa.Connection, metadata: sa.MetaData, options: dict[str, Any]) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        **options,
    )
    with context.begin_transaction():
        context.run_migrations()
