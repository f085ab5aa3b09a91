"""A complaint's event as every service writes it: what happened (`kind`), when, by whom, a
note, and its facts as JSON (the replay of deskapp/domain/replay.py reads them back)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from deskapp.domain.actor import Actor
from deskapp.store.models import ComplaintEvent


def complaint_event(
    complaint_id: str,
    kind: str,
    actor: Actor,
    at: datetime,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    *,
    event_id: str | None = None,
) -> ComplaintEvent:
    """`event_id`: an id derived from what the event is (the import's), else a new one."""
    derived = {"id": event_id} if event_id is not None else {}
    return ComplaintEvent(
        **derived,
        complaint_id=complaint_id,
        kind=kind,
        at=at,
        actor_id=actor.id,
        note=note,
        data=json.dumps(dict(data or {}), ensure_ascii=False, default=str),
    )
