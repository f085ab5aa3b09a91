"""The shape of a batch of changes, checked before anything of it is written.

A batch crosses a trust boundary twice: a terminal's push into the hall store, and the hall's
pull into a terminal. Either side may be a tampered file or a buggy build, so a batch is
checked whole (types, known tables and columns, sizes, sequence order) and refused whole:
applying half of a batch would leave a replica that no other replica can converge with."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from deskapp.store.models import RECORD_TABLES, SCHEMA_VERSION, UTCDateTime
from deskapp.sync.hall import HALL_ROW_FIELDS, HallRow, HallStoreError

# A change's field values: the longest free text is a few thousand characters, so this is
# generous; it bounds what a tampered batch can make a terminal parse and store.
MAX_FIELDS_CHARS = 64 * 1024
_STAMP = re.compile(r"\d{15}\.\d{6}\.[0-9A-Za-z-]{1,40}")
Ident = Annotated[str, Field(min_length=1, max_length=40)]
_COLUMNS = {name: frozenset(cls.__table__.c.keys()) for name, cls in RECORD_TABLES.items()}
_TIMES = {
    name: frozenset(c.name for c in cls.__table__.c if isinstance(c.type, UTCDateTime))
    for name, cls in RECORD_TABLES.items()
}


class BatchRefused(HallStoreError):
    """A malformed or tampered batch; nothing of it was written."""

    def __init__(self, reason: str) -> None:
        super().__init__("sync.error.bad_batch", reason=reason[:300])


def _moment(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("a time without its UTC offset")
    return value


class Change(BaseModel):
    """One change-log row as a terminal pushes it."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    node_id: Ident
    seq: int = Field(ge=1)
    txn_id: Ident
    entity: str
    entity_id: Ident
    root_id: Ident
    op: Literal["insert", "update"]
    fields: str = Field(max_length=MAX_FIELDS_CHARS)
    hlc: str = Field(max_length=64, pattern=_STAMP.pattern)
    schema_version: int = Field(ge=1)
    actor_id: Ident
    at: str = Field(max_length=40)
    seen: int = Field(ge=0)

    @model_validator(mode="after")
    def _content(self) -> Change:
        if self.entity not in RECORD_TABLES:
            raise ValueError(f"unknown table {self.entity!r}")
        _moment(self.at)
        values = json.loads(self.fields)
        if not isinstance(values, dict):
            raise ValueError("fields is not a JSON object")
        if self.schema_version <= SCHEMA_VERSION:  # a newer one is "update this terminal"
            unknown = values.keys() - _COLUMNS[self.entity]
            if unknown:
                raise ValueError(f"unknown columns {sorted(unknown)[:5]} of {self.entity}")
        for name, value in values.items():
            if isinstance(value, dict | list):
                raise ValueError(f"{self.entity}.{name} is not a plain value")
            if value is not None and name in _TIMES[self.entity]:
                if not isinstance(value, str):
                    raise ValueError(f"{self.entity}.{name} is not a time")
                _moment(value)
        if values.get("id", self.entity_id) != self.entity_id:
            raise ValueError("the record's id differs from the change's entity_id")
        if self.op == "insert" and "id" not in values:
            raise ValueError("an insert without the record's id")
        return self


class PulledChange(Change):
    """A change as the hall hands it out: with its place in the hall's sequence."""

    hall_seq: int = Field(ge=1)


class Conflict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    id: Ident
    hall_seq: int = Field(ge=1)
    entity: str
    entity_id: Ident
    field: str = Field(min_length=1, max_length=64)
    a_value: str = Field(max_length=MAX_FIELDS_CHARS)
    a_hlc: str = Field(max_length=64, pattern=_STAMP.pattern)
    a_actor_id: Ident
    a_at: str = Field(max_length=40)
    b_value: str = Field(max_length=MAX_FIELDS_CHARS)
    b_hlc: str = Field(max_length=64, pattern=_STAMP.pattern)
    b_actor_id: Ident
    b_at: str = Field(max_length=40)

    @model_validator(mode="after")
    def _content(self) -> Conflict:
        if self.entity not in RECORD_TABLES:
            raise ValueError(f"unknown table {self.entity!r}")
        _moment(self.a_at)
        _moment(self.b_at)
        return self


def _checked(model: type[BaseModel], items: Iterable[Mapping[str, Any]]) -> list[Any]:
    out = []
    for n, item in enumerate(items):
        try:
            out.append(model.model_validate(dict(item)))
        except (ValidationError, ValueError, TypeError) as error:
            # ValueError covers json.loads and fromisoformat inside the validators
            first = error.errors()[0] if isinstance(error, ValidationError) else None
            detail = f"{first['loc']}: {first['msg']}" if first else str(error)
            raise BatchRefused(f"row {n}: {detail}") from None
    return out


def _no_duplicates(changes: Sequence[Change]) -> None:
    keys = [(c.node_id, c.seq) for c in changes]
    if len(set(keys)) != len(keys):
        raise BatchRefused("the same (node, seq) twice in one batch")


def check_push(node_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """A terminal's batch: its own changes, in sequence without a gap."""
    changes = _checked(Change, rows)
    for change in changes:
        if change.node_id != node_id:
            raise BatchRefused(f"a change of node {change.node_id} pushed by {node_id}")
    for before, after in pairwise(changes):
        if after.seq != before.seq + 1:
            raise BatchRefused(f"seq {after.seq} follows {before.seq}")


def _as_dicts(rows: Iterable[Any], names: Sequence[str]) -> Iterator[dict[str, Any]]:
    """What a row-like object holds under the given names (a missing one stays missing)."""
    for row in rows:
        yield {n: getattr(row, n) for n in names if hasattr(row, n)} | {
            k: v for k, v in vars(row).items() if k not in names and k != "data"
        }


def _hall_rows(changes: Sequence[PulledChange]) -> list[HallRow]:
    """The checked changes as the merge takes them: parsed, not just validated."""
    return [HallRow(**change.model_dump()) for change in changes]


def check_pull(
    rows: Sequence[Any], conflicts: Sequence[Any], cursor: int, upto: int
) -> list[HallRow]:
    """A pulled batch covering the hall's sequence (cursor, upto]: in hall order, each
    terminal's changes in its own sequence without a gap (the hall leaves out only this
    terminal's own changes, so a gap in another terminal's run means something was lost).
    Returns the rows as checked, for the merge."""
    changes = _checked(PulledChange, _as_dicts(rows, HALL_ROW_FIELDS))
    _checked(Conflict, (c.__dict__ for c in conflicts))
    _no_duplicates(changes)
    if upto < cursor:
        raise BatchRefused(f"the cursor would move back from {cursor} to {upto}")
    last_hall = cursor
    last_seq: dict[str, int] = {}
    for change in changes:
        if not last_hall < change.hall_seq <= upto:
            raise BatchRefused(f"hall sequence {change.hall_seq} after {last_hall} (to {upto})")
        last_hall = change.hall_seq
        before = last_seq.get(change.node_id)
        if before is not None and change.seq != before + 1:
            raise BatchRefused(f"node {change.node_id}: seq {change.seq} follows {before}")
        last_seq[change.node_id] = change.seq
    for conflict in conflicts:
        if not cursor < conflict.hall_seq <= upto:
            raise BatchRefused(f"a conflict at hall sequence {conflict.hall_seq} out of range")
    return _hall_rows(changes)


def check_rows(rows: Sequence[Any], conflicts: Sequence[Any]) -> list[HallRow]:
    """Rows handed out by record (a new terminal's first pull): shape only, no run order."""
    changes = _checked(PulledChange, _as_dicts(rows, HALL_ROW_FIELDS))
    _no_duplicates(changes)
    _checked(Conflict, (c.__dict__ for c in conflicts))
    return _hall_rows(changes)
