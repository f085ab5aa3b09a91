"""Change capture: every insert or update of a record table, whoever makes it, is appended
to the change log in the same transaction, with the terminal's next gap-free sequence number,
an HLC stamp and the actor. Writes that would bypass this are refused at the connection.

This lives at the session level (not in each service) so that no service can forget it."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from deskapp.ids import uuid7
from deskapp.store.models import RECORD_TABLES, SCHEMA_VERSION, ChangeLog, RecordTable, Terminal
from deskapp.sync.hlc import Stamp, tick

ACTOR_KEY = "actor_id"
CLOCK_KEY = "clock"
TXN_KEY = "txn_id"
# Set on a connection while a logged flush (or a deliberate, logged apply) is writing.
LOGGED_WRITE_KEY = "logged_write"
# Set by migrations: schema work is not a record change.
MIGRATION_KEY = "migrating"


class UnloggedWriteError(RuntimeError):
    """A write to a record table tried to go around the change log."""


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _row_fields(obj: RecordTable, only_changed: bool) -> dict[str, Any]:
    state = sa.inspect(obj)
    fields: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if only_changed and not state.attrs[attr.key].history.has_changes():
            continue
        fields[attr.key] = _json_value(getattr(obj, attr.key))
    return fields


def _next_stamp_and_seqs(
    connection: sa.Connection, count: int, now: datetime
) -> tuple[str, list[int], str]:
    terminal = connection.execute(
        sa.select(Terminal.node_id, Terminal.last_seq, Terminal.hlc_wall_ms, Terminal.hlc_counter)
    ).one_or_none()
    if terminal is None:
        raise UnloggedWriteError("terminal is not initialised (run `deskapp init`)")
    node_id, last_seq, wall, counter = terminal
    stamp = tick(Stamp(wall, counter, node_id), int(now.timestamp() * 1000))
    first = last_seq + 1
    connection.execute(
        sa.update(Terminal)
        .where(Terminal.node_id == node_id, Terminal.last_seq == last_seq)
        .values(last_seq=last_seq + count, hlc_wall_ms=stamp.wall_ms, hlc_counter=stamp.counter)
    )
    return node_id, list(range(first, first + count)), stamp.encode()


@event.listens_for(Session, "before_flush")
def _capture_changes(session: Session, flush_context: Any, instances: Any) -> None:
    changes: list[tuple[RecordTable, str, dict[str, Any]]] = []
    for obj in session.new:
        if isinstance(obj, RecordTable):
            changes.append((obj, "insert", _row_fields(obj, only_changed=False)))
    for obj in session.dirty:
        if isinstance(obj, RecordTable) and session.is_modified(obj, include_collections=False):
            fields = _row_fields(obj, only_changed=True)
            if fields:
                changes.append((obj, "update", fields))
    for obj in session.deleted:
        if isinstance(obj, RecordTable):
            raise UnloggedWriteError(
                f"{type(obj).__name__} rows are never deleted: record a retirement instead"
            )
    if not changes:
        return
    actor = session.info.get(ACTOR_KEY)
    clock = session.info.get(CLOCK_KEY)
    if not actor or clock is None:
        raise UnloggedWriteError("a record write needs a unit of work with an actor and a clock")
    now = clock.now()
    connection = session.connection()
    txn_id = session.info.setdefault(TXN_KEY, uuid7())
    node_id, seqs, hlc = _next_stamp_and_seqs(connection, len(changes), now)
    rows = []
    for (obj, op, fields), seq in zip(changes, seqs, strict=True):
        rows.append(
            {
                "node_id": node_id,
                "seq": seq,
                "txn_id": txn_id,
                "entity": type(obj).__tablename__,
                "entity_id": str(obj.id),  # type: ignore[attr-defined]
                "op": op,
                "fields": json.dumps(fields, ensure_ascii=False, sort_keys=True),
                "hlc": hlc,
                "schema_version": SCHEMA_VERSION,
                "actor_id": actor,
                "at": now,
            }
        )
    connection.execute(sa.insert(ChangeLog), rows)
    connection.info[LOGGED_WRITE_KEY] = True


@event.listens_for(Session, "after_flush_postexec")
def _end_logged_flush(session: Session, flush_context: Any) -> None:
    session.connection().info.pop(LOGGED_WRITE_KEY, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _end_transaction(session: Session) -> None:
    session.info.pop(TXN_KEY, None)


# Searched anywhere in the statement, not only at its start, so that a leading comment, a
# WITH clause, a schema prefix ("main.complaint") or [bracket]/`backtick` quoting cannot
# slip a write past the guard. (The price: a read whose SQL text itself contains, say, a
# literal 'update staff' is refused too; values are bound parameters, so this does not arise.)
_DML = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"
    r"\s+(?:[\"`\[]?\w+[\"`\]]?\s*\.\s*)?[\"`\[]?(\w+)",
    re.IGNORECASE,
)


def guard_engine(engine: sa.Engine) -> None:
    """Refuse any statement that writes a record table outside a logged flush."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_unlogged(conn, cursor, statement, parameters, context, executemany):
        tables = [m.group(1) for m in _DML.finditer(statement)]
        written = next((t for t in tables if t.lower() in RECORD_TABLES), None)
        if written is None:
            return
        if conn.info.get(LOGGED_WRITE_KEY) or conn.info.get(MIGRATION_KEY):
            return
        raise UnloggedWriteError(
            f"write to record table {written!r} outside the change log: use a service"
        )

    # A flush that fails half-way must not leave the connection marked as logged.
    @event.listens_for(engine, "handle_error")
    def _clear_on_error(context):
        if context.connection is not None:
            context.connection.info.pop(LOGGED_WRITE_KEY, None)

    @event.listens_for(engine, "checkin")
    def _clear_on_checkin(dbapi_connection, record):
        record.info.pop(LOGGED_WRITE_KEY, None)
