"""Form drafts saved as they are typed: a desk killed mid-form offers the draft back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from deskapp.services.desk import Desk
from deskapp.store.failures import store_failures
from deskapp.store.models import Draft

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def save_draft(desk: Desk, staff_id: str, form: str, data: str) -> None:
    """`data` is JSON. A lone surrogate typed or pasted (a broken paste the form then refuses
    at its field) cannot be written as UTF-8: it is kept as a JSON escape, which json reads
    back as the same character, so the draft still holds exactly what is on screen."""
    data = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", data)
    with store_failures(), desk.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        session.merge(Draft(staff_id=staff_id, form=form, data=data, updated_at=desk.clock.now()))
        session.commit()


def load_draft(desk: Desk, staff_id: str, form: str) -> Draft | None:
    with desk.read() as session:
        return session.get(Draft, (staff_id, form))


def discard_draft(desk: Desk, staff_id: str, form: str) -> None:
    with store_failures(), desk.sessions() as session:
        # Take the write lock first: a read-then-delete would fail on a write landing between.
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        draft = session.get(Draft, (staff_id, form))
        if draft is not None:
            session.delete(draft)
            session.commit()


# 当事人回避: a form the accused handler leaves for whichever colleague signs in next at this
# terminal. It is kept under this pseudo staff id, with who handed it over and when, until a
# colleague saves it as a ticket (or discards it after being asked twice).
HANDOFF_STAFF = "handoff"
_HANDED_BY = "handed_off_by"  # key beside the form's own fields in the draft's JSON


@dataclass(frozen=True)
class HandOff:
    """A form handed to a colleague under 当事人回避, as the colleague is shown it."""

    data: str  # the form's JSON, as the form wrote it
    by_id: str
    by_work_no: str
    by_name: str
    at: datetime


def hand_off_json(data: str, by_id: str, by_work_no: str, by_name: str) -> str:
    """A form's JSON object with who handed it over beside its fields (the form ignores them)."""
    fields = json.loads(data)
    fields[_HANDED_BY] = {"id": by_id, "work_no": by_work_no, "name": by_name}
    return json.dumps(fields, ensure_ascii=False)


def load_hand_off(desk: Desk, form: str) -> HandOff | None:
    draft = load_draft(desk, HANDOFF_STAFF, form)
    if draft is None:
        return None
    fields = json.loads(draft.data)
    # A hand-off written before the desk recorded its author still reaches the colleague.
    by = fields.pop(_HANDED_BY, None) or {"id": "", "work_no": "", "name": ""}
    return HandOff(
        data=json.dumps(fields, ensure_ascii=False),
        by_id=str(by.get("id", "")),
        by_work_no=str(by.get("work_no", "")),
        by_name=str(by.get("name", "")),
        at=draft.updated_at,
    )
