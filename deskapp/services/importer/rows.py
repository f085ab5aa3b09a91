"""What an import makes of a file: the checked rows, the problems of the others, the result,
and the record id a row always gets (so importing it again adds nothing)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from deskapp.domain.categories import CausePath
from deskapp.domain.enums import Channel, Satisfaction, Severity, Status
from deskapp.ids import name_uuid

# Fixed forever: changing it would make every earlier import look new.
NAMESPACE = uuid.UUID("6f1c2a5e-3b0d-5e2a-9c41-0d6e8a7b5c33")


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str  # the column's documented header
    message: str  # in words, from the catalogue


@dataclass
class ImportResult:
    path: Path
    encoding: str
    rows: int = 0  # data rows read (blank lines not counted)
    imported: list[tuple[int, str]] = field(default_factory=list)  # (line, ticket number)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why: in words)
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    id: str
    received_at: datetime
    channel: Channel
    customer_name: str
    contact_phone: str
    phone_last4: str
    service_number: str
    content: str
    demand: str
    cause: CausePath  # level 3
    finding: str | None  # level 4 code
    severity: Severity
    severity_reason: str
    hall: str
    status: Status
    closed_at: datetime | None
    outcome: str
    satisfaction: Satisfaction | None
    solved_on_spot: bool
    promised_reply_at: datetime | None
    external_no: str
    source: str
    owner_id: str
    is_batch: bool


def external_key(external_no: str) -> str:
    """An external ticket number as it identifies a ticket: trimmed and upper-cased, so
    `hl-001` and ` HL-001 ` are the ticket HL-001 (docs/import.md). Upper, not casefold: the
    ids of numbers imported before (upper-case ones, the usual) stay what they were."""
    return external_no.strip().upper()


def import_id(source: str, external_no: str, key_fields: tuple[str, ...]) -> str:
    """The record id of a row: the same row always gets the same id (see the docstring)."""
    if external_no.strip():
        key = "\x1f".join(("ticket", source, external_key(external_no)))
    else:
        key = "\x1f".join(("row", *key_fields))
    return name_uuid(NAMESPACE, key)
