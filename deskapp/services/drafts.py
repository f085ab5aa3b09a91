"""Form drafts saved as they are typed: a desk killed mid-form offers the draft back."""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import or_
from sqlalchemy.orm import Session
from sqlmodel import col, select

from deskapp.domain.errors import RuleViolation
from deskapp.domain.timefmt import format_local
from deskapp.services.desk import Actor, Desk
from deskapp.store.failures import store_failures
from deskapp.store.models import Complaint, Draft

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _writing(wait_ms: int | None) -> dict[str, object]:
    """The execution options of a draft's write: the write lock up front, waited for as long
    as every write waits, or `wait_ms` at most (the drafts written as the desk quits)."""
    if wait_ms is None:
        return {"sqlite_begin": "IMMEDIATE"}
    return {"sqlite_begin": "IMMEDIATE", "sqlite_wait_ms": wait_ms}


def save_draft(desk: Desk, staff_id: str, form: str, data: str, *,
               wait_ms: int | None = None) -> None:  # fmt: skip
    """`data` is JSON. A lone surrogate typed or pasted (a broken paste the form then refuses
    at its field) cannot be written as UTF-8: it is kept as a JSON escape, which json reads
    back as the same character, so the draft still holds exactly what is on screen.
    `wait_ms`: another process's write lock is waited for that long at most (then
    StoreUnavailable "busy", nothing written)."""
    data = _escape(data)
    with store_failures(), desk.sessions() as session:
        session.connection(execution_options=_writing(wait_ms))
        session.merge(Draft(staff_id=staff_id, form=form, data=data, updated_at=desk.clock.now()))
        session.commit()


def load_draft(desk: Desk, staff_id: str, form: str) -> Draft | None:
    with desk.read() as session:
        return session.get(Draft, (staff_id, form))


def draft_holds(desk: Desk, staff_id: str, form: str, data: str) -> bool:
    """Whether the store's draft is exactly `data` already (read without the write lock: a
    desk quitting while another process holds the store need not write it again)."""
    draft = load_draft(desk, staff_id, form)
    return draft is not None and draft.data == _escape(data)


def discard_draft(desk: Desk, staff_id: str, form: str) -> None:
    with store_failures(), desk.sessions() as session:
        # Take the write lock first: a read-then-delete would fail on a write landing between.
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        draft = session.get(Draft, (staff_id, form))
        if draft is not None:
            session.delete(draft)
            session.commit()


# 当事人回避: a form the accused handler leaves for a colleague at this terminal. Each hand-off
# is its own draft row, under the pseudo staff id "handoff:<token>" (several can wait at once:
# a second Ctrl+T never overwrites the first), with who handed it over and when beside the
# form's fields, until a colleague saves it as a ticket (or discards it after being asked twice).
# A colleague who takes it claims it (who, and which desk), so a second desk on the same store
# is told in words that it is taken; the claim of a desk that has ended is void.
HANDOFF_STAFF = "handoff"  # the one slot of desks before several could wait (still read)
_HANDOFF_PREFIX = "handoff:"
_HANDED_BY = "handed_off_by"  # keys beside the form's own fields in the draft's JSON
_HANDED_AT = "handed_off_at"
_TAKEN_BY = "handoff_taken_by"


@dataclass(frozen=True)
class HandOff:
    """A form handed to a colleague under 当事人回避, as the colleague is shown it."""

    key: str  # the draft row's pseudo staff id
    data: str  # the form's JSON, as the form wrote it
    by_id: str
    by_work_no: str
    by_name: str
    at: datetime  # when it was handed over
    taken_by: dict[str, str] | None = None  # the colleague working on it now, if any

    @property
    def accused_staff_id(self) -> str:
        return str(json.loads(self.data).get("accused_staff_id", ""))

    def excludes(self, staff_id: str) -> bool:
        """The one complained about, and the one who handed it over, never take it."""
        return staff_id in (self.accused_staff_id, self.by_id)


def is_hand_off_key(staff_id: str) -> bool:
    return staff_id == HANDOFF_STAFF or staff_id.startswith(_HANDOFF_PREFIX)


def desk_holder(token: str) -> str:
    """The claim of one desk (this process, one screen of it) on a taken hand-off."""
    return f"{os.getpid()}:{token}"


def _holder_alive(holder: str) -> bool:
    """A claim is void once the desk that made it has ended (the store is on this machine:
    SQLite is never opened over a network filesystem). Where the system does not list its
    processes under /proc, a claim holds until its desk gives it back (or its taker signs in
    again and takes it)."""
    pid_text, _, _ = holder.partition(":")
    if not pid_text.isdigit():
        return False
    if int(pid_text) == os.getpid():
        return True
    processes = Path("/proc")
    if not (processes / "self").exists():
        return True
    return (processes / pid_text).exists()


def _read(draft: Draft) -> HandOff:
    fields = json.loads(draft.data)
    # A hand-off written before the desk recorded its author still reaches the colleague.
    by = fields.pop(_HANDED_BY, None) or {"id": "", "work_no": "", "name": ""}
    at_text = fields.pop(_HANDED_AT, None)
    taken = fields.pop(_TAKEN_BY, None)
    at = datetime.fromisoformat(at_text) if at_text else draft.updated_at
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return HandOff(
        key=draft.staff_id,
        data=json.dumps(fields, ensure_ascii=False),
        by_id=str(by.get("id", "")),
        by_work_no=str(by.get("work_no", "")),
        by_name=str(by.get("name", "")),
        at=at,
        taken_by=taken if isinstance(taken, dict) else None,
    )


def _write(hand_off: HandOff, data: str, taken_by: dict[str, str] | None) -> str:
    fields = json.loads(data)
    fields[_HANDED_BY] = {"id": hand_off.by_id, "work_no": hand_off.by_work_no,
                          "name": hand_off.by_name}  # fmt: skip
    fields[_HANDED_AT] = hand_off.at.astimezone(UTC).isoformat()
    if taken_by is not None:
        fields[_TAKEN_BY] = taken_by
    return json.dumps(fields, ensure_ascii=False)


def _escape(data: str) -> str:
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", data)


def hand_off(desk: Desk, form: str, data: str, by: Actor, replaces: str = "") -> HandOff:
    """Ctrl+T: the form becomes a hand-off of its own and the handler's own draft of it goes,
    in one transaction: a store that refuses the write (busy, read-only, full) leaves both as
    they were, and the caller keeps the form on screen. `replaces`: the hand-off this form
    was taken from (its taker found it is about them too): it goes, the new one carries it."""
    now = desk.clock.now()
    fields = json.loads(data)
    if not str(fields.get("received_at", "")).strip():
        # The customer was at the counter when it was handed over, not when a colleague saves it.
        fields["received_at"] = format_local(now, desk.tz)
        data = json.dumps(fields, ensure_ascii=False)
    record = HandOff(
        # Real time first, so that two handed over in the same (frozen) minute keep their order.
        key=f"{_HANDOFF_PREFIX}{time.time_ns():016x}{uuid.uuid4().hex[:8]}",
        data=data,
        by_id=by.id,
        by_work_no=by.work_no,
        by_name=by.name,
        at=now,
    )
    with store_failures(), desk.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        session.add(Draft(staff_id=record.key, form=form,
                          data=_escape(_write(record, data, None)), updated_at=now))  # fmt: skip
        for key in (by.id, replaces):
            old = session.get(Draft, (key, form)) if key else None
            if old is not None:
                session.delete(old)
        session.commit()
    return record


def _saved_already(session: Session, data: str) -> bool:
    complaint_id = json.loads(data).get("complaint_id")
    return bool(complaint_id) and session.get(Complaint, complaint_id) is not None


def waiting_hand_offs(desk: Desk, form: str) -> list[HandOff]:
    """Every hand-off of this terminal not saved yet, the oldest first. One whose form was
    saved as a ticket already (a desk that stopped between the two writes) is not offered."""
    with desk.read() as session:
        drafts = session.scalars(
            select(Draft).where(
                col(Draft.form) == form,
                or_(
                    col(Draft.staff_id) == HANDOFF_STAFF,
                    col(Draft.staff_id).startswith(_HANDOFF_PREFIX),
                ),
            )
        ).all()
        found = [_read(d) for d in drafts if not _saved_already(session, d.data)]
    return sorted(found, key=lambda h: (h.at, h.key))


def open_to(hand_off: HandOff, staff_id: str) -> bool:
    """Whether `staff_id` may take it now: not its accused nor its author, and not being
    worked on at a desk still running (their own claim is theirs again)."""
    if hand_off.excludes(staff_id):
        return False
    taken = hand_off.taken_by
    if taken is None or taken.get("id") == staff_id:
        return True
    return not _holder_alive(taken.get("holder", ""))


def take_hand_off(desk: Desk, form: str, key: str, taker: Actor, holder: str) -> HandOff:
    """Claim a waiting hand-off for `taker` at the desk `holder`; refused in words when a
    colleague took it first (at another desk on the same store) or it was saved meanwhile."""
    with store_failures(), desk.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        draft = session.get(Draft, (key, form))
        if draft is None or _saved_already(session, draft.data):
            raise RuleViolation.single("handoff", "error.handoff.gone")
        found = _read(draft)
        if not open_to(found, taker.id):
            taken = found.taken_by or {}
            raise RuleViolation.single("handoff", "error.handoff.taken",
                                       name=taken.get("name", ""),
                                       work_no=taken.get("work_no", ""))  # fmt: skip
        claim = {"id": taker.id, "name": taker.name, "work_no": taker.work_no, "holder": holder}
        draft.data = _escape(_write(found, found.data, claim))
        draft.updated_at = desk.clock.now()
        session.commit()
    return HandOff(found.key, found.data, found.by_id, found.by_work_no, found.by_name,
                   found.at, claim)  # fmt: skip


def keep_hand_off(
    desk: Desk,
    form: str,
    taken: HandOff,
    data: str,
    *,
    release: bool,
    fallback_staff: str,
    wait_ms: int | None = None,
) -> None:
    """The taken hand-off's form as now typed (the autosave), still claimed by this desk, or
    given back for the next colleague (`release`, at sign-out). A hand-off that is no longer
    this desk's (saved, or taken over once this desk's claim was void) is never written back:
    what was typed goes to the handler's own draft instead, so nothing typed is lost and no
    saved complaint comes back as a hand-off."""
    now = desk.clock.now()
    with store_failures(), desk.sessions() as session:
        session.connection(execution_options=_writing(wait_ms))
        draft = session.get(Draft, (taken.key, form))
        current = _read(draft) if draft is not None else None
        ours = (
            draft is not None
            and current is not None
            and not _saved_already(session, draft.data)
            and (current.taken_by or {}).get("holder") == (taken.taken_by or {}).get("holder")
        )
        if ours and draft is not None:
            draft.data = _escape(_write(taken, data, None if release else taken.taken_by))
            draft.updated_at = now
        elif not _saved_already(session, data):
            session.merge(Draft(staff_id=fallback_staff, form=form, data=_escape(data),
                                updated_at=now))  # fmt: skip
        session.commit()


def discard_hand_off(desk: Desk, form: str, key: str) -> None:
    discard_draft(desk, key, form)


def load_hand_off(desk: Desk, form: str) -> HandOff | None:
    """The oldest hand-off waiting (tests and the bench read it)."""
    waiting = waiting_hand_offs(desk, form)
    return waiting[0] if waiting else None
