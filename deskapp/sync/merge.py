"""Applying pulled changes to this terminal's store: the merge.

The local change log holds every change applied here, this terminal's own and the pulled
ones (stored as they came: they are the audit trail, and (node_id, seq) makes storing them
idempotent). A record's row is a pure function of the set of its change rows:

* each field takes the value of the change with the greatest HLC stamp that wrote it
  (last-writer-wins per field; stamps are totally ordered, ties broken by node id);
* a state field (complaint.status, shift.status) is folded over its changes in stamp order
  and only takes a value that is a legal move from the value before it, so the merged status
  always moves along its state machine; complaint.escalation_level only goes up, so it merges
  as the highest level any terminal reached;
* inserts of append-only rows are a set union (a UUIDv7 key never collides).

Because it is a function of the set, every replica that holds the same changes holds the same
rows, whatever order they arrived in. Pulled rows are written with the connection's write gate open
(WriteMode.LOGGED): they are already in the log, so no new local change rows are made.

The complaint's clock columns (next_due_at, ...) are derived, not merged: after a merge they
are recomputed from the merged fields and events by domain.ticket_facts (derived_columns), as
the service that writes an action does, so they agree on every replica too."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col

from deskapp.domain.enums import Status
from deskapp.domain.phone import number_case
from deskapp.domain.status import TRANSITIONS
from deskapp.domain.ticket_facts import DERIVED_COLUMNS, derived_columns, ticket_facts
from deskapp.store.bulk import converters, insert_dicts, insert_tuples
from deskapp.store.changelog import WriteMode, write_mode
from deskapp.store.models import (
    RECORD_TABLES,
    ChangeLog,
    Complaint,
    ComplaintEvent,
    SyncConflict,
    UTCDateTime,
)
from deskapp.sync.hall_rows import CHUNK, HallConflict, HallRow
from deskapp.sync.unique import UNIQUE_RULES, Stamps, Withdrawn, resettle, settle_unique

SETTLED_EVENT = "conflict_settled"  # a complaint event: a person settled a conflict
# Numbers stored in one letter case (domain/phone.number_case), also when a change made before
# that rule says otherwise. Not watch_entry.active_key: a unique value, settled as its changes
# say (the watch-list queries compare it in one case instead).
NUMBER_FIELDS = {"complaint": ("service_number",), "watch_entry": ("customer_key",)}


def _complaint_move(before: Any, after: Any) -> bool:
    try:
        a, b = Status(before), Status(after)
    except ValueError:
        return True  # a value this version does not know: plain last-writer-wins
    return a is b or any(TRANSITIONS.get((a, m)) is b for (s, m) in TRANSITIONS if s is a)


_SHIFT_ORDER = ("open", "handed_over", "acknowledged", "filed")


def _shift_move(before: Any, after: Any) -> bool:
    if before not in _SHIFT_ORDER or after not in _SHIFT_ORDER:
        return True
    return _SHIFT_ORDER.index(after) >= _SHIFT_ORDER.index(before)


def _never_down(before: Any, after: Any) -> bool:
    """逐级上报 only goes up: a level merged from another terminal never lowers it, so the
    merged level is the highest any terminal reached (its `escalated` events are all kept)."""
    if not isinstance(before, int) or not isinstance(after, int):
        return True
    return after >= before


STATE_FIELDS = {
    ("complaint", "status"): _complaint_move,
    ("complaint", "escalation_level"): _never_down,
    ("shift", "status"): _shift_move,
}
# Derived from the merged record and recomputed after a merge (domain/ticket_facts.py).
DERIVED = {"complaint": frozenset(DERIVED_COLUMNS)}
# Tables in foreign-key order (staff before complaint before its events ...).
_TABLE_ORDER = [t.name for t in SQLModel.metadata.sorted_tables if t.name in RECORD_TABLES]


def legal_state_value(entity: str, name: str, before: Any, after: Any) -> bool:
    check = STATE_FIELDS.get((entity, name))
    return check is None or check(before, after)


@dataclass
class Version:
    hlc: str
    fields: dict[str, Any]
    op: str = "update"  # "insert": the record made (a record made twice has two)


def fold(entity: str, versions: Iterable[Version]) -> dict[str, Any]:
    """The row as the set of its changes gives it (module docstring)."""
    values: dict[str, Any] = {}
    derived = DERIVED.get(entity, frozenset())
    for version in sorted(versions, key=lambda v: v.hlc):
        for name, value in version.fields.items():
            if name in derived:
                continue
            if name in values and not legal_state_value(entity, name, values[name], value):
                continue
            values[name] = value
    return values


def to_column(table: sa.Table, name: str, value: Any) -> Any:
    if value is not None and isinstance(table.c[name].type, UTCDateTime):
        return datetime.fromisoformat(value)
    return value


def _datetime_columns(table: sa.Table) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if isinstance(c.type, UTCDateTime))


_DATETIME_COLUMNS = {name: _datetime_columns(m.__table__) for name, m in RECORD_TABLES.items()}


def _with_datetimes(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row's ISO times as datetimes (to_column for a whole row), for SQLAlchemy's UPDATE."""
    dates = _DATETIME_COLUMNS[table.name]
    return {k: datetime.fromisoformat(v) if v is not None and k in dates else v
            for k, v in row.items()}  # fmt: skip


@contextmanager
def applying(conn: sa.Connection) -> Iterator[sa.Connection]:
    """Open the store's write gate for a deliberate, already-logged apply."""
    with write_mode(conn, WriteMode.LOGGED):
        yield conn


@dataclass
class Applied:
    stored: int = 0  # new change-log rows
    entities: int = 0  # records written
    complaints: set[str] = field(default_factory=set)


def store_conflicts(conn: sa.Connection, conflicts: Iterable[HallConflict]) -> int:
    rows = [
        {
            **c.__dict__,
            "a_at": datetime.fromisoformat(c.a_at),
            "b_at": datetime.fromisoformat(c.b_at),
        }
        for c in conflicts
    ]
    if not rows:
        return 0
    from sqlalchemy.dialects.sqlite import insert

    result = conn.execute(insert(SyncConflict).on_conflict_do_nothing(), rows)
    return max(result.rowcount, 0)


def apply_rows(conn: sa.Connection, desk: Any, rows: list[HallRow]) -> Applied:
    """Store the rows in the change log and rebuild every record they touch (one caller
    transaction; the connection must be inside `applying`)."""
    applied = Applied()
    if not rows:
        return applied
    log = ChangeLog.__table__
    (stored_at,) = converters(conn, log, ["at"], iso_times=True)
    assert stored_at is not None  # `at` is a UTC date-time column: always converted
    applied.stored = insert_tuples(
        conn,
        log,
        _LOGGED,
        [(r.node_id, r.seq, r.txn_id, r.entity, r.entity_id, r.op, r.fields, r.hlc,
          r.schema_version, r.actor_id, stored_at(r.at)) for r in rows],
        or_ignore=True,
    )  # fmt: skip
    if applied.stored < len(rows):
        _same_as_stored(conn, rows)
    # entity -> id -> its versions in this batch (dicts keep the pulled order)
    touched: dict[str, dict[str, list[Version]]] = defaultdict(dict)
    for r in rows:
        touched[r.entity].setdefault(r.entity_id, []).append(Version(r.hlc, r.data, r.op))
    for name in touched.keys() - set(_TABLE_ORDER):
        raise ValueError(f"a change of unknown table {name!r}: this terminal must be updated")
    settled: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for name in _TABLE_ORDER:
        if name in touched:
            _rebuild(conn, name, touched[name], applied, settled)
    for data, event in settled:
        conn.execute(
            sa.update(SyncConflict)
            .where(
                col(SyncConflict.id) == data.get("conflict_id"),
                col(SyncConflict.settled_at).is_(None),
            )
            .values(
                settled_at=datetime.fromisoformat(event["at"]),
                settled_by=event["actor_id"],
                settled_value=json.dumps(data.get("value"), ensure_ascii=False, sort_keys=True),
            )
        )
    refresh_derived(conn, desk, applied.complaints)
    return applied


_LOGGED = ("node_id", "seq", "txn_id", "entity", "entity_id", "op", "fields", "hlc",
           "schema_version", "actor_id", "at")  # fmt: skip
_IDENTITY = ("txn_id", "entity", "entity_id", "op", "fields", "hlc")


def _same_as_stored(conn: sa.Connection, rows: list[HallRow]) -> None:
    """A (node, seq) already stored must come again exactly as it was: a second, different
    change under the same key is tampering, and the whole batch is refused (rolled back)."""
    from deskapp.sync.hall_errors import BatchRefused

    table = ChangeLog.__table__
    by_key = {(r.node_id, r.seq): r for r in rows}
    keys = list(by_key)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        for stored in conn.execute(
            sa.select(table.c.node_id, table.c.seq, *(table.c[k] for k in _IDENTITY)).where(
                sa.tuple_(table.c.node_id, table.c.seq).in_(chunk)
            )
        ):
            row = by_key[(stored.node_id, stored.seq)]
            if any(getattr(stored, k) != getattr(row, k) for k in _IDENTITY):
                raise BatchRefused(f"({row.node_id}, {row.seq}) differs from the stored change")


def _rebuild(
    conn: sa.Connection,
    name: str,
    batch: dict[str, list[Version]],
    applied: Applied,
    settled: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    table = RECORD_TABLES[name].__table__
    ids = list(batch)
    existing: set[str] = set()
    for chunk in _chunks(ids):
        existing.update(conn.execute(sa.select(table.c.id).where(table.c.id.in_(chunk))).scalars())
    # A record not here yet has no other change stored here than this batch's (every stored
    # change is applied in the transaction that stores it); one that is here may have many.
    history: dict[str, list[Version]] = {i: v for i, v in batch.items() if i not in existing}
    known = sorted(existing)
    for chunk in _chunks(known):
        for hlc, fields_json, entity_id, op in conn.execute(
            sa.select(col(ChangeLog.hlc), col(ChangeLog.fields), col(ChangeLog.entity_id),
                      col(ChangeLog.op))
            .where(col(ChangeLog.entity) == name, col(ChangeLog.entity_id).in_(chunk))
        ):  # fmt: skip
            history.setdefault(entity_id, []).append(Version(hlc, json.loads(fields_json), op))
    inserts: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    columns = table.c
    folded = {entity_id: fold(name, history[entity_id]) for entity_id in ids}
    rows_of = {i: {k: v for k, v in values.items() if k in columns}  # times still ISO text
               for i, values in folded.items()}  # fmt: skip
    for field_name in NUMBER_FIELDS.get(name, ()):  # changes made before numbers had one case
        for row in rows_of.values():
            if isinstance(row.get(field_name), str):
                row[field_name] = number_case(row[field_name])
    stamps: Stamps = {}
    withdrawn: Withdrawn = {}
    if name in UNIQUE_RULES:  # a value two records claim: settled before anything is written
        stamps = {i: [(v.hlc, v.fields) for v in history[i]] for i in ids}
        made = {i: [v.fields for v in history[i] if v.op == "insert"] for i in ids}
        withdrawn = settle_unique(conn, name, rows_of, stamps, made)
    for entity_id in ids:
        values, row = folded[entity_id], rows_of[entity_id]
        if entity_id in existing:
            row.pop("id", None)
            if row:
                updates[tuple(sorted(row))].append({"_id": entity_id,
                                                    **_with_datetimes(table, row)})  # fmt: skip
        else:
            inserts[tuple(sorted(row))].append(row)
        if name == "complaint":
            applied.complaints.add(entity_id)
        elif values.get("complaint_id"):  # None: an opinion-book entry not made a complaint
            applied.complaints.add(values["complaint_id"])
        if name == "complaint_event" and values.get("kind") == SETTLED_EVENT:
            settled.append((json.loads(values.get("data") or "{}"), values))
    # Inserts keep their pulled order within a table (a repeat points at an earlier ticket).
    order = {entity_id: n for n, entity_id in enumerate(ids)}
    for rows in inserts.values():
        rows.sort(key=lambda r: order[r["id"]])
    for rows in sorted(inserts.values(), key=lambda rows: order[rows[0]["id"]]):
        applied.entities += insert_dicts(conn, table, rows, iso_times=True)
    for keys, rows in updates.items():
        stmt = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("_id"))
            .values({k: sa.bindparam(k) for k in keys})
        )
        conn.execute(stmt, rows)
        applied.entities += len(rows)
    if any(withdrawn.values()):  # values given up: settled again from what is stored now
        resettle(conn, name, withdrawn, stamps)


def refresh_derived(conn: sa.Connection, desk: Any, complaint_ids: Iterable[str]) -> None:
    """Recompute the clock columns of merged complaints (read through a session that never
    flushes; written with Core on the applying connection)."""
    ids = sorted(complaint_ids)
    if not ids:
        return
    # Plain rows, not ORM objects: the clocks only read attributes, and this is the hot path.
    table, events_table = Complaint.__table__, ComplaintEvent.__table__
    calendar = desk.refdata.work_calendar_for(desk.tz)
    for chunk in _chunks(ids):
        events: dict[str, list[Any]] = defaultdict(list)
        for event in conn.execute(
            sa.select(events_table)
            .where(events_table.c.complaint_id.in_(chunk))
            .order_by(events_table.c.at, events_table.c.id)  # as services.deadlines.events_of
        ):
            events[event.complaint_id].append(event)
        changed = []
        for complaint in conn.execute(sa.select(table).where(table.c.id.in_(chunk))):
            facts = ticket_facts(complaint, events[complaint.id])
            values, _ = derived_columns(facts, calendar, desk.refdata.time_limits)
            if any(getattr(complaint, k) != v for k, v in values.items()):
                changed.append({"_id": complaint.id, **values})
        if changed:
            conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("_id"))
                .values({k: sa.bindparam(k) for k in DERIVED["complaint"]}),
                changed,
            )


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
