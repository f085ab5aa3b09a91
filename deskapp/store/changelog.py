"""Change capture: every insert or update of a record table, whoever makes it, is appended
to the change log in the same transaction, with the terminal's next gap-free sequence number,
an HLC stamp and the actor. Writes that would bypass this are refused by SQLite itself
(`WriteGate`, an authorizer).

This lives at the session level (not in each service) so that no service can forget it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from enum import Enum, IntEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import InstanceState, Session, SessionTransaction
from sqlmodel import col

from deskapp.domain.hlc import Stamp, tick
from deskapp.ids import uuid7
from deskapp.store.models import RECORD_TABLES, SCHEMA_VERSION, ChangeLog, RecordTable, Terminal

ACTOR_KEY = "actor_id"
CLOCK_KEY = "clock"
TXN_KEY = "txn_id"


class UnloggedWriteError(RuntimeError):
    """A write to a record table tried to go around the change log."""


_PLAIN = frozenset({str, int, float, bool, type(None)})
# One encoder for every log row: json.dumps with options builds a new one per call.
_FIELDS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _json_value(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values: asked first, cheaply (a large import, issue 22)
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _json_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A whole row's fields as the log keeps them: only values that are not plain JSON
    already (times, enums) are converted (a large import logs millions of values)."""
    fields = dict(row)
    for key, value in row.items():
        if type(value) not in _PLAIN:
            fields[key] = _json_value(value)
    return fields


def _row_fields(obj: RecordTable, only_changed: bool) -> dict[str, Any]:
    state: InstanceState[RecordTable] = sa.inspect(obj, raiseerr=True)
    fields: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if only_changed and not state.attrs[attr.key].history.has_changes():
            continue
        fields[attr.key] = _json_value(getattr(obj, attr.key))
    return fields


# Built once: a flush runs these two statements every time (a batch close flushes a thousand
# times), and building the statement is most of their cost.
_READ_TERMINAL = sa.select(
    col(Terminal.node_id), col(Terminal.last_seq), col(Terminal.hlc_wall_ms),
    col(Terminal.hlc_counter),
)  # fmt: skip
_ADVANCE_TERMINAL = (
    sa.update(Terminal)
    .where(col(Terminal.node_id) == sa.bindparam("b_node"),
           col(Terminal.last_seq) == sa.bindparam("b_last"))
    .values(last_seq=sa.bindparam("b_seq"), hlc_wall_ms=sa.bindparam("b_wall"),
            hlc_counter=sa.bindparam("b_counter"))
)  # fmt: skip


def _next_stamp_and_seqs(
    connection: sa.Connection, count: int, now: datetime
) -> tuple[str, list[int], str]:
    terminal = connection.execute(_READ_TERMINAL).one_or_none()
    if terminal is None:
        raise UnloggedWriteError("terminal is not initialised (run `deskapp init`)")
    node_id, last_seq, wall, counter = terminal
    stamp = tick(Stamp(wall, counter, node_id), int(now.timestamp() * 1000))
    first = last_seq + 1
    connection.execute(
        _ADVANCE_TERMINAL,
        {"b_node": node_id, "b_last": last_seq, "b_seq": last_seq + count,
         "b_wall": stamp.wall_ms, "b_counter": stamp.counter},
    )  # fmt: skip
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
    logged = [
        (str(type(obj).__tablename__), str(obj.id), op, encode_fields(fields))
        for obj, op, fields in changes
    ]
    connection = _log(session, logged)
    # Open the store's write gate for this flush only (closed again after it, or on error).
    set_write_mode(connection, WriteMode.LOGGED)
    connection.execute(sa.insert(ChangeLog), _log_rows(session, logged))


def _log(session: Session, changes: list[tuple[str, str, str, str]]) -> sa.Connection:
    if not session.info.get(ACTOR_KEY) or session.info.get(CLOCK_KEY) is None:
        raise UnloggedWriteError("a record write needs a unit of work with an actor and a clock")
    return session.connection()


# The change log's columns as a unit of work writes them, in the order `_log_tuples` gives.
_LOG_KEYS = ("node_id", "seq", "txn_id", "entity", "entity_id", "op", "fields", "hlc",
             "schema_version", "actor_id", "at")  # fmt: skip


def _log_rows(session: Session, changes: list[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    """The change log's rows for (entity, entity id, op, fields as JSON text) changes of this
    unit of work, as dicts (`_log_tuples`)."""
    return [dict(zip(_LOG_KEYS, row, strict=True)) for row in _log_tuples(session, changes)]


def _log_tuples(session: Session, changes: list[tuple[str, str, str, str]]
                ) -> list[tuple[Any, ...]]:  # fmt: skip
    """The change log's rows for (entity, entity id, op, fields as JSON text) changes of this
    unit of work, in `_LOG_KEYS` order: one stamp, consecutive sequence numbers, the actor and
    the clock of `Desk.write`."""
    actor = session.info[ACTOR_KEY]
    now = session.info[CLOCK_KEY].now()
    connection = session.connection()
    txn_id = session.info.setdefault(TXN_KEY, uuid7())
    node_id, seqs, hlc = _next_stamp_and_seqs(connection, len(changes), now)
    return [
        (node_id, seq, txn_id, entity, entity_id, op, fields, hlc, SCHEMA_VERSION, actor, now)
        for (entity, entity_id, op, fields), seq in zip(changes, seqs, strict=True)
    ]


def log_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A whole new row's fields as the change log keeps them (before `encode_fields`)."""
    return _json_fields(row)


def encode_fields(fields: Any) -> str:
    """The change log's text of a change's fields (one encoder, keys sorted), or of one of
    their values."""
    return _FIELDS_JSON.encode(fields)


# New rows of one table for `logged_insert_rows`: the table, its columns, each row's values as
# the DB-API takes them (store/bulk.py `converters`), and each row's (id, `encode_fields` text).
NewRows = tuple[sa.Table, Sequence[str], Sequence[Sequence[Any]], Sequence[tuple[str, str]]]


def logged_inserts(session: Session, tables: list[tuple[sa.Table, list[dict[str, Any]]]]) -> None:
    """INSERT new record rows given as whole rows (every column), tables in the order given,
    with the change log rows a flush of the same objects would write (store/bulk.py writes
    them without building ORM objects: the import of a large file, issue 22)."""
    from deskapp.store.bulk import dict_tuples

    connection = session.connection()
    logged_insert_rows(session, [
        (table, list(rows[0]), dict_tuples(connection, table, list(rows[0]), rows),
         [(str(r["id"]), encode_fields(_json_fields(r))) for r in rows])
        for table, rows in tables if rows
    ])  # fmt: skip


def logged_insert_rows(session: Session, tables: Sequence[NewRows]) -> None:
    """INSERT new record rows already in the DB-API's values, with their change log rows
    (fields already encoded), tables in the order given: what `logged_inserts` writes, for
    rows made elsewhere (an import's worker process, issue 22)."""
    changes = [
        (table.name, entity_id, "insert", fields)
        for table, _, _, logged in tables
        for entity_id, fields in logged
    ]
    if not changes:
        return
    from deskapp.store.bulk import insert_tuples, row_values

    connection = _log(session, changes)
    log = _log_tuples(session, changes)
    # The log's rows share their moment, stamp and actor: their values taken as they are,
    # the moment converted once (a large import logs three rows a record, issue 22).
    (at,) = row_values(connection, ChangeLog.__table__, ["at"])({"at": log[0][-1]})
    assert _LOG_KEYS[-1] == "at"
    rows = [(*row[:-1], at) for row in log]
    with write_mode(connection, WriteMode.LOGGED):
        insert_tuples(connection, ChangeLog.__table__, _LOG_KEYS, rows)
        for table, columns, values, _ in tables:
            if table.name not in RECORD_TABLES:
                raise UnloggedWriteError(f"{table.name} is not a record table")
            insert_tuples(connection, table, columns, values)


@event.listens_for(Session, "after_flush_postexec")
def _end_logged_flush(session: Session, flush_context: Any) -> None:
    set_write_mode(session.connection(), WriteMode.CLOSED)


@event.listens_for(Session, "after_transaction_end")
def _end_transaction(session: Session, transaction: SessionTransaction) -> None:
    # The root transaction only: a savepoint's end (followup.close_each: one per ticket) is
    # not the end of the store transaction its changes are committed in.
    if transaction.parent is None:
        session.info.pop(TXN_KEY, None)


class WriteMode(IntEnum):
    """What a connection may write to the audited tables, most restrictive first."""

    CLOSED = 0  # reads; change_log.acked_at only (sync marks what the hall holds)
    LOGGED = 1  # a logged flush or a deliberate, already-logged apply: record rows, log rows
    MIGRATING = 2  # schema work and set-up that is not a record change: anything


# change_log rows are the audit trail: added by a logged write, never edited or removed;
# a sync run only stamps acked_at.
_LOG_TABLE = ChangeLog.__tablename__
_LOG_MARK_COLUMNS = frozenset({"acked_at"})
_PROTECTED = frozenset(RECORD_TABLES) | {_LOG_TABLE}
# Actions whose second argument is the table a trigger or index is on.
_ON_TABLE = frozenset(
    {
        sqlite3.SQLITE_CREATE_TRIGGER,
        sqlite3.SQLITE_CREATE_TEMP_TRIGGER,
        sqlite3.SQLITE_DROP_TRIGGER,
        sqlite3.SQLITE_DROP_TEMP_TRIGGER,
        sqlite3.SQLITE_CREATE_INDEX,
        sqlite3.SQLITE_CREATE_TEMP_INDEX,
        sqlite3.SQLITE_DROP_INDEX,
        sqlite3.SQLITE_DROP_TEMP_INDEX,
    }
)
_NEW_TRIGGER = frozenset({sqlite3.SQLITE_CREATE_TRIGGER, sqlite3.SQLITE_CREATE_TEMP_TRIGGER})
_DROP_TABLE = frozenset({sqlite3.SQLITE_DROP_TABLE, sqlite3.SQLITE_DROP_TEMP_TABLE})
_READS = frozenset({sqlite3.SQLITE_READ, sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION})
_WRITES = {sqlite3.SQLITE_INSERT: "insert", sqlite3.SQLITE_UPDATE: "update",
           sqlite3.SQLITE_DELETE: "delete"}  # fmt: skip


class WriteGate:
    """The SQLite authorizer of one connection of the local store.

    SQLite calls it while it compiles each statement, with the operation and the table as its
    parser resolved them, so comments, quoting, schema prefixes, CTEs, triggers or an ATTACHed
    second name of the same file do not hide a write as they could from a pattern over the
    SQL text. Compiled statements are cached (by Python's sqlite3 and SQLite) and the
    authorizer is not asked again when one is reused, so each narrowing of the mode installs
    the authorizer afresh, which makes SQLite recompile, and so re-authorize, every cached
    statement before its next run."""

    __slots__ = ("dbapi", "mode", "refused")

    def __init__(self, dbapi: sqlite3.Connection) -> None:
        self.dbapi = dbapi
        self.mode = WriteMode.CLOSED
        self.refused: str | None = None
        dbapi.set_authorizer(self)

    def set_mode(self, mode: WriteMode) -> None:
        narrower = mode < self.mode
        self.mode = mode
        if narrower:
            self.dbapi.set_authorizer(self)  # expires what was compiled under the wider mode

    def __call__(
        self, action: int, arg1: str | None, arg2: str | None, db: str | None, source: str | None
    ) -> int:
        # Called for every column a statement reads: the common answers first, and cheaply.
        if action in _READS or self.mode is WriteMode.MIGRATING:
            return sqlite3.SQLITE_OK
        why = self._why_refused(action, (arg1 or "").lower(), (arg2 or "").lower(), source)
        if why is None:
            return sqlite3.SQLITE_OK
        self.refused = why
        return sqlite3.SQLITE_DENY

    def _why_refused(self, action: int, arg1: str, arg2: str, trigger: str | None) -> str | None:
        if action in _WRITES:
            if arg1 not in _PROTECTED:
                return None
            if trigger is not None:
                # No trigger of the desk writes an audited table (the search index's write
                # complaint_fts); one that did would write unlogged inside a logged flush.
                return f"trigger {trigger!r} writing audited table {arg1!r}"
            if arg1 == _LOG_TABLE:
                if action == sqlite3.SQLITE_UPDATE and arg2 in _LOG_MARK_COLUMNS:
                    return None
                if action == sqlite3.SQLITE_INSERT and self.mode is WriteMode.LOGGED:
                    return None
                return f"{_WRITES[action]} of the change log outside a logged write"
            if action == sqlite3.SQLITE_DELETE:
                return f"delete from record table {arg1!r}: record a retirement instead"
            if self.mode is WriteMode.LOGGED:
                return None
            return f"write to record table {arg1!r} outside the change log: use a service"
        if action in _DROP_TABLE and arg1 in _PROTECTED:
            return f"drop of table {arg1!r}"
        if action == sqlite3.SQLITE_ALTER_TABLE and arg2 in _PROTECTED:
            return f"alter of table {arg2!r}"
        if action in _ON_TABLE and arg2 in _PROTECTED:
            return f"a trigger or index on table {arg2!r} made or dropped outside a migration"
        if action in _NEW_TRIGGER:
            return f"a trigger ({arg1!r}) made outside a migration"
        # The schema table can be edited only with writable_schema (SQLite's own checks; FTS5
        # updates it internally, so it is not refused by name here).
        if action == sqlite3.SQLITE_PRAGMA and arg1 == "writable_schema":
            return "PRAGMA writable_schema"
        return None


GATE_KEY = "write_gate"


def _gate(conn: sa.Connection) -> WriteGate | None:
    if conn.invalidated or conn.closed:
        return None
    return conn.connection.info.get(GATE_KEY)


def set_write_mode(conn: sa.Connection, mode: WriteMode) -> None:
    """Widen or narrow what the connection may write (a connection of an unguarded engine,
    such as the hall store's, has no gate and is left alone)."""
    gate = _gate(conn)
    if gate is not None:
        gate.set_mode(mode)


@contextmanager
def write_mode(conn: sa.Connection, mode: WriteMode) -> Iterator[sa.Connection]:
    """The connection in `mode` for the block, closed again after it whatever happens."""
    set_write_mode(conn, mode)
    try:
        yield conn
    finally:
        set_write_mode(conn, WriteMode.CLOSED)


def migrating(conn: sa.Connection) -> AbstractContextManager[sa.Connection]:
    """Schema work (migrations) and test or benchmark set-up: not record changes."""
    return write_mode(conn, WriteMode.MIGRATING)


def guard_engine(engine: sa.Engine) -> None:
    """Refuse, in SQLite itself, any statement that writes a record table outside a logged
    flush, edits or removes change-log rows, or drops or alters an audited table."""

    @event.listens_for(engine, "connect")
    def _install(dbapi_connection: Any, record: Any) -> None:
        record.info[GATE_KEY] = WriteGate(dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _explain(context: sa.engine.ExceptionContext) -> Exception | None:
        # A flush that fails half-way must not leave the connection open for writes.
        gate = None if context.connection is None else _gate(context.connection)
        if gate is None:
            return None
        if gate.mode is WriteMode.LOGGED:
            gate.set_mode(WriteMode.CLOSED)
        why, gate.refused = gate.refused, None
        if why is not None and "not authorized" in str(context.original_exception):
            return UnloggedWriteError(f"refused by the store: {why}")
        return None

    @event.listens_for(engine, "checkin")
    def _close_on_checkin(dbapi_connection: Any, record: Any) -> None:
        gate = record.info.get(GATE_KEY)
        if gate is not None:
            gate.set_mode(WriteMode.CLOSED)
