"""The follow-up actions as data: key, dialog fields, and the service call. The queue screen
builds its bindings from this table, so a key, its Footer entry and its help never drift."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deskapp.domain.enums import ClaimedTo, RefundMethod, Satisfaction, Severity
from deskapp.domain.refund import RefundState
from deskapp.domain.responsibility import ResponsibleKind
from deskapp.domain.visits import ANSWERS as VISIT_ANSWERS
from deskapp.domain.visits import VISIT_QUESTIONS, ReopenCause
from deskapp.i18n import t
from deskapp.screens.widgets.action_dialog import DialogSpec, FieldSpec
from deskapp.services import followup
from deskapp.services.desk import Actor, Desk
from deskapp.services.extensions import extension_choices, pending_of
from deskapp.services.queue import QueueRow
from deskapp.services.refunds import RefundForm, ticket_refunds
from deskapp.services.staff import list_staff

Call = Callable[[Desk, Actor, str, dict[str, Any]], object]
Fields = Callable[[Desk, QueueRow], list[FieldSpec]]


@dataclass(frozen=True)
class QueueAction:
    name: str  # also the catalogue key action.<name>
    key: str
    fields: Fields
    call: Call
    show: bool = True  # in the Footer (all are in the help and the command palette)
    # What refuses the action before its dialog opens: an error key, or None to open it
    refused: Callable[[Desk, QueueRow], str | None] | None = None

    @property
    def label(self) -> str:
        return t(f"action.{self.name}")

    def dialog(
        self, desk: Desk, row: QueueRow, intro: str = "", *, late: bool = False
    ) -> DialogSpec:
        """`late`: the day is signed off, so the action also asks for a duty manager's
        approval (their work number and PIN) and the reason (day_lock.py)."""
        fields = self.fields(desk, row) + (LATE_FIELDS if late else [])
        return DialogSpec(f"{self.label} · {row.ticket_no}", fields, intro)

    @property
    def rewrites_registered_day(self) -> bool:
        return self.name == "severity"  # followup.change_severity: the registration day too

    @property
    def rewrites_closed_day(self) -> bool:
        # followup.record_visit: a closed ticket's satisfaction (or reopening) is the
        # closing day's. Asked whenever the closing day is locked, the service records the
        # late change only when the visit changes what that day counted.
        return self.name == "visit"


LATE_FIELDS = [
    FieldSpec("late_approver", t("field.late_approver"), max_length=16),
    FieldSpec("late_pin", t("field.late_pin"), max_length=12, password=True),
    FieldSpec("late_reason", t("field.late_reason")),
]


def late_approval(values: dict[str, Any]) -> dict[str, Any]:
    """The dialog's values with its late-approval fields turned into a LateApproval."""
    if "late_approver" not in values:
        return values
    from deskapp.services.day_lock import LateApproval

    rest = {k: v for k, v in values.items() if not k.startswith("late_")}
    rest["late"] = LateApproval(values["late_approver"], values["late_pin"], values["late_reason"])
    return rest


def _note(label_key: str = "field.note") -> FieldSpec:
    return FieldSpec("note", t(label_key), "area")


def _departments(desk: Desk) -> list[tuple[str, str]]:
    return [(d.name, d.code) for d in desk.refdata.departments.values()]


def _options(prefix: str, values: list[str]) -> list[tuple[str, str]]:
    return [(t(f"{prefix}.{v}"), v) for v in values]


def _score(text: str) -> int | None:
    # NFKC: full-width digits from a Chinese IME count; isdigit() alone also passes "²",
    # which int() refuses (the dialog's worker would fail instead of saying why).
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        from deskapp.domain.errors import RuleViolation

        raise RuleViolation.single("score", "error.visit.score_range")
    return int(text)


def _staff_options(desk: Desk, row: QueueRow) -> list[tuple[str, str]]:
    return [(f"{s.work_no} {s.name}", s.id) for s in list_staff(desk) if s.id != row.owner_id]


def _note_only(name: str, key: str, service: Callable[..., object], *, show: bool = True
               ) -> QueueAction:  # fmt: skip
    """An action whose dialog asks for a note only, handed to `service` as `note`."""
    return QueueAction(
        name, key, lambda desk, row: [_note()],
        lambda desk, actor, cid, v: service(desk, actor, cid, late=v.get("late"), note=v["note"]),
        show=show,
    )  # fmt: skip


def responsible_fields(desk: Desk) -> list[FieldSpec]:
    """责任界定 at closing (a ticket, or a batch for all its tickets): who, then which
    department or staff member, or words."""
    return [
        FieldSpec("responsible_kind", t("field.responsible_kind"), "select",
                  _options("responsible_kind", [k.value for k in ResponsibleKind])),
        FieldSpec("responsible_department", t("field.responsible_department"), "select",
                  _departments(desk)),
        FieldSpec("responsible_staff", t("field.responsible_staff"), "select",
                  [(f"{s.work_no} {s.name}", s.id) for s in list_staff(desk)]),
        FieldSpec("responsible_note", t("field.responsible_note"), max_length=200),
    ]  # fmt: skip


def _refund_fields(desk: Desk, row: QueueRow) -> list[FieldSpec]:
    """退费 after the verification came back: the error type decides the rule; an approving
    manager (not the one recording it) only beyond the rule."""
    return [
        FieldSpec("refund_error_type", t("field.refund_error_type"), "select",
                  [(e.name, e.code) for e in desk.refdata.refund_errors.values()]),
        FieldSpec("refund_charged", t("field.refund_charged"), max_length=20),
        FieldSpec("refund_should", t("field.refund_should"), max_length=20),
        FieldSpec("refund_amount", t("field.refund_amount"), max_length=20),
        FieldSpec("refund_method", t("field.refund_method"), "select",
                  _options("refund_method", [m.value for m in RefundMethod]),
                  default=RefundMethod.ACCOUNT_CREDIT.value, allow_blank=False),
        FieldSpec("refund_verified", t("field.refund_verified"), "check"),
        FieldSpec("refund_verification", t("field.refund_verification"), max_length=500),
        FieldSpec("refund_approver", t("field.refund_approver"), max_length=16),
        FieldSpec("refund_approver_pin", t("field.refund_approver_pin"), max_length=12,
                  password=True),
        FieldSpec("refund_approval_reason", t("field.refund_approval_reason"), max_length=500),
    ]  # fmt: skip


def _refund_form(v: dict[str, Any]) -> RefundForm:
    return RefundForm(
        charged=v["refund_charged"], should_have_charged=v["refund_should"],
        amount=v["refund_amount"], method=v["refund_method"], verified=v["refund_verified"],
        approver_work_no=v["refund_approver"], approver_pin=v["refund_approver_pin"],
        approval_reason=v["refund_approval_reason"], error_type=v["refund_error_type"],
        verification=v["refund_verification"],
    )  # fmt: skip


def _refunds_in(desk: Desk, row: QueueRow, state: RefundState) -> list[tuple[str, str]]:
    """The ticket's refunds in `state` (to pay: approved; to tell: paid), by amount and type."""
    types = desk.refdata.refund_errors
    return [
        (f"{r.amount} 元 · {types[r.error_type].name if r.error_type in types else '—'}", r.id)
        for r in ticket_refunds(desk, row.id)
        if r.state == state.value
    ]


def _extension_fields(desk: Desk, row: QueueRow) -> list[FieldSpec]:
    """延期申请: which of the ticket's running clocks (its deadline said), the new time, why."""
    choices = [(c.label, c.key) for c in extension_choices(desk, row.id)]
    return [
        FieldSpec("clock", t("field.clock"), "select", choices,
                  default=choices[0][1] if choices else None, allow_blank=not choices),
        FieldSpec("new_due", t("field.new_due"), "time", placeholder=t("intake.new_due_hint")),
        FieldSpec("reason", t("field.reason"), max_length=500),
    ]  # fmt: skip


def _nothing_to_extend(desk: Desk, row: QueueRow) -> str | None:
    """No running clock may be extended (none runs, or only a promise or a care date): said at
    once rather than a dialog with an empty choice."""
    return None if extension_choices(desk, row.id) else "error.extension.nothing_to_extend"


def _decision_fields(desk: Desk, row: QueueRow) -> list[FieldSpec]:
    """延期审批: the pending request, approve or refuse, the manager's own number and PIN."""
    pending = [
        (t("extension.pending_choice", clock=p.clock, original=p.original_due[5:],
           new=p.new_due[5:], who=p.requested_by, reason=p.reason), p.id)
        for p in pending_of(desk, row.id)
    ]  # fmt: skip
    return [
        FieldSpec("extension", t("field.extension"), "select", pending,
                  default=pending[0][1] if pending else None, allow_blank=not pending),
        FieldSpec("decision", t("field.decision"), "select",
                  [(t("extension.approve"), "approve"), (t("extension.refuse"), "refuse")],
                  default="approve", allow_blank=False),
        FieldSpec("approver", t("field.approver"), max_length=16),
        FieldSpec("approver_pin", t("field.approver_pin"), max_length=12, password=True),
        FieldSpec("note", t("field.decision_note"), max_length=500),
    ]  # fmt: skip


ACTIONS: tuple[QueueAction, ...] = (
    QueueAction(
        "contact", "c",
        lambda desk, row: [
            FieldSpec("reached", t("field.reached"), "check", default=True),
            _note(),
            FieldSpec("promise", t("field.promise"), "time", placeholder=t("intake.promised_hint")),
        ],
        lambda desk, actor, cid, v: followup.log_contact(
            desk, actor, cid, late=v.get("late"),
            reached=v["reached"], note=v["note"], promise=v["promise"]),
    ),
    QueueAction(
        "dispatch", "d",
        lambda desk, row: [
            FieldSpec("department", t("field.department"), "select", _departments(desk)), _note(),
            FieldSpec("agreed_hours", t("field.agreed_hours"), max_length=6)],
        lambda desk, actor, cid, v: followup.dispatch(
            desk, actor, cid, late=v.get("late"), department=v["department"], note=v["note"],
            agreed_hours=v["agreed_hours"]),
    ),
    QueueAction(
        "department_reply", "r",
        lambda desk, row: [
            FieldSpec("department", t("field.department"), "select", _departments(desk)),
            FieldSpec("content", t("field.content"), "area"),
            FieldSpec("final", t("field.final"), "check"),
        ],
        lambda desk, actor, cid, v: followup.department_reply(
            desk, actor, cid, late=v.get("late"),
            department=v["department"], content=v["content"], final=v["final"]),
    ),
    QueueAction(
        "close", "x",
        lambda desk, row: [
            FieldSpec("outcome", t("field.outcome"), "area"),
            FieldSpec("finding", t("field.finding"), "select", [
                (p.name, p.code) for p in desk.refdata.causes.children(row.cause_code)]),
            FieldSpec("satisfaction", t("field.satisfaction"), "select", _options(
                "satisfaction", [s.value for s in Satisfaction])),
            *responsible_fields(desk),
        ],
        lambda desk, actor, cid, v: followup.close(
            desk, actor, cid, late=v.get("late"), outcome=v["outcome"],
            facts=followup.ClosingFacts.of_fields(v), satisfaction=v["satisfaction"]),
    ),
    QueueAction(
        "visit", "b",
        lambda desk, row: [
            FieldSpec("satisfaction", t("field.satisfaction"), "select", _options(
                "satisfaction", [s.value for s in Satisfaction if s is not Satisfaction.DECLINED])),
            FieldSpec("score", t("field.score"), max_length=2),
            FieldSpec("exception", t("field.exception"), "select", _options(
                "reopen_exception", ["compensation_only", "company_policy"])),
            FieldSpec("note", t("field.note")),
            # issue 17: the attempts before reaching the customer, the guidelines' questions,
            # the suggestion, a reopening's cause, the manager approving an exception
            FieldSpec("attempts", t("field.attempts"), placeholder=t("field.attempts_hint")),
            *(FieldSpec(q, t(f"field.visit_{q}"), "select", _options(
                "satisfaction", [a.value for a in VISIT_ANSWERS])) for q in VISIT_QUESTIONS),
            FieldSpec("suggestion", t("field.suggestion")),
            FieldSpec("reopen_cause", t("field.reopen_cause"), "select",
                      _options("reopen_cause", [c.value for c in ReopenCause])),
            FieldSpec("approver", t("field.approver"), max_length=16),
            FieldSpec("approver_pin", t("field.approver_pin"), max_length=12, password=True),
        ],
        lambda desk, actor, cid, v: followup.record_visit(
            desk, actor, cid, late=v.get("late"),
            satisfaction=v["satisfaction"], score=_score(v["score"]),
            exception=v["exception"], note=v["note"], attempts=v["attempts"],
            attitude=v["attitude"], speed=v["speed"], result_answer=v["result"],
            suggestion=v["suggestion"], reopen_cause=v["reopen_cause"],
            approver_work_no=v["approver"], approver_pin=v["approver_pin"]),
    ),
    _note_only("escalate", "e", followup.escalate),
    QueueAction(
        "severity", "v",
        lambda desk, row: [
            FieldSpec("severity", t("field.severity"), "select",
                      _options("severity", [s.value for s in Severity])),
            FieldSpec("reason", t("field.reason")),
        ],
        lambda desk, actor, cid, v: followup.change_severity(
            desk, actor, cid, late=v.get("late"), severity=v["severity"], reason=v["reason"]),
        show=False,
    ),
    QueueAction(
        "pause", "p",
        lambda desk, row: [
            FieldSpec("until", t("field.until"), "time", placeholder=t("intake.promised_hint")),
            FieldSpec("reason", t("field.pause_reason"), "select",
                      _options("pause_reason", ["customer_request", "unreachable"])),
            FieldSpec("note", t("field.note")),
        ],
        lambda desk, actor, cid, v: followup.pause_clocks(
            desk, actor, cid, late=v.get("late"),
            until=v["until"], reason=v["reason"], note=v["note"]),
        show=False,
    ),
    QueueAction(
        "reassign", "a",
        lambda desk, row: [
            FieldSpec("to_staff", t("field.to_staff"), "select", _staff_options(desk, row)),
            FieldSpec("note", t("field.note")),
        ],
        lambda desk, actor, cid, v: followup.reassign(
            desk, actor, cid, late=v.get("late"), to_staff_id=v["to_staff"], note=v["note"]),
        show=False,
    ),
    _note_only("care", "f", followup.record_care, show=False),
    QueueAction(
        "investigation", "i",
        lambda desk, row: [
            FieldSpec(part, t(f"field.investigation_{part}"), "area")
            for part in followup.INVESTIGATION_PARTS],
        lambda desk, actor, cid, v: followup.record_investigation(
            desk, actor, cid, late=v.get("late"), facts=v["facts"],
            responsible=v["responsible"], result=v["result"], improvement=v["improvement"]),
        show=False,
    ),
    QueueAction(
        "request_explanation", "u",
        lambda desk, row: [FieldSpec("head", t("field.head")), _note()],
        lambda desk, actor, cid, v: followup.request_explanation(
            desk, actor, cid, late=v.get("late"), head=v["head"], note=v["note"]),
        show=False,
    ),
    _note_only("explanation", "w", followup.record_explanation, show=False),
    _note_only("waiver", "z", followup.record_waiver, show=False),
    QueueAction(
        "plan_dispatch", "t",
        lambda desk, row: [
            FieldSpec("department", t("field.department"), "select", _departments(desk)), _note()],
        lambda desk, actor, cid, v: followup.plan_dispatch(
            desk, actor, cid, late=v.get("late"), department=v["department"], note=v["note"]),
        show=False,
    ),
    QueueAction(
        "hidden_risk", "h",
        lambda desk, row: [
            FieldSpec("claimed_to", t("field.claimed_to"), "select",
                      _options("claimed_to", [c.value for c in ClaimedTo])),
            _note()],
        lambda desk, actor, cid, v: followup.flag_hidden_risk(
            desk, actor, cid, late=v.get("late"), claimed_to=v["claimed_to"], note=v["note"]),
        show=False,
    ),
    _note_only("media_report", "k", followup.report_media, show=False),
    QueueAction(
        "opinion", "o",
        lambda desk, row: [FieldSpec("opinion", t("field.opinion"), "area")],
        lambda desk, actor, cid, v: followup.give_opinion(
            desk, actor, cid, late=v.get("late"), opinion=v["opinion"]),
        show=False,
    ),
    QueueAction(
        "file_report", "g",
        lambda desk, row: [
            FieldSpec("outcome", t("field.outcome"), "area"),
            FieldSpec("compensation", t("field.compensation"))],
        lambda desk, actor, cid, v: followup.file_report(
            desk, actor, cid, late=v.get("late"), outcome=v["outcome"],
            compensation=v["compensation"]),
        show=False,
    ),
    QueueAction(
        "no_fault", "j",
        lambda desk, row: [
            FieldSpec("no_fault", t("field.no_fault"), "check"),
            FieldSpec("reason", t("field.reason")),
        ],
        lambda desk, actor, cid, v: followup.set_no_fault(
            desk, actor, cid, late=v.get("late"), no_fault=v["no_fault"], reason=v["reason"]),
        show=False,
    ),
    QueueAction(
        "refund", "y",
        _refund_fields,
        lambda desk, actor, cid, v: followup.record_refund(
            desk, actor, cid, _refund_form(v), late=v.get("late")),
        show=False,
    ),
    QueueAction(
        "refund_paid", "n",
        lambda desk, row: [
            FieldSpec("refund", t("field.refund"), "select",
                      _refunds_in(desk, row, RefundState.APPROVED)),
            FieldSpec("method", t("field.method"), "select",
                      _options("refund_method", [m.value for m in RefundMethod]),
                      default=RefundMethod.ACCOUNT_CREDIT.value, allow_blank=False),
            FieldSpec("reference", t("field.reference"), max_length=80),
        ],
        lambda desk, actor, cid, v: followup.pay_refund(
            desk, actor, cid, late=v.get("late"), refund_id=v["refund"], method=v["method"],
            reference=v["reference"]),
        show=False,
    ),
    QueueAction(
        "refund_told", "l",
        lambda desk, row: [
            FieldSpec("refund", t("field.refund"), "select",
                      _refunds_in(desk, row, RefundState.PAID)),
            _note(),
        ],
        lambda desk, actor, cid, v: followup.tell_refund(
            desk, actor, cid, late=v.get("late"), refund_id=v["refund"], note=v["note"]),
        show=False,
    ),
    QueueAction(
        "extension", "q",
        _extension_fields,
        lambda desk, actor, cid, v: followup.request_extension(
            desk, actor, cid, late=v.get("late"), clock=v["clock"], new_due=v["new_due"],
            reason=v["reason"]),
        show=False,
        refused=_nothing_to_extend,
    ),
    QueueAction(
        "extension_decide", "s",
        _decision_fields,
        lambda desk, actor, cid, v: followup.decide_extension(
            desk, actor, cid, late=v.get("late"), extension_id=v["extension"],
            decision=v["decision"], approver_work_no=v["approver"],
            approver_pin=v["approver_pin"], note=v["note"]),
        show=False,
    ),
)  # fmt: skip

ACTIONS_BY_NAME = {a.name: a for a in ACTIONS}
