"""Form drafts saved as they are typed: a desk killed mid-form offers the draft back."""

from __future__ import annotations

import re

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
