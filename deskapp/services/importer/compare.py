"""A row whose record is already there (in the store, or earlier in the same file) must say
the same as it did: each column that differs is reported, not applied and not skipped silently."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from deskapp.services.importer.columns import BY_FIELD
from deskapp.services.importer.rows import ParsedRow
from deskapp.store.models import Complaint, ComplaintEvent

# must agree on all of these, or each column that differs is reported (a later export with
# another status or outcome is not applied, and not skipped in silence either).
# These the desk never changes afterwards: compared with the stored complaint.
_FIXED = ("received_at", "channel", "customer_name", "contact_phone", "service_number",
          "content", "demand")  # fmt: skip
# These the desk may change since (a severity, a closing, a visit): compared with what the
# import recorded in the ticket's `registered` event (the keys it is stored under there).
_AS_IMPORTED = {"severity": "severity", "status": "imported_status",
                "closed_at": "imported_closed_at", "outcome": "imported_outcome",
                "satisfaction": "imported_satisfaction"}  # fmt: skip
_COMPARED = (*_FIXED, *_AS_IMPORTED)
_UNKNOWN = object()  # not recorded by an import made before this comparison: not compared


def _as_imported(session: sa.orm.Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored tickets among `ids`, as their import said them (ticket_no and _COMPARED)."""
    found: dict[str, dict[str, Any]] = {}
    for c in session.execute(
        sa.select(col(Complaint.id), col(Complaint.ticket_no),
                  *(col(getattr(Complaint, n)) for n in _FIXED))
        .where(col(Complaint.id).in_(ids))
    ):  # fmt: skip
        found[c.id] = {"ticket_no": c.ticket_no, **{n: getattr(c, n) for n in _FIXED}}
        found[c.id].update(dict.fromkeys(_AS_IMPORTED, _UNKNOWN))
    for complaint_id, data in session.execute(
        sa.select(col(ComplaintEvent.complaint_id), col(ComplaintEvent.data)).where(
            col(ComplaintEvent.complaint_id).in_(list(found)),
            col(ComplaintEvent.kind) == "registered")
    ):  # fmt: skip
        said = json.loads(data or "{}")
        for name, key in _AS_IMPORTED.items():
            if key in said:
                value = said[key]
                if name == "closed_at" and value:
                    value = datetime.fromisoformat(value)
                found[complaint_id][name] = value
    return found


def _value(row: Any, name: str) -> Any:
    value = row[name] if isinstance(row, dict) else getattr(row, name)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def _differences(earlier: Any, row: ParsedRow) -> list[str]:
    """The documented headers of the columns in which `row` differs from `earlier` (a parsed
    row of the same file, or a stored ticket as imported: `_as_imported`)."""
    return [BY_FIELD[name].header for name in _COMPARED
            if _value(earlier, name) is not _UNKNOWN
            and _value(earlier, name) != _value(row, name)]  # fmt: skip
