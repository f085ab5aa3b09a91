"""The values the hall store hands out and takes: its rows, conflicts, handshake and pulled
batches, and the record root a change belongs to."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, TypeVar

T = TypeVar("T")

CHUNK = 500  # ids per IN (...) list

# The root of a row: the record it belongs to (bootstrap and fault-in fetch whole roots).
ROOT_FIELD = {
    "complaint_event": "complaint_id",
    "refund": "complaint_id",
    "handover_item": "shift_id",
    "shift_event": "shift_id",
    "watch_event": "entry_id",
    "teaching_case": "complaint_id",
}
ROOT_ENTITY = {"complaint_id": "complaint", "shift_id": "shift", "entry_id": "watch_entry"}


def iso(value: datetime) -> str:
    """UTC, always with microseconds: these strings are compared as strings."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class HallRow:
    """One change as the hall holds it (and as a pull hands it out)."""

    hall_seq: int
    node_id: str
    seq: int
    txn_id: str
    entity: str
    entity_id: str
    root_id: str
    op: str
    fields: str  # JSON
    hlc: str
    schema_version: int
    actor_id: str
    at: str
    seen: int

    @cached_property
    def data(self) -> dict[str, Any]:
        """`fields` parsed, once: the pull path reads them in several places."""
        data: dict[str, Any] = json.loads(self.fields)
        return data

    def to_json(self) -> str:
        return json.dumps({f: getattr(self, f) for f in HALL_ROW_FIELDS}, ensure_ascii=False)

    @classmethod
    def checked(cls, change: dict[str, Any], data: dict[str, Any]) -> HallRow:
        """A row of a batch sync/validate.py has checked (`change` holds exactly the fields
        above), with its fields as the check parsed them. Made without the frozen dataclass's
        setattr per field: a pull makes thousands."""
        row = object.__new__(cls)
        vars(row).update(change, data=data)
        return row

    @classmethod
    def from_json(cls, text: str) -> HallRow:
        return cls(**json.loads(text))


HALL_ROW_FIELDS = tuple(f.name for f in fields(HallRow))
# What a terminal pushes of a row besides its node id; the hall adds the sequence number.
PUSHED_KEYS = tuple(f for f in HALL_ROW_FIELDS if f not in ("hall_seq", "node_id"))
STORED_KEYS = ("hall_seq", "node_id", *PUSHED_KEYS)


@dataclass(frozen=True)
class HallConflict:
    id: str
    hall_seq: int
    entity: str
    entity_id: str
    field: str
    a_value: str
    a_hlc: str
    a_actor_id: str
    a_at: str
    b_value: str
    b_hlc: str
    b_actor_id: str
    b_at: str


@dataclass(frozen=True)
class Handshake:
    hall_id: str
    high_water: int  # this terminal's changes the hall already has: 1..high_water
    max_record_schema: int
    must_update: bool
    now: datetime  # the hall's clock: the reference a terminal checks remote stamps against


@dataclass(frozen=True)
class Pulled:
    """A batch as the hall store hands it out: plain rows, not yet checked (check_pull
    makes HallRows of them, or refuses the batch)."""

    rows: list[dict[str, Any]]
    conflicts: list[HallConflict]
    last_seq: int  # the cursor after this batch
    more: bool = True  # False: the batch reached what the hall held when it was read


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size` (an IN (...) list each)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def root_of(entity: str, entity_id: str, fields: dict[str, Any]) -> str:
    column = ROOT_FIELD.get(entity)
    return str(fields.get(column) or entity_id) if column else entity_id
