"""The shape of a batch of changes, checked before anything of it is written.

A batch crosses a trust boundary twice: a terminal's push into the hall store, and the hall's
pull into a terminal. Either side may be a tampered file or a buggy build, so a batch is
checked whole (types, known tables and columns, sizes, sequence order) and refused whole:
applying half of a batch would leave a replica that no other replica can converge with."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from deskapp.store.models import RECORD_TABLES, SCHEMA_VERSION, UTCDateTime
from deskapp.sync.hall_errors import BatchRefused
from deskapp.sync.hall_rows import HallConflict, HallRow

# A change's field values: the longest free text is a few thousand characters, so this is
# generous; it bounds what a tampered batch can make a terminal parse and store.
MAX_FIELDS_CHARS = 64 * 1024
_STAMP = re.compile(r"\d{15}\.\d{6}\.[0-9A-Za-z-]{1,40}")
Ident = Annotated[str, Field(min_length=1, max_length=40)]
# Each constraint once, for the changes and the conflicts alike:
Stamp = Annotated[str, Field(max_length=64, pattern=_STAMP.pattern)]  # an HLC
AtText = Annotated[str, Field(max_length=40)]  # when, as ISO text with its offset
Values = Annotated[str, Field(max_length=MAX_FIELDS_CHARS)]  # JSON text
Seq = Annotated[int, Field(ge=1)]  # a place in a sequence, from 1
_COLUMNS = {name: frozenset(cls.__table__.c.keys()) for name, cls in RECORD_TABLES.items()}
_TIMES = {
    name: frozenset(c.name for c in cls.__table__.c if isinstance(c.type, UTCDateTime))
    for name, cls in RECORD_TABLES.items()
}


def _moment(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("a time without its UTC offset")
    return value


@with_config(ConfigDict(strict=True, extra="forbid"))
class Change(TypedDict):
    """One change-log row as a terminal pushes it."""

    node_id: Ident
    seq: Seq
    txn_id: Ident
    entity: str
    entity_id: Ident
    root_id: Ident
    op: Literal["insert", "update"]
    fields: Values
    hlc: Stamp
    schema_version: Annotated[int, Field(ge=1)]
    actor_id: Ident
    at: AtText
    seen: Annotated[int, Field(ge=0)]


@with_config(ConfigDict(strict=True, extra="forbid"))
class PulledChange(Change):
    """A change as the hall hands it out: with its place in the hall's sequence."""

    hall_seq: Seq


@with_config(ConfigDict(strict=True, extra="forbid"))
class Conflict(TypedDict):
    id: Ident
    hall_seq: Seq
    entity: str
    entity_id: Ident
    field: Annotated[str, Field(min_length=1, max_length=64)]
    a_value: Values
    a_hlc: Stamp
    a_actor_id: Ident
    a_at: AtText
    b_value: Values
    b_hlc: Stamp
    b_actor_id: Ident
    b_at: AtText


# A whole batch in one call: per row, model_validate and its Python validator were a third
# of a 2,000-change sync (bench/sync.py).
_CHANGES = TypeAdapter(list[Change])
_PULLED = TypeAdapter(list[PulledChange])
_CONFLICTS = TypeAdapter(list[Conflict])


def _shape(adapter: TypeAdapter[list[Any]], items: Iterable[Any]) -> list[Any]:
    """The items as new dicts of exactly the declared keys and types, or BatchRefused."""
    try:
        return adapter.validate_python(list(items))
    except ValidationError as error:
        first = error.errors()[0]
        n, *where = first["loc"]
        raise BatchRefused(f"row {n}: {tuple(where)}: {first['msg']}") from None


def _content(change: Mapping[str, Any]) -> dict[str, Any]:
    """What the shape cannot say: a known table and its columns, plain values, real times,
    the record's own id. Returns the fields parsed. (Runs for every change of every batch:
    set operations and exact types rather than a test per value where it can.)"""
    entity = change["entity"]
    columns = _COLUMNS.get(entity)
    if columns is None:
        raise ValueError(f"unknown table {entity!r}")
    _moment(change["at"])
    values = json.loads(change["fields"])
    if type(values) is not dict:
        raise ValueError("fields is not a JSON object")
    # a newer schema_version is "update this terminal", said later for the whole batch
    if change["schema_version"] <= SCHEMA_VERSION and not columns.issuperset(values):
        raise ValueError(f"unknown columns {sorted(values.keys() - columns)[:5]} of {entity}")
    for name, value in values.items():
        if type(value) in _NESTED:  # json.loads makes exactly these types
            raise ValueError(f"{entity}.{name} is not a plain value")
    for name in _TIMES[entity].intersection(values):
        value = values[name]
        if value is not None:
            if not isinstance(value, str):
                raise ValueError(f"{entity}.{name} is not a time")
            _moment(value)
    if values.get("id", change["entity_id"]) != change["entity_id"]:
        raise ValueError("the record's id differs from the change's entity_id")
    if change["op"] == "insert" and "id" not in values:
        raise ValueError("an insert without the record's id")
    return values


_NESTED = (dict, list)


def _checked(changes: list[Any]) -> list[dict[str, Any]]:
    """Each change's content checked; its fields parsed, in the same order."""
    parsed = []
    for n, change in enumerate(changes):
        try:
            parsed.append(_content(change))
        except (ValueError, TypeError) as error:  # json.loads and fromisoformat included
            raise BatchRefused(f"row {n}: {error}") from None
    return parsed


def _conflicts_checked(conflicts: Iterable[Mapping[str, Any]]) -> None:
    for n, conflict in enumerate(_shape(_CONFLICTS, conflicts)):
        try:
            if conflict["entity"] not in RECORD_TABLES:
                raise ValueError(f"unknown table {conflict['entity']!r}")
            _moment(conflict["a_at"])
            _moment(conflict["b_at"])
        except ValueError as error:
            raise BatchRefused(f"conflict {n}: {error}") from None


def _no_duplicates(changes: Sequence[Mapping[str, Any]]) -> None:
    keys = [(c["node_id"], c["seq"]) for c in changes]
    if len(set(keys)) != len(keys):
        raise BatchRefused("the same (node, seq) twice in one batch")


def check_push(node_id: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A terminal's batch: its own changes, in sequence without a gap. Returns each row's
    fields parsed, in order."""
    changes = _shape(_CHANGES, rows)
    parsed = _checked(changes)
    for change in changes:
        if change["node_id"] != node_id:
            raise BatchRefused(f"a change of node {change['node_id']} pushed by {node_id}")
    for before, after in pairwise(changes):
        if after["seq"] != before["seq"] + 1:
            raise BatchRefused(f"seq {after['seq']} follows {before['seq']}")
    return parsed


def check_rows(rows: Sequence[Any], conflicts: Sequence[HallConflict]) -> list[HallRow]:
    """Rows handed out by record (a new terminal's first pull, a record faulted in), and
    what every batch from the hall must be besides: well formed, each change once. Returns
    them as the merge takes them, their fields parsed once, here."""
    changes = _shape(_PULLED, rows)
    parsed = _checked(changes)
    _no_duplicates(changes)
    _conflicts_checked(c.__dict__ for c in conflicts)
    return [HallRow.checked(c, data) for c, data in zip(changes, parsed, strict=True)]


def check_pull(
    rows: Sequence[Any], conflicts: Sequence[HallConflict], cursor: int, upto: int
) -> list[HallRow]:
    """A pulled batch covering the hall's sequence (cursor, upto]: as check_rows, and in hall
    order, each terminal's changes in its own sequence without a gap (the hall leaves out
    only this terminal's own changes, so a gap in another terminal's run means something was
    lost)."""
    checked = check_rows(rows, conflicts)
    if upto < cursor:
        raise BatchRefused(f"the cursor would move back from {cursor} to {upto}")
    last_hall = cursor
    last_seq: dict[str, int] = {}
    for change in checked:
        hall_seq, node, seq = change.hall_seq, change.node_id, change.seq
        if not last_hall < hall_seq <= upto:
            raise BatchRefused(f"hall sequence {hall_seq} after {last_hall} (to {upto})")
        last_hall = hall_seq
        before = last_seq.get(node)
        if before is not None and seq != before + 1:
            raise BatchRefused(f"node {node}: seq {seq} follows {before}")
        last_seq[node] = seq
    for conflict in conflicts:
        if not cursor < conflict.hall_seq <= upto:
            raise BatchRefused(f"a conflict at hall sequence {conflict.hall_seq} out of range")
    return checked
