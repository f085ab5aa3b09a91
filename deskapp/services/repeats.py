"""重复投诉 changed after intake (issue 18), from a ticket's detail: confirm the rule's
candidate, link by hand to another earlier ticket of the same customer within the window, or
unlink with a reason (the rules of domain/repeat.py, as at intake). The link is the ticket's
own field, so it is shown on both tickets (customer.repeat_links), synchronized like every
field, and said by an event in the ticket's history; it rewrites the repeat count of the day
the ticket was registered, so that day's lock holds (day_lock.py)."""

from __future__ import annotations

from deskapp.domain.errors import RuleViolation
from deskapp.domain.repeat import check_unlink_reason
from deskapp.domain.timefmt import local_day
from deskapp.services.day_lock import LateApproval, approve_late, guard_complaint
from deskapp.services.desk import Actor, Desk
from deskapp.services.events import complaint_event
from deskapp.services.intake import REPEAT_LOOK, RepeatCandidate, find_repeat_candidates
from deskapp.store.models import Complaint


def repeat_choices(desk: Desk, complaint_id: str) -> list[RepeatCandidate]:
    """The tickets this one may repeat: the same customer's earlier ones (the same contact
    phone or service number) within the window before it was received, newest first, each
    saying whether the rule would link it (the same matter)."""
    with desk.read() as session:
        c = session.get(Complaint, complaint_id)
        if c is None:
            return []
        phone, service, received, cause = (c.contact_phone, c.service_number, c.received_at,
                                           c.cause_code)  # fmt: skip
    found = find_repeat_candidates(desk, phone, received, limit=REPEAT_LOOK,
                                   service_number=service, cause_code=cause)  # fmt: skip
    return [x for x in found if x.id != complaint_id]


def set_repeat(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    repeat_of_id: str,
    *,
    late: LateApproval | None = None,
) -> Complaint:
    """Link the ticket as a repeat of `repeat_of_id`, one of `repeat_choices` (the rule's
    candidate confirmed, or another matter linked by hand); any other ticket is refused."""
    chosen = {c.id: c for c in repeat_choices(desk, complaint_id)}.get(repeat_of_id)
    if chosen is None:
        raise RuleViolation.single("repeat_of", "error.repeat.not_candidate")
    manager = approve_late(desk, late)
    with desk.write(actor.id) as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            raise RuleViolation.single("complaint", "error.complaint.unknown")
        earlier = session.get(Complaint, chosen.id)
        if earlier is not None and earlier.repeat_of_id == complaint.id:  # never a loop
            raise RuleViolation.single("repeat_of", "error.repeat.not_candidate")
        if complaint.repeat_of_id == chosen.id:
            return complaint
        now = desk.clock.now()
        replaced = complaint.repeat_of_id
        complaint.is_repeat, complaint.repeat_of_id, complaint.updated_at = True, chosen.id, now
        guard_complaint(session, desk, actor, complaint, late, manager,
                        rewrites=(local_day(complaint.registered_at, desk.tz),))  # fmt: skip
        session.add(complaint_event(complaint.id, "repeat_linked", actor, now, data={
            "repeat_of": chosen.id, "repeat_of_ticket": chosen.ticket_no,
            "by_hand": not chosen.same_matter, "after_intake": True, "replaced": replaced,
        }))  # fmt: skip
    return complaint


def unlink_repeat(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    reason: str,
    *,
    late: LateApproval | None = None,
) -> Complaint:
    """Unlink the ticket from the one it repeats, with a reason (the hall's repeat figure
    must not shrink unexplained); a ticket linked to none is refused in words."""
    error = check_unlink_reason(reason)
    if error:
        raise RuleViolation([error])
    manager = approve_late(desk, late)
    with desk.write(actor.id) as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            raise RuleViolation.single("complaint", "error.complaint.unknown")
        if not complaint.repeat_of_id:
            raise RuleViolation.single("repeat_of", "error.repeat.not_linked")
        earlier = session.get(Complaint, complaint.repeat_of_id)
        now = desk.clock.now()
        data = {
            "candidate": complaint.repeat_of_id,
            "candidate_ticket": earlier.ticket_no if earlier else "",
            "after_intake": True,
        }
        complaint.is_repeat, complaint.repeat_of_id, complaint.updated_at = False, None, now
        guard_complaint(session, desk, actor, complaint, late, manager,
                        rewrites=(local_day(complaint.registered_at, desk.tz),))  # fmt: skip
        session.add(complaint_event(complaint.id, "repeat_unlinked", actor, now,
                                    note=reason.strip(), data=data))  # fmt: skip
    return complaint
