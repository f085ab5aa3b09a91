"""Settling a synchronization conflict (the duty manager, on the shift log screen), and the
review lists the screen shows beside it (read in deskapp/sync/conflicts.py).

Settling writes the chosen value through an ordinary logged unit of work, so it reaches every
replica as a normal change with a fresh stamp (it wins last-writer-wins everywhere). On a
complaint it also appends a `conflict_settled` event, which carries the settlement itself to
the other replicas (they mark their copy of the conflict settled when they merge it)."""

from __future__ import annotations

import json

from deskapp.domain.actor import Actor
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import Permission
from deskapp.services.audit import enforce
from deskapp.services.deadlines import refresh_clocks
from deskapp.services.desk import Desk
from deskapp.store.models import RECORD_TABLES, Complaint, ComplaintEvent, SyncConflict
from deskapp.sync.conflicts import (
    Choice,
    ConflictView,
    QuarantineView,
    Side,
    list_conflicts,
    list_quarantined,
)
from deskapp.sync.merge import SETTLED_EVENT, legal_state_value, to_column
from deskapp.sync.unique import is_unique_field

__all__ = [
    "Choice",
    "ConflictView",
    "QuarantineView",
    "Side",
    "list_conflicts",
    "list_quarantined",
    "settle_conflict",
]


def settle_conflict(desk: Desk, actor: Actor, conflict_id: str, choice: str) -> ConflictView:
    """Keep side a or side b: written as a normal, logged change by `actor` (a manager)."""
    enforce(desk, actor, Permission.SETTLE_CONFLICT, "conflict",
            key="error.sync.settle_manager", subject=conflict_id)  # fmt: skip
    try:
        chosen = Choice(choice)
    except ValueError:
        raise RuleViolation.single("choice", "error.required") from None
    with desk.write(actor.id) as session:
        conflict = session.get(SyncConflict, conflict_id)
        if conflict is None:
            raise RuleViolation.single("conflict", "error.sync.conflict_unknown")
        if conflict.settled_at is not None:
            raise RuleViolation.single("conflict", "error.sync.conflict_settled")
        model = RECORD_TABLES.get(conflict.entity)
        record = session.get(model, conflict.entity_id) if model else None
        if model is None or record is None:
            raise RuleViolation.single("conflict", "error.sync.record_missing")
        text = conflict.a_value if chosen is Choice.A else conflict.b_value
        value = to_column(model.__table__, conflict.field, json.loads(text))
        current = getattr(record, conflict.field)
        if not is_unique_field(conflict.entity, conflict.field) and not legal_state_value(
            conflict.entity, conflict.field, current, value
        ):
            raise RuleViolation.single("choice", "error.sync.illegal_state", value=str(value))
        now = desk.clock.now()
        # A unique value two records claimed is settled by the merge (sync/unique.py): the
        # manager's part is the review, recorded here; the value itself stays as merged.
        if current != value and not is_unique_field(conflict.entity, conflict.field):
            setattr(record, conflict.field, value)
        if isinstance(record, Complaint):
            record.updated_at = now
            session.add(
                ComplaintEvent(
                    complaint_id=record.id,
                    kind=SETTLED_EVENT,
                    at=now,
                    actor_id=actor.id,
                    note="",
                    data=json.dumps(
                        {
                            "conflict_id": conflict.id,
                            "field": conflict.field,
                            "choice": chosen.value,
                            "value": json.loads(text),
                        },
                        ensure_ascii=False,
                    ),
                )
            )
            refresh_clocks(session, desk, record)
        conflict.settled_at = now
        conflict.settled_by = actor.id
        conflict.settled_value = text
    (view,) = [v for v in list_conflicts(desk, include_settled=True) if v.id == conflict_id]
    return view
