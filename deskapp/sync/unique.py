"""Unique values made by terminals apart: merged, never failing a sync (docs/unique-values.md).

Every unique key of a record table other than its id is listed in UNIQUE_RULES (read from the
metadata at import: a new unique key without a rule stops the desk from starting, so it cannot
slip past). A value two records claim is settled the same way on every replica, as a function of
the set of changes the replica holds, whatever order they came in:

* the winner is the claimant whose first change has the smallest stamp (ties: the smaller id),
  so the record made first keeps the value;
* every other claimant stores `<value>~<its id>` (unique because ids are), keeps the value as a
  `collision` alias (record_alias) and gets a conflict record for the duty manager;
* a record made twice with the same id (the same hotline file imported on two terminals) keeps
  the value of its latest stamp like any field; every other value it was given stays its
  `replaced` alias, with a conflict record.

* a record that gives its value up (a case retired, a watch entry retired or moved) makes the
  value settled again from the records still claiming it (`resettle`): the first made holds it,
  the others `<value>~<id>`; the aliases and conflict records of a collision that is no more go.

The renames, aliases and conflict records are derived here, not logged: a function of the
records' changes (which claim what, and when each record was first made), never of the pulls
that brought them, so every replica holding the same changes holds the same, whatever batches
it pulled them in (unique18g)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from deskapp.store.changelog import WriteMode, write_mode
from deskapp.store.models import RECORD_TABLES, ChangeLog, RecordAlias, SyncConflict

Rows = dict[str, dict[str, Any]]  # id -> folded row
Stamps = dict[str, list[tuple[str, dict[str, Any]]]]  # id -> its versions (hlc, fields)

ALIAS_MARK = "~"  # <value>~<record id>: the value a record holds after losing its claim
_CHUNK = 500  # values per IN (...) list
NAMESPACE = uuid.UUID("1d7b0c5e-8f43-5a9e-b2c6-4e0f9a31d725")  # conflict ids made here


@dataclass(frozen=True)
class UniqueRule:
    table: str
    column: str
    todo_key: str  # the catalogue text telling the duty manager what to do


# What the duty manager does about each kind of collision (catalogue keys, zh.toml/en.toml).
_TODO = {
    ("staff", "work_no"): "conflict_todo.work_no",
    ("complaint", "ticket_no"): "conflict_todo.ticket_no",
    ("watch_entry", "active_key"): "conflict_todo.active_key",
    ("teaching_case", "case_key"): "conflict_todo.case_key",
}


def unique_keys(tables: dict[str, Any] = RECORD_TABLES) -> list[tuple[str, tuple[str, ...]]]:
    """Every unique key of the record tables besides the primary key, from the metadata:
    unique columns, unique constraints and unique indexes (table, columns)."""
    keys: set[tuple[str, tuple[str, ...]]] = set()
    for name, model in tables.items():
        table: sa.Table = model.__table__
        for column in table.columns:
            if column.unique and not column.primary_key:
                keys.add((name, (column.name,)))
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                keys.add((name, tuple(c.name for c in constraint.columns)))
        for index in table.indexes:
            if index.unique:
                keys.add((name, tuple(c.name for c in index.columns)))
    return sorted(keys)


def _rules() -> dict[str, list[UniqueRule]]:
    rules: dict[str, list[UniqueRule]] = defaultdict(list)
    for name, columns in unique_keys():
        if len(columns) != 1 or (name, columns[0]) not in _TODO:
            raise RuntimeError(
                f"unique key {name}{columns} has no merge rule: add one to "
                "deskapp/sync/unique.py and docs/unique-values.md"
            )
        rules[name].append(UniqueRule(name, columns[0], _TODO[(name, columns[0])]))
    return dict(rules)


UNIQUE_RULES = _rules()


def is_unique_field(entity: str, field: str) -> bool:
    return any(r.column == field for r in UNIQUE_RULES.get(entity, ()))


def todo_key(entity: str, field: str) -> str | None:
    return next((r.todo_key for r in UNIQUE_RULES.get(entity, ()) if r.column == field), None)


def alias_value(value: str, record_id: str) -> str:
    return f"{value}{ALIAS_MARK}{record_id}"


def claimed(value: str | None) -> str | None:
    """The value a stored one claims (a loser's `<value>~<id>` claims `<value>`)."""
    return None if value is None else value.split(ALIAS_MARK, 1)[0]


Withdrawn = dict[str, set[str]]  # unique column -> values some record of a batch gave up


def settle_unique(
    conn: sa.Connection,
    name: str,
    rows: Rows,
    stamps: Stamps,
    made: dict[str, list[dict[str, Any]]] | None = None,
) -> Withdrawn:
    """Before the merge writes `rows` (id -> folded row, about to be inserted or updated) of
    table `name`: give every claimed unique value to its winner, rename the losers (those
    already stored are renamed here, first, so no write of the merge can fail on the key),
    and record aliases and conflicts. `stamps` holds each row's versions (hlc, fields).
    Returns the values a record of `rows` once claimed and claims no more: the merge settles
    them again once its rows are written (`resettle`). `made`: the fields of each row's inserts;
    a record inserted once is no record made twice, whatever its updates changed (a watch
    entry moved to another number).
    """
    return {rule.column: _settle(conn, rule, rows, stamps, made)
            for rule in UNIQUE_RULES.get(name, ())}  # fmt: skip


def _settle(
    conn: sa.Connection,
    rule: UniqueRule,
    rows: Rows,
    stamps: Stamps,
    made: dict[str, list[dict[str, Any]]] | None,
) -> set[str]:
    table = RECORD_TABLES[rule.table].__table__
    column = table.c[rule.column]
    claims: dict[str, set[str]] = defaultdict(set)
    withdrawn: set[str] = set()
    for entity_id, row in rows.items():
        value = row.get(rule.column)
        history = {f[rule.column] for _, f in stamps[entity_id] if f.get(rule.column) is not None}
        withdrawn |= history - {value}
        if value is None:
            continue
        claims[value].add(entity_id)
        inserted = history if made is None else {
            f[rule.column] for f in made[entity_id] if f.get(rule.column) is not None}  # fmt: skip
        # Made twice: inserts (two terminals) that gave it different values.
        made_twice = inserted if len(inserted) > 1 else set()
        for old in sorted(made_twice - {value}):  # one record made twice: its other values
            _alias(conn, rule, old, entity_id, "replaced")
            _conflict(conn, rule, entity_id, value, old, replaced=True)
    # Who else claims these values: the records holding them, and earlier losers (two reads
    # per chunk of values, whatever the batch's size).
    held: dict[str, set[str]] = defaultdict(set)
    aliased: dict[str, set[str]] = defaultdict(set)  # the earlier losers of each value
    values = sorted(claims)
    for start in range(0, len(values), _CHUNK):
        stored = _stored_claims(conn, rule, values[start : start + _CHUNK])
        for value in stored.values:
            held[value] |= stored.holders[value] | stored.renamed[value]
            aliased[value] |= stored.losers[value]
    for value, mine in claims.items():
        # A record of this batch claims what its folded row says, not what it held before.
        claimants = mine | {o for o in held[value] if o not in rows}
        if len(claimants) == 1:
            winner = next(iter(claimants))
        else:
            first = {i: _first_stamp(conn, rule.table, i, stamps) for i in claimants}
            winner = min(claimants, key=lambda i: (first[i], i))
        if winner in aliased[value]:  # it lost this value once; now it holds it
            _drop_alias(conn, rule, value, winner)
        for holder in sorted(held[value] & rows.keys()):
            # A stored holder this batch makes give the value up (a case retired on another
            # terminal after the key was handed to it): freed first, or the merge's insert of
            # the new claimant (inserts are written before updates) fails on the key.
            if rows[holder].get(rule.column) != value:
                conn.execute(sa.update(table).where(table.c.id == holder, column == value)
                             .values({rule.column: rows[holder].get(rule.column)}))  # fmt: skip
        losers = sorted(claimants - {winner})
        for loser in losers:  # rename stored losers first: then every write below succeeds
            renamed = alias_value(value, loser)
            conn.execute(sa.update(table).where(table.c.id == loser, column == value)
                         .values({rule.column: renamed}))  # fmt: skip
            if loser in rows:
                rows[loser][rule.column] = renamed
            _alias(conn, rule, value, loser, "collision")
            _conflict(conn, rule, loser, value, value, winner=winner)
        if winner not in rows:
            # A stored earlier loser that wins now (the record that beat it gave the value up)
            # takes the value itself, as a replica merging all these changes at once would.
            conn.execute(sa.update(table)
                         .where(table.c.id == winner, column == alias_value(value, winner))
                         .values({rule.column: value}))  # fmt: skip
    return withdrawn


def resettle(conn: sa.Connection, name: str, withdrawn: Withdrawn, stamps: Stamps) -> None:
    """Settle again, from what is stored now, every value a claimant gave up (a case retired,
    a watch entry retired or moved to another number): of the records that still claim it
    (holding `value` or their own `value~id`), the one made first holds `value`, every other
    `value~id`; the aliases and conflict records of a collision that is no more (its claimant
    gave the value up, or holds it now) are removed. So the settlement is a function of the
    records' changes, not of the pulls that brought them: a replica that met the collision
    and saw it dissolve ends as one that never met it (unique18g)."""
    for rule in UNIQUE_RULES.get(name, ()):
        values = sorted(withdrawn.get(rule.column, ()))
        for start in range(0, len(values), _CHUNK):
            _resettle(conn, rule, values[start : start + _CHUNK], stamps)


def settle_withdrawn(conn: sa.Connection, name: str, column: str, values: set[str]) -> None:
    """`resettle` after a local write that gave values up, in its transaction (the renames are
    derived, like the merge's, so not logged)."""
    with write_mode(conn, WriteMode.LOGGED):
        resettle(conn, name, {column: {v for v in values if v is not None}}, {})


def _resettle(conn: sa.Connection, rule: UniqueRule, values: list[str], stamps: Stamps) -> None:
    table = RECORD_TABLES[rule.table].__table__
    stored = _stored_claims(conn, rule, values)
    holders, renamed = stored.holders, stored.renamed
    for value in values:
        claimants = holders[value] | renamed[value]
        losers: set[str] = set()
        if claimants:
            first = {i: _first_stamp(conn, rule.table, i, stamps) for i in claimants}
            winner = min(claimants, key=lambda i: (first[i], i))
            losers = claimants - {winner}
            for loser in sorted(losers & holders[value]):  # the value is free before it moves
                conn.execute(sa.update(table).where(table.c.id == loser)
                             .values({rule.column: alias_value(value, loser)}))  # fmt: skip
            if winner in renamed[value]:
                conn.execute(sa.update(table).where(table.c.id == winner)
                             .values({rule.column: value}))  # fmt: skip
            for loser in sorted(losers):
                _alias(conn, rule, value, loser, "collision")
                _conflict(conn, rule, loser, value, value, winner=winner)
        # What is left of a collision that is no more: derived, so removed (a manager's review
        # of it too: every replica ends with the same conflict records, docs/unique-values.md).
        conn.execute(
            sa.delete(RecordAlias).where(
                col(RecordAlias.entity) == rule.table,
                col(RecordAlias.field) == rule.column,
                col(RecordAlias.value) == value,
                col(RecordAlias.reason) == "collision",
                col(RecordAlias.entity_id).not_in(sorted(losers)),
            )
        )
        text = json.dumps(value, ensure_ascii=False)
        conn.execute(
            sa.delete(SyncConflict).where(
                col(SyncConflict.entity) == rule.table,
                col(SyncConflict.field) == rule.column,
                col(SyncConflict.a_value) == text,
                col(SyncConflict.b_value) == text,
                col(SyncConflict.entity_id).not_in(sorted(losers)),
            )
        )


@dataclass(frozen=True)
class _StoredClaims:
    """Who claims some values in the store, by value."""

    values: list[str]
    holders: dict[str, set[str]]  # holding the value itself
    renamed: dict[str, set[str]]  # earlier losers still holding `value~id`
    losers: dict[str, set[str]]  # every earlier loser (its alias recorded), renamed or not


def _stored_claims(conn: sa.Connection, rule: UniqueRule, values: list[str]) -> _StoredClaims:
    """Two reads: the records holding the values, and the earlier losers of each. An earlier
    loser claims the value only while it holds `<value>~<id>`: one that gave it up since (a
    case or watch entry retired) must not win it back from a later claimant on the replicas
    that saw the retirement (rules18c)."""
    table = RECORD_TABLES[rule.table].__table__
    column = table.c[rule.column]
    stored = _StoredClaims(values, defaultdict(set), defaultdict(set), defaultdict(set))
    for entity_id, value in conn.execute(sa.select(table.c.id, column).where(column.in_(values))):
        stored.holders[value].add(entity_id)
    for entity_id, value, current in conn.execute(
        sa.select(col(RecordAlias.entity_id), col(RecordAlias.value), column)
        .join(table, table.c.id == col(RecordAlias.entity_id))
        .where(
            col(RecordAlias.entity) == rule.table,
            col(RecordAlias.field) == rule.column,
            col(RecordAlias.value).in_(values),
            col(RecordAlias.reason) == "collision",
        )
    ):
        stored.losers[value].add(entity_id)
        if current == alias_value(value, entity_id):
            stored.renamed[value].add(entity_id)
    return stored


def _first_stamp(conn: sa.Connection, name: str, entity_id: str, stamps: Stamps) -> str:
    if entity_id in stamps:
        return min(h for h, _ in stamps[entity_id])
    first: str = (
        conn.execute(
            sa.select(sa.func.min(col(ChangeLog.hlc))).where(
                col(ChangeLog.entity) == name, col(ChangeLog.entity_id) == entity_id
            )
        ).scalar()
        or ""
    )
    return first


def _alias(conn: sa.Connection, rule: UniqueRule, value: str, entity_id: str, reason: str) -> None:
    stmt = sqlite_insert(RecordAlias).values(
        entity=rule.table, field=rule.column, value=value, entity_id=entity_id, reason=reason
    )
    conn.execute(stmt.on_conflict_do_nothing())


def _drop_alias(conn: sa.Connection, rule: UniqueRule, value: str, entity_id: str) -> None:
    conn.execute(
        sa.delete(RecordAlias).where(
            col(RecordAlias.entity) == rule.table,
            col(RecordAlias.field) == rule.column,
            col(RecordAlias.value) == value,
            col(RecordAlias.entity_id) == entity_id,
            col(RecordAlias.reason) == "collision",
        )
    )


def _change_of(
    conn: sa.Connection, name: str, entity_id: str, column: str, value: Any
) -> tuple[str, str, Any]:
    """(hlc, actor, at) of the first change that gave the record this value."""
    for hlc, actor, at, fields in conn.execute(
        sa.select(
            col(ChangeLog.hlc), col(ChangeLog.actor_id), col(ChangeLog.at), col(ChangeLog.fields)
        )
        .where(col(ChangeLog.entity) == name, col(ChangeLog.entity_id) == entity_id)
        .order_by(col(ChangeLog.hlc))
    ):
        if json.loads(fields).get(column) == value:
            return hlc, actor, at
    raise LookupError(f"no change of {name} {entity_id} gave {column}={value!r}")


def _conflict(
    conn: sa.Connection,
    rule: UniqueRule,
    entity_id: str,
    kept: str,
    lost: str,
    *,
    winner: str | None = None,
    replaced: bool = False,
) -> None:
    """A conflict record with an id derived from what it is about: identical on every replica.
    Side a: the record and change that holds the value; side b: the claim that lost it."""
    kind = "replaced" if replaced else "collision"
    key = f"{kind}|{rule.table}|{rule.column}|{lost}|{entity_id}"
    a_hlc, a_actor, a_at = _change_of(conn, rule.table, winner or entity_id, rule.column, kept)
    b_hlc, b_actor, b_at = _change_of(conn, rule.table, entity_id, rule.column, lost)
    stmt = sqlite_insert(SyncConflict).values(
        id=str(uuid.uuid5(NAMESPACE, key)),
        hall_seq=0,
        entity=rule.table,
        entity_id=entity_id,
        field=rule.column,
        a_value=json.dumps(kept, ensure_ascii=False),
        a_hlc=a_hlc,
        a_actor_id=a_actor,
        a_at=a_at,
        b_value=json.dumps(lost, ensure_ascii=False),
        b_hlc=b_hlc,
        b_actor_id=b_actor,
        b_at=b_at,
    )
    # Side a is whoever holds the value now: a record made earlier may arrive later and take
    # it, and every replica must end with the same record, whatever it saw in between.
    a_side = ("a_value", "a_hlc", "a_actor_id", "a_at")
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["id"], set_={k: stmt.excluded[k] for k in a_side}
        )
    )
