"""A complaint's event as every service writes it: what happened (`kind`), when, by whom, a
note, and its facts as JSON (the replay of deskapp/domain/replay.py reads them back)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from deskapp.domain.actor import Actor
from deskapp.store.models import ComplaintEvent

# One encoder for every event's data: json.dumps with options builds a new one per call (a large
# import writes two events a row, issue 22); the text is json.dumps(..., ensure_ascii=False,
# default=str)'s.
_DATA_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def complaint_event(
    complaint_id: str,
    kind: str,
    actor: Actor,
    at: datetime,
    note: str = "",
    data: Mapping[str, Any] | None = None,
) -> ComplaintEvent:
    """A new event (its id made by the object)."""
    return ComplaintEvent(**complaint_event_row(None, complaint_id, kind, actor, at, note, data))


def complaint_event_row(
    event_id: str | None,
    complaint_id: str,
    kind: str,
    actor: Actor,
    at: datetime,
    note: str,
    data: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The event's columns (without `id` unless `event_id` is given: the object makes one),
    for the import's rows written without objects (store/changelog.py `logged_inserts`)."""
    row: dict[str, Any] = {} if event_id is None else {"id": event_id}
    row.update(
        complaint_id=complaint_id,
        kind=kind,
        at=at,
        actor_id=actor.id,
        note=note,
        data=_DATA_JSON.encode(dict(data or {})),
    )
    return row
