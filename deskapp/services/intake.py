"""受理: taking a complaint at the counter.

The form hands over what was typed, as text; this module turns it into a record or into a
list of field errors (all of them at once, so the form can show every problem together).
`check_intake` runs the same rules without writing, for validation as the user types."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.enums import Channel, ClaimedTo, Satisfaction, Severity, Status
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_promised_at, check_received_at, check_text
from deskapp.domain.money import to_fen
from deskapp.domain.phone import parse_phone, parse_service_number
from deskapp.domain.recusal import check_recusal
from deskapp.domain.repeat import (
    Earlier,
    check_unlink_reason,
    repeat_of,
    repeat_window_start,
    same_matter,
)
from deskapp.domain.scripts import script_for
from deskapp.domain.severity import (
    below,
    check_severity,
    claimed_floor,
    closing_blocked,
    highest,
    severity_floor,
)
from deskapp.domain.status import needs_investigation
from deskapp.domain.timefmt import local_day, read_local
from deskapp.i18n import t
from deskapp.ids import uuid7
from deskapp.services.day_lock import LateApproval, approve_late, guard_complaint
from deskapp.services.deadlines import refresh_clocks
from deskapp.services.desk import Actor, Desk
from deskapp.services.events import complaint_event
from deskapp.services.refunds import (
    CheckedRefund,
    approve_beyond_rule,
    check_refund,
)
from deskapp.services.refunds import (
    RefundForm as RefundForm,  # the intake form's refund section: imported from here too
)
from deskapp.services.ticket_numbers import next_ticket_number
from deskapp.store.models import (
    BatchIncident,
    Complaint,
    OpinionEntry,
    Refund,
    Staff,
)

# Register within 10 minutes of receiving (docs/domain.md, Time limits): a later registration is
# recorded as such on the intake event, truthfully, rather than refused.
REGISTER_WITHIN = timedelta(minutes=10)


@dataclass
class IntakeForm:
    """What the handler typed. `complaint_id` is fixed when the form opens, so a second
    press of Save finds the first save's record instead of making a second ticket."""

    complaint_id: str = field(default_factory=uuid7)
    received_at: str = ""
    channel: str = Channel.WALK_IN.value
    customer_name: str = ""
    contact_phone: str = ""
    service_number: str = ""
    content: str = ""
    demand: str = ""
    cause_code: str = ""
    severity: str = Severity.GENERAL.value
    severity_reason: str = ""
    accused_staff_id: str = ""
    no_fault: bool = False
    difficult_customer: bool = False
    solved_on_spot: bool = False
    outcome: str = ""
    satisfaction: str = ""
    promised_reply_at: str = ""
    # 重复投诉: True lets the rule link the newest earlier complaint of this customer about the
    # same matter; False is the handler unlinking it (`repeat_unlink_reason` then required).
    # `repeat_of_id` is the handler's own choice among the candidates (linked by hand, even
    # about another matter).
    link_repeat: bool = True
    repeat_of_id: str = ""
    repeat_unlink_reason: str = ""
    batch_id: str = ""  # 批量投诉: the open batch incident this ticket belongs to
    refund: RefundForm | None = None
    opinion_entry_id: str = ""  # 意见簿: the book entry this complaint was turned from
    internal: bool = False  # 内部投诉: staff about staff or a department
    hidden_risk: bool = False  # 隐患投诉: likely to escalate
    claimed_to: str = ""  # 声称升级: where the customer says they will go (ClaimedTo)

    def to_json(self) -> str:
        data = self.__dict__ | {"refund": self.refund.__dict__ if self.refund else None}
        data["refund"] = data["refund"] and {
            k: v for k, v in data["refund"].items() if k != "approver_pin"
        }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> IntakeForm:
        data = json.loads(text)
        refund = data.pop("refund", None)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known, refund=RefundForm(**refund) if refund else None)


@dataclass(frozen=True)
class CheckedIntake:
    received_at: datetime
    channel: Channel
    contact_phone: str
    phone_last4: str
    service_number: str
    severity: Severity
    satisfaction: Satisfaction | None
    promised_reply_at: datetime | None
    refund: CheckedRefund | None


@dataclass(frozen=True)
class RepeatCandidate:
    id: str
    ticket_no: str
    received_at: datetime
    status: str
    content: str
    cause_code: str = ""
    same_matter: bool = False  # the rule would link it (the same service-process category)


def severity_suggestion(desk: Desk, channel: Channel, claimed: ClaimedTo | None = None) -> Severity:
    return highest(
        severity_floor(channel, desk.refdata.settings.severity_floor),
        claimed_floor(claimed, desk.refdata.escalation_rules.claim_floor),
    )


def standard_script(desk: Desk, cause_code: str) -> str | None:
    """标准话术 for the cause (data/scripts.toml; reference data only, no store read)."""
    return script_for(desk.refdata.scripts, cause_code)


def below_severity_floor(
    desk: Desk, channel: Channel, severity: Severity, claimed: ClaimedTo | None = None
) -> bool:
    """Whether `severity` is below the floor of the channel or of a claimed escalation (the
    form then asks for a reason)."""
    return below(severity, severity_suggestion(desk, channel, claimed))


def check_intake(
    desk: Desk, actor: Actor, form: IntakeForm, *, repeat_found: bool = False
) -> CheckedIntake:
    """Every rule of intake that does not need a write; raises RuleViolation with all errors.
    `repeat_found`: the form's own look-up found a complaint the rule would link (the save
    looks again in `_repeat_link`), so unlinking it needs its reason now."""
    settings = desk.refdata.settings
    limits = settings.intake.text_limits
    now = desk.clock.now()
    errors: list[FieldError] = []

    def add(error: FieldError | None) -> None:
        if error is not None:
            errors.append(error)

    received_at = now
    if form.received_at.strip():
        parsed, time_error = read_local("received_at", form.received_at, desk.tz, now)
        if parsed is None:
            add(time_error)
        else:
            received_at = parsed
            add(check_received_at(received_at, now, settings.intake.max_received_age))

    try:
        channel = Channel(form.channel)
    except ValueError:
        channel = Channel.WALK_IN
        add(FieldError("channel", "error.required"))

    add(
        check_text("customer_name", form.customer_name, required=True, max_len=limits.customer_name)
    )
    phone = None
    if not form.contact_phone.strip():
        add(FieldError("contact_phone", "error.required"))
    else:
        phone = parse_phone(form.contact_phone)
        if phone is None:
            add(FieldError("contact_phone", "error.phone.invalid"))
    service_number = ""
    if form.service_number.strip():
        service_number = parse_service_number(form.service_number) or ""
        if not service_number:
            add(FieldError("service_number", "error.service_number.invalid"))
    elif phone is not None:
        service_number = phone.normalized  # most customers complain about their own number
    add(check_text("content", form.content, required=True, max_len=limits.content, multiline=True))
    add(check_text("demand", form.demand, required=True, max_len=limits.demand))

    if not form.cause_code:
        add(FieldError("cause_code", "error.cause.required"))
    else:
        try:
            path = desk.refdata.causes.path(form.cause_code)
            if path.level != 3:
                add(FieldError("cause_code", "error.cause.level3"))
        except KeyError:
            add(FieldError("cause_code", "error.cause.unknown"))

    try:
        severity = Severity(form.severity)
    except ValueError:
        severity = Severity.GENERAL
        add(FieldError("severity", "error.required"))
    claimed: ClaimedTo | None = None
    if form.claimed_to:
        try:
            claimed = ClaimedTo(form.claimed_to)
        except ValueError:
            add(FieldError("claimed_to", "error.required"))
    try:
        check_severity(
            severity,
            channel,
            settings.severity_floor,
            form.severity_reason,
            at_least=claimed_floor(claimed, desk.refdata.escalation_rules.claim_floor),
        )
    except RuleViolation as violation:
        errors.extend(violation.errors)
    add(
        check_text(
            "severity_reason", form.severity_reason, required=False, max_len=limits.severity_reason
        )
    )

    try:
        check_recusal(actor.id, form.accused_staff_id or None)
    except RuleViolation as violation:
        errors.extend(violation.errors)

    satisfaction = None
    promised_reply_at = None
    # 严重/重大 is closed only once escalated level by level (重大 with its report form): never
    # on the spot, where it would escape the chain and the indicators (docs/domain.md).
    blocked = closing_blocked(severity, 0, desk.refdata.escalation_rules.required_level, False)
    if form.solved_on_spot and blocked is not None:
        level = desk.refdata.escalation[blocked[1]].name
        add(FieldError("outcome", "error.on_spot.needs_escalation",
                       {"severity": t(f"severity.{severity.value}"), "level": level}))  # fmt: skip
    if form.solved_on_spot and needs_investigation(form.internal, False):
        add(FieldError("outcome", "error.on_spot.needs_investigation"))
    if form.solved_on_spot:
        add(
            check_text(
                "outcome", form.outcome, required=True, max_len=limits.outcome, multiline=True
            )
        )
        try:
            satisfaction = Satisfaction(form.satisfaction)
            if satisfaction is Satisfaction.UNSATISFIED:
                add(FieldError("satisfaction", "error.on_spot.unsatisfied"))
        except ValueError:
            add(FieldError("satisfaction", "error.on_spot.satisfaction_required"))
    else:
        if not form.promised_reply_at.strip():
            add(FieldError("promised_reply_at", "error.promise.required"))
        else:
            promised_reply_at, time_error = read_local(
                "promised_reply_at", form.promised_reply_at, desk.tz, now
            )
            if promised_reply_at is None:
                add(time_error)
            else:
                add(check_promised_at(promised_reply_at, now, settings.intake.max_promise_ahead))

    refund = check_refund(desk, form.refund, errors) if form.refund else None
    unlinked = not form.link_repeat and not form.repeat_of_id
    if unlinked and (repeat_found or form.repeat_unlink_reason.strip()):
        # Required only when the rule would link something (`_repeat_link`); checked here
        # when found or typed, with the other fields.
        add(check_unlink_reason(form.repeat_unlink_reason))

    if errors:
        raise RuleViolation(errors)
    assert phone is not None
    return CheckedIntake(
        received_at=received_at,
        channel=channel,
        contact_phone=phone.normalized,
        phone_last4=phone.last_four,
        service_number=service_number,
        severity=severity,
        satisfaction=satisfaction,
        promised_reply_at=promised_reply_at,
        refund=refund,
    )


REPEAT_LOOK = 50  # the earlier complaints the save looks at for the rule's link


def find_repeat_candidates(
    desk: Desk,
    contact_phone: str,
    received_at: datetime | None = None,
    limit: int = 5,
    *,
    service_number: str = "",
    cause_code: str = "",
) -> list[RepeatCandidate]:
    """Earlier complaints of the same customer (the same contact phone or the same service
    number) within the look-back window (重复投诉), newest first; each says whether it is about
    the same matter as `cause_code` (the rule links only those; the handler may link any)."""
    phone = parse_phone(contact_phone)
    if phone is None:
        return []
    service = parse_service_number(service_number) if service_number.strip() else None
    service = service or phone.normalized
    received_at = received_at or desk.clock.now()
    since = repeat_window_start(received_at, desk.refdata.settings.intake.repeat_window_days)
    window = (col(Complaint.received_at) >= since, col(Complaint.received_at) <= received_at)
    # Two indexed range reads (phone, service number), not one OR the planner cannot index.
    ids = sa.union(
        sa.select(col(Complaint.id)).where(
            col(Complaint.contact_phone) == phone.normalized, *window
        ),
        sa.select(col(Complaint.id)).where(col(Complaint.service_number) == service, *window),
    ).subquery()
    with desk.read() as session:
        rows = session.execute(
            sa.select(
                col(Complaint.id),
                col(Complaint.ticket_no),
                col(Complaint.received_at),
                col(Complaint.status),
                col(Complaint.content),
                col(Complaint.cause_code),
            )
            .where(col(Complaint.id).in_(sa.select(ids.c.id)))
            .order_by(col(Complaint.received_at).desc(), col(Complaint.id).desc())
            .limit(max(limit, REPEAT_LOOK))
        ).all()
    # The newest `limit`, and the one the rule would link on saving if it is further down:
    # intake shows every candidate the save would link.
    shown = list(rows[:limit])
    if cause_code and not any(same_matter(r.cause_code, cause_code) for r in shown):
        shown += [r for r in rows[limit:] if same_matter(r.cause_code, cause_code)][:1]
    rows = shown
    return [
        RepeatCandidate(
            row.id,
            row.ticket_no,
            row.received_at,
            row.status,
            row.content,
            row.cause_code,
            same_matter=same_matter(row.cause_code, cause_code),
        )
        for row in rows
    ]


def _repeat_link(
    desk: Desk, form: IntakeForm, checked: CheckedIntake
) -> tuple[RepeatCandidate | None, bool, RepeatCandidate | None]:
    """(the complaint the new one repeats, linked by hand?, the one the rule found and the
    handler unlinked)."""
    candidates = find_repeat_candidates(
        desk, checked.contact_phone, checked.received_at, limit=REPEAT_LOOK,
        service_number=checked.service_number, cause_code=form.cause_code,
    )  # fmt: skip
    by_id = {c.id: c for c in candidates}
    if form.repeat_of_id:
        chosen = by_id.get(form.repeat_of_id)
        if chosen is None:
            raise RuleViolation.single("repeat_of", "error.repeat.not_candidate")
        return chosen, not chosen.same_matter, None
    found = repeat_of(
        [Earlier(c.id, c.received_at, c.cause_code) for c in candidates], form.cause_code
    )
    rule = by_id[found.id] if found else None
    if form.link_repeat:
        return rule, False, None
    if rule is not None:  # unlinking what the rule found needs a reason; nothing found, none
        error = check_unlink_reason(form.repeat_unlink_reason)
        if error:
            raise RuleViolation([error])
    return None, False, rule


def take_complaint(
    desk: Desk, actor: Actor, form: IntakeForm, late: LateApproval | None = None
) -> Complaint:
    """Record the complaint (and its refund) in one transaction; idempotent on complaint_id.
    Taken on a day already signed off, it changes that day's record: a late change."""
    with desk.read() as session:
        existing = session.get(Complaint, form.complaint_id)
    if existing is not None:
        return existing  # the second press of Save
    checked = check_intake(desk, actor, form)
    repeat, by_hand, unlinked = _repeat_link(desk, form, checked)
    approval = None
    refund_id = uuid7()
    if checked.refund and checked.refund.needs_approval:
        assert form.refund is not None
        approval = approve_beyond_rule(
            desk, actor, form.refund, checked.refund,
            complaint_id=form.complaint_id, refund_id=refund_id,
        )  # fmt: skip
    approver = approval.approver if approval else None
    manager = approve_late(desk, late)
    now = desk.clock.now()
    limits = desk.refdata.settings.intake.text_limits
    with desk.write(actor.id) as session:
        if form.accused_staff_id and session.get(Staff, form.accused_staff_id) is None:
            raise RuleViolation.single("accused_staff", "error.staff.unknown")
        terminal = desk.terminal()
        complaint = Complaint(
            id=form.complaint_id,
            ticket_no=next_ticket_number(session, desk, now),
            hall_code=terminal.hall_code,
            terminal_code=terminal.terminal_code,
            received_at=checked.received_at,
            registered_at=now,
            channel=checked.channel.value,
            customer_name=form.customer_name.strip(),
            contact_phone=checked.contact_phone,
            phone_last4=checked.phone_last4,
            service_number=checked.service_number,
            content=form.content.strip(),
            demand=form.demand.strip(),
            cause_code=form.cause_code,
            severity=checked.severity.value,
            severity_reason=form.severity_reason.strip()[: limits.severity_reason],
            accused_staff_id=form.accused_staff_id or None,
            internal=form.internal,
            hidden_risk=form.hidden_risk or bool(form.claimed_to),
            claimed_to=form.claimed_to,
            no_fault=form.no_fault,
            difficult_customer=form.difficult_customer,
            is_batch=bool(form.batch_id),
            batch_id=form.batch_id or None,
            is_repeat=repeat is not None,
            repeat_of_id=repeat.id if repeat else None,
            first_responder_id=actor.id,
            owner_id=actor.id,
            status=Status.CLOSED.value if form.solved_on_spot else Status.OPEN.value,
            solved_on_spot=form.solved_on_spot,
            promised_reply_at=checked.promised_reply_at,
            outcome=form.outcome.strip() if form.solved_on_spot else "",
            satisfaction=checked.satisfaction.value if checked.satisfaction else None,
            closed_at=now if form.solved_on_spot else None,
            created_by=actor.id,
            updated_at=now,
        )
        session.add(complaint)
        session.flush()  # the complaint row exists before the rows that point at it
        # A back-dated receive time books the ticket on that day too (受理 counts by received_at).
        received_day = local_day(checked.received_at, desk.tz)
        guard_complaint(session, desk, actor, complaint, late, manager, rewrites=(received_day,))
        events = [
            complaint_event(
                complaint.id,
                "registered",
                actor,
                now,
                data={
                    "channel": checked.channel.value,
                    "severity": checked.severity.value,
                    "registered_late": now - checked.received_at > REGISTER_WITHIN,
                },
            ),
        ]
        if repeat is not None:
            events.append(
                complaint_event(
                    complaint.id,
                    "repeat_linked",
                    actor,
                    now,
                    data={
                        "repeat_of": repeat.id,
                        "repeat_of_ticket": repeat.ticket_no,
                        "by_hand": by_hand,
                    },
                )
            )
        if form.batch_id:
            batch = session.get(BatchIncident, form.batch_id)
            if batch is None or batch.status != "open":
                raise RuleViolation.single("batch", "error.batch.not_open")
            events.append(
                complaint_event(complaint.id, "batch_linked", actor, now,
                                data={"batch": batch.id, "title": batch.title})
            )  # fmt: skip
        if unlinked is not None:
            reason = form.repeat_unlink_reason.strip()
            events.append(
                complaint_event(
                    complaint.id,
                    "repeat_unlinked",
                    actor,
                    now,
                    note=reason,
                    data={"candidate": unlinked.id, "candidate_ticket": unlinked.ticket_no},
                )
            )
        if checked.promised_reply_at:
            events.append(
                complaint_event(
                    complaint.id,
                    "promise",
                    actor,
                    now,
                    data={"due": checked.promised_reply_at.isoformat()},
                )
            )
        if checked.refund:
            # Solved on the spot, the refund is paid there and then and the customer, at the
            # counter, is told: a ticket is not closed with a refund approved but unpaid.
            paid = form.solved_on_spot
            refund = Refund(
                id=refund_id,
                complaint_id=complaint.id,
                charged_fen=to_fen(checked.refund.quote.charged),
                should_have_charged_fen=to_fen(checked.refund.quote.should_have_charged),
                rule_amount_fen=to_fen(checked.refund.quote.rule_amount),
                amount_fen=to_fen(checked.refund.amount),
                method=checked.refund.method.value,
                verified_by=actor.id,
                verified_at=now,
                approved_by=approver.id if approver else None,
                approval_reason=(
                    form.refund.approval_reason.strip() if approver and form.refund else ""
                ),
                created_by=actor.id,
                error_type=checked.refund.error_type,
                verification=checked.refund.verification,
                paid_at=now if paid else None,
                paid_by=actor.id if paid else None,
                told_at=now if paid else None,
                told_by=actor.id if paid else None,
            )
            session.add(refund)
            if approval is not None:
                session.add(approval.row)
            events.append(
                complaint_event(
                    complaint.id,
                    "refund",
                    actor,
                    now,
                    data={
                        "refund_id": refund.id,
                        "amount_fen": refund.amount_fen,
                        "rule_amount_fen": refund.rule_amount_fen,
                        "method": refund.method,
                        "approved_by": refund.approved_by,
                        "error_type": refund.error_type,
                    },
                )
            )
            if paid:
                events.append(complaint_event(complaint.id, "refund_paid", actor, now, data={
                    "refund_id": refund.id, "amount_fen": refund.amount_fen,
                    "method": refund.method, "told": True}))  # fmt: skip
        if form.solved_on_spot:
            events.append(
                complaint_event(
                    complaint.id,
                    "closed",
                    actor,
                    now,
                    note=complaint.outcome,
                    data={"on_spot": True, "satisfaction": complaint.satisfaction},
                )
            )
        if form.opinion_entry_id:
            entry = session.get(OpinionEntry, form.opinion_entry_id)
            if entry is None or entry.complaint_id not in (None, complaint.id):
                raise RuleViolation.single("opinion_entry", "error.opinion.already_linked")
            entry.complaint_id = complaint.id  # the link both ways: entry -> ticket
            events.append(
                complaint_event(
                    complaint.id,
                    "from_opinion_book",
                    actor,
                    now,
                    data={"entry": entry.id, "page": entry.page, "line": entry.line},
                )
            )
            if entry.processed_at is None:
                entry.processed_at, entry.processed_by = now, actor.id
                entry.reply = entry.reply or f"已转投诉工单 {complaint.ticket_no}"
        session.add_all(events)
        refresh_clocks(session, desk, complaint)
    return complaint
