"""批量投诉 (issue 18): one cause reaching many customers, handled as one incident. A duty
manager opens it (possibly in advance, with a marketing campaign and the scripts to use:
投诉预案与营销案一并启动); intake suggests the open batches whose cause matches; one key links
a ticket, and tickets can be linked later. Closing the batch closes every linked ticket still
open through the ordinary close (followup.close: its own events, the recusal, the day lock,
the severity chain all hold), which starts their return-visit clocks."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.batch import batch_matches, check_start
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.permissions import Permission
from deskapp.domain.responsibility import check_responsible
from deskapp.domain.status import ACTIVE
from deskapp.domain.timefmt import local_day, read_local
from deskapp.services import followup
from deskapp.services.audit import enforce
from deskapp.services.day_lock import LateApproval, approve_late, guard_complaint
from deskapp.services.desk import Actor, Desk
from deskapp.services.events import complaint_event
from deskapp.services.followup import ClosingFacts
from deskapp.services.processes import running
from deskapp.services.progress import Progress, no_progress
from deskapp.store.engine import WRITE
from deskapp.store.failures import StoreUnavailable, store_failures
from deskapp.store.models import BatchCloseClaim, BatchIncident, Complaint, Staff

OPEN_STATUSES = tuple(sorted(s.value for s in ACTIVE))  # still being handled


@dataclass
class BatchForm:
    title: str = ""
    cause_code: str = ""
    area: str = ""
    started_at: str = ""  # local time as typed; empty: now
    description: str = ""
    campaign: bool = False
    scripts: str = ""


def open_batch(desk: Desk, actor: Actor, form: BatchForm) -> BatchIncident:
    """A duty or hall manager opens the incident (refused and audited for anyone else)."""
    enforce(desk, actor, Permission.MANAGE_BATCH, subject="batch")
    now = desk.clock.now()
    errors: list[FieldError] = []
    for name, required, limit in (
        ("title", True, 80),
        ("area", False, 200),
        ("description", False, 2000),
        ("scripts", False, 2000),
    ):
        error = check_text(name, getattr(form, name), required=required, max_len=limit,
                           multiline=name in ("description", "scripts"))  # fmt: skip
        if error:
            errors.append(error)
    if form.cause_code not in desk.refdata.causes:
        # Empty or words not picked from the list: the dialog's field is a search box.
        errors.append(FieldError("cause_code", "error.batch.pick_cause"))
    started = now
    if form.started_at.strip():
        parsed, time_error = read_local("started_at", form.started_at, desk.tz, now)
        if parsed is None:
            errors.append(time_error or FieldError("started_at", "error.required"))
        elif start_error := check_start(parsed, now):
            errors.append(start_error)
        else:
            started = parsed
    if errors:
        raise RuleViolation(errors)
    with desk.write(actor.id) as session:
        batch = BatchIncident(
            title=form.title.strip(), cause_code=form.cause_code, area=form.area.strip(),
            started_at=started, description=form.description.strip(), campaign=form.campaign,
            scripts=form.scripts.strip(), opened_by=actor.id, opened_at=now,
        )  # fmt: skip
        session.add(batch)
    return batch


def open_batches_for(desk: Desk, cause_code: str) -> list[BatchIncident]:
    """The open batches whose cause takes this complaint's cause (intake's suggestion)."""
    if not cause_code:
        return []
    with desk.read() as session:
        batches = list(
            session.scalars(
                sa.select(BatchIncident)
                .where(col(BatchIncident.status) == "open")
                .order_by(col(BatchIncident.opened_at).desc())
            )
        )
    return [b for b in batches if batch_matches(b.cause_code, cause_code)]


def link_to_batch(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    batch_id: str,
    *,
    late: LateApproval | None = None,
) -> Complaint:
    """Link a ticket to an open batch (from intake or later from the queue): the ticket is a
    batch complaint from then on, said by its event. It rewrites what the day the ticket was
    registered counted (批量投诉), so that day's lock holds too (day_lock.py)."""
    manager = approve_late(desk, late)
    with desk.write(actor.id) as session:
        complaint = session.get(Complaint, complaint_id)
        batch = session.get(BatchIncident, batch_id)
        if complaint is None:
            raise RuleViolation.single("complaint", "error.complaint.unknown")
        if batch is None or batch.status != "open":
            raise RuleViolation.single("batch", "error.batch.not_open")
        if complaint.batch_id == batch_id:
            return complaint
        now = desk.clock.now()
        complaint.batch_id, complaint.is_batch, complaint.updated_at = batch_id, True, now
        guard_complaint(session, desk, actor, complaint, late, manager,
                        rewrites=(local_day(complaint.registered_at, desk.tz),))  # fmt: skip
        session.add(complaint_event(complaint.id, "batch_linked", actor, now,
                                    data={"batch": batch_id, "title": batch.title}))  # fmt: skip
    return complaint


UNLINK_REASON_LIMIT = 200


def linked_batch(desk: Desk, complaint_id: str) -> BatchIncident | None:
    """The batch the ticket is linked to, if any (B on the ticket offers to undo the link)."""
    with desk.read() as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None or not complaint.batch_id:
            return None
        return session.get(BatchIncident, complaint.batch_id)


def unlink_from_batch(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    reason: str,
    *,
    late: LateApproval | None = None,
) -> Complaint:
    """Undo a link to a batch (made by mistake at intake or with B) while the batch is open,
    with a reason said by the ticket's event: the ticket is no longer a batch complaint, so
    the day it was registered counts one fewer (its lock holds, as for link_to_batch). A
    batch already closed keeps its tickets: its close wrote their outcome."""
    error = check_text("reason", reason, required=True, max_len=UNLINK_REASON_LIMIT,
                       multiline=False)  # fmt: skip
    if error:
        raise RuleViolation([error])
    manager = approve_late(desk, late)
    found = linked_batch(desk, complaint_id)
    if found is not None and closing_now(desk, found.id):  # read outside the write: the claim
        raise RuleViolation.single("batch", "error.batch.not_open")
    with desk.write(actor.id) as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            raise RuleViolation.single("complaint", "error.complaint.unknown")
        if not complaint.batch_id:
            raise RuleViolation.single("batch", "error.batch.not_linked")
        batch = session.get(BatchIncident, complaint.batch_id)
        if batch is None or batch.status != "open":
            raise RuleViolation.single("batch", "error.batch.not_open")
        now = desk.clock.now()
        data = {"batch": batch.id, "title": batch.title}
        complaint.batch_id, complaint.is_batch, complaint.updated_at = None, False, now
        guard_complaint(session, desk, actor, complaint, late, manager,
                        rewrites=(local_day(complaint.registered_at, desk.tz),))  # fmt: skip
        session.add(complaint_event(complaint.id, "batch_unlinked", actor, now,
                                    note=reason.strip(), data=data))  # fmt: skip
    return complaint


@dataclass
class BatchClosed:
    closed: list[str] = field(default_factory=list)  # complaint ids closed now
    skipped: dict[str, FieldError] = field(default_factory=dict)  # complaint id -> why
    kept: list[tuple[str, FieldError]] = field(default_factory=list)  # (ticket number, why)
    # The batch was closed already when this close began (another desk, or an earlier
    # close): its own outcome stands, the one passed in was not written onto it.
    closed_before: bool = False


def _claim_name(batch_id: str) -> str:
    return f"batch-close:{batch_id}"


# A close beats its claim in the store as its tickets close; a claim whose process is gone
# from this host, or that has not beaten for CLAIM_STALE (the close killed on another host
# sharing the file), is stale: the next close takes it over and resumes.
CLAIM_BEAT = timedelta(seconds=20)
CLAIM_STALE = timedelta(minutes=5)
_HOST = socket.gethostname()[:120]


def _holder(desk: Desk) -> str:
    return f"{_HOST}:{os.getpid()}:{id(desk)}"


def _live(claim: BatchCloseClaim | None, now: datetime) -> bool:
    if claim is None:
        return False
    if claim.host == _HOST and not running(claim.pid):
        return False
    return now - claim.beat_at <= CLAIM_STALE


def _now() -> datetime:
    # Wall time, not the desk's clock: a claim is between processes, which share no clock.
    return datetime.now(UTC)


def closing_now(desk: Desk, batch_id: str) -> bool:
    """Whether this batch's close is running now on this store (from any screen, or another
    desk on the same store file)."""
    if _claim_name(batch_id) in desk.running:
        return True
    with desk.read() as session:
        return _live(session.get(BatchCloseClaim, batch_id), _now())


def claim_close(desk: Desk, batch_id: str) -> None:
    """Take the batch's close for this desk: a second close of the same batch while one runs,
    in this process or another on the same store, is refused in words (both would write the
    tickets). The claim is a row written in a BEGIN IMMEDIATE transaction: two processes
    taking it at once are serialized by the store's write lock."""
    with desk.running_lock:
        if _claim_name(batch_id) in desk.running:
            raise RuleViolation.single("batch", "error.batch.closing")
        with store_failures(), desk.sessions() as session:
            session.connection(execution_options=WRITE)
            claim = session.get(BatchCloseClaim, batch_id)
            now = _now()
            if _live(claim, now):
                raise RuleViolation.single("batch", "error.batch.closing")
            if claim is None:
                claim = BatchCloseClaim(batch_id=batch_id, holder="", host="", pid=0, beat_at=now)
                session.add(claim)
            claim.holder, claim.host, claim.pid, claim.beat_at = (
                _holder(desk), _HOST, os.getpid(), now)  # fmt: skip
            session.commit()
        desk.running.add(_claim_name(batch_id))


def _beat(desk: Desk, batch_id: str) -> None:
    with store_failures(), desk.sessions() as session:
        session.connection(execution_options=WRITE)
        session.execute(
            sa.update(BatchCloseClaim)
            .where(col(BatchCloseClaim.batch_id) == batch_id,
                   col(BatchCloseClaim.holder) == _holder(desk))
            .values(beat_at=_now())
        )  # fmt: skip
        session.commit()


def release_close(desk: Desk, batch_id: str) -> None:
    with desk.running_lock:
        desk.running.discard(_claim_name(batch_id))
        try:
            with store_failures(), desk.sessions() as session:
                session.connection(execution_options=WRITE)
                session.execute(
                    sa.delete(BatchCloseClaim).where(
                        col(BatchCloseClaim.batch_id) == batch_id,
                        col(BatchCloseClaim.holder) == _holder(desk),
                    )
                )
                session.commit()
        except StoreUnavailable:  # a claim left behind goes stale with this process
            pass


def _settled(session: Session, batch: BatchIncident) -> bool:
    """Whether the batch's stored outcome (and party) are the incident's for good: the batch
    is closed, or a linked ticket was closed with that outcome. Stored by a close that was
    refused or killed before closing any ticket, they can still be corrected."""
    if not batch.outcome:
        return False
    if batch.status != "open":
        return True
    taken = session.scalar(
        sa.select(sa.func.count())
        .select_from(Complaint)
        .where(col(Complaint.batch_id) == batch.id,
               col(Complaint.status).not_in(OPEN_STATUSES),
               col(Complaint.outcome) == batch.outcome.strip())
    )  # fmt: skip
    return bool(taken)


def close_settled(desk: Desk, batch_id: str) -> bool:
    """Whether a close of the batch keeps its stored outcome and party (`_settled`): the close
    dialog then shows them and asks for neither; otherwise it asks, offering the stored ones."""
    with desk.read() as session:
        batch = session.get(BatchIncident, batch_id)
        return batch is not None and _settled(session, batch)


def kept_party(batch: BatchIncident) -> ClosingFacts | None:
    """The responsible party a batch's close keeps with its outcome (None before its first
    close, or for a batch closed before it was kept)."""
    if not batch.party:
        return None
    return ClosingFacts(**json.loads(batch.party))


def close_batch(
    desk: Desk,
    actor: Actor,
    batch_id: str,
    outcome: str,
    responsible: ClosingFacts,
    *,
    progress: Progress = no_progress,
    claimed: bool = False,
    revise: bool = False,
) -> BatchClosed:
    """Close the incident: every linked ticket still open is closed with the outcome and the
    batch's one responsible party through the ordinary close (followup.close_each: each ticket's
    own rules, event and clocks, many tickets per transaction; a ticket the rules keep open,
    e.g. a 重大 one whose report is not filed, or one about the closing manager, is left open
    and said); then the batch itself. The linked tickets' causes differ, so no level-4 finding
    is asked here. `progress("close", done, total)` as the tickets close. Safe to run again:
    tickets already closed are not touched twice, and the ones left open are closed with the
    outcome and the party kept at the first close (one incident, one party). `revise`: the
    outcome and party given replace the stored ones while no ticket has taken them yet (a
    close refused or killed before its first ticket: the dialog asked for them again)."""
    outcome = check_close(desk, actor, batch_id, outcome, responsible, revise=revise)
    if not claimed:  # the screen claims it when the dialog is confirmed
        claim_close(desk, batch_id)
    beaten = [_now()]

    def beating(step: str, done: int, total: int | None) -> None:
        if _now() - beaten[0] >= CLAIM_BEAT:  # the claim stays live while tickets close
            beaten[0] = _now()
            _beat(desk, batch_id)
        progress(step, done, total)

    try:
        return _close_batch(desk, actor, batch_id, outcome, responsible, beating,
                            revise=revise)  # fmt: skip
    finally:
        release_close(desk, batch_id)


def _close_batch(
    desk: Desk,
    actor: Actor,
    batch_id: str,
    outcome: str,
    responsible: ClosingFacts,
    progress: Progress,
    *,
    revise: bool = False,
) -> BatchClosed:
    with desk.write(actor.id) as session:
        batch = session.get(BatchIncident, batch_id)
        already_closed = batch is None or batch.status != "open"
        if batch is not None and revise and batch.outcome and not _settled(session, batch):
            # Stored by a close refused or killed before any ticket took it: corrected.
            batch.outcome, batch.party = "", ""
        if batch is not None and not batch.outcome:
            # Kept before any ticket is closed: a close interrupted half-way (the desk
            # killed) is finished with this same outcome, never a second one.
            batch.outcome = outcome.strip()
        if batch is not None:
            outcome = batch.outcome  # the kept one, whatever a caller passed
            # The party likewise (rules18c): one incident ends with one responsible party.
            kept = kept_party(batch)
            if kept is None:
                batch.party = json.dumps(asdict(replace(responsible, finding="")),
                                         ensure_ascii=False)  # fmt: skip
            else:
                responsible = kept
    with desk.read() as session:
        linked = list(
            session.scalars(
                sa.select(col(Complaint.id))
                .where(col(Complaint.batch_id) == batch_id,
                       col(Complaint.status).in_(OPEN_STATUSES))
                .order_by(col(Complaint.received_at))
            )
        )  # fmt: skip
    result = BatchClosed(closed_before=already_closed)
    # One party for the incident; the linked tickets' causes differ, so no finding.
    party = replace(responsible, finding="")
    for complaint_id, refusal in followup.close_each(
        desk, actor, linked, outcome=outcome, facts=party, finding_required=False,
        progress=progress,
    ).items():  # fmt: skip
        if refusal is None:
            result.closed.append(complaint_id)
        else:
            result.skipped[complaint_id] = refusal.errors[0]
    if result.skipped:
        with desk.read() as session:
            numbers: dict[str, str] = {
                row.id: row.ticket_no
                for row in session.execute(
                    sa.select(col(Complaint.id), col(Complaint.ticket_no)).where(
                        col(Complaint.id).in_(sorted(result.skipped))
                    )
                )
            }
        result.kept = [(numbers.get(cid, cid), why) for cid, why in result.skipped.items()]
    if already_closed:
        return result
    with desk.write(actor.id) as session:
        found = session.get(BatchIncident, batch_id)
        assert found is not None
        found.status, found.outcome = "closed", outcome.strip()
        found.closed_by, found.closed_at = actor.id, desk.clock.now()
    return result


def check_close(
    desk: Desk,
    actor: Actor,
    batch_id: str,
    outcome: str,
    responsible: ClosingFacts,
    *,
    revise: bool = False,
) -> str:
    """What closing the batch would be refused for, before any ticket is touched (the close
    dialog asks it, then the close runs in the background): the permission, the batch, the
    outcome and the responsible party, each at its field at once (a refusal closes none). The
    outcome to write: a batch already closed keeps its own (the tickets kept open at the close,
    or linked later offline on another terminal, are closed with it). `revise`: as for
    `close_batch`, the ones given are checked while no ticket has taken the stored ones. The
    outcome meets the ordinary close's rule (followup.check_outcome), so no close is refused
    at its tickets for it after the dialog has gone."""
    enforce(desk, actor, Permission.MANAGE_BATCH, subject=batch_id)
    with desk.read() as session:
        batch = session.get(BatchIncident, batch_id)
        if batch is None:
            raise RuleViolation.single("batch", "error.batch.not_open")
        # A batch closed, or whose close was interrupted, keeps its own outcome and party (the
        # tickets it left open are closed with them): the dialog shows them, not asked again.
        if not revise or _settled(session, batch):
            outcome = batch.outcome or outcome
            responsible = kept_party(batch) or responsible
        staff_ids = {responsible.staff} if session.get(Staff, responsible.staff) else set()
    errors = [e for e in (
        check_text("responsible_note", responsible.note, required=False,
                   max_len=followup.NOTE_LIMIT, multiline=True),
    ) if e]  # fmt: skip
    try:
        followup.check_outcome(desk, outcome, required=True)
    except RuleViolation as refused:
        errors = refused.errors + errors
    try:
        check_responsible(responsible.responsible, responsible.department or responsible.staff,
                          responsible.note, desk.refdata.departments, staff_ids)  # fmt: skip
    except RuleViolation as refused:
        errors += refused.errors
    if errors:
        raise RuleViolation(errors)
    return outcome


@dataclass(frozen=True)
class BatchView:
    batch: BatchIncident
    tickets: int
    open_tickets: int


def batches(desk: Desk, *, status: str | None = None) -> list[BatchView]:
    """The batches with their ticket counts (reports list batch complaints by batch)."""
    with desk.read() as session:
        # Open ones first (what the desk still handles), then newest opened first.
        query = sa.select(BatchIncident).order_by(
            sa.case((col(BatchIncident.status) == "open", 0), else_=1),
            col(BatchIncident.opened_at).desc(),
        )
        if status:
            query = query.where(col(BatchIncident.status) == status)
        found = list(session.scalars(query))
        counts = {
            bid: (total, open_)
            for bid, total, open_ in session.execute(
                sa.select(
                    col(Complaint.batch_id),
                    sa.func.count(),
                    sa.func.sum(sa.case((col(Complaint.status).in_(OPEN_STATUSES), 1), else_=0)),
                )
                .where(col(Complaint.batch_id).is_not(None))
                .group_by(col(Complaint.batch_id))
            )
        }
    return [BatchView(b, *counts.get(b.id, (0, 0))) for b in found]
