"""The tables. Two kinds, and the difference matters:

* record tables (`RecordTable` subclasses) are the hall's shared record: every insert or
  update is captured into the change log in the same transaction (store/changelog.py) and
  later synchronized. They are never deleted from: retirement is a field, not a DELETE.
* local tables belong to this terminal only (its identity and counters, the change log itself,
  sign-in throttling, form drafts) and are never synchronized.

Times are UTC (aware on the way in, stored naive-UTC by SQLite); money is integer fen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from deskapp.ids import uuid7

SCHEMA_VERSION = 15  # bump when a migration changes a record table's columns (additively)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, hands back aware UTC datetimes; refuses naive ones (a timezone bug)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utc_column(*, nullable: bool = False, index: bool = False) -> sa.Column[datetime]:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


class StoreTable(SQLModel):
    """Base of every table of the store: SQLModel gives each table class its `__table__`;
    this says so to the type checker (Core statements read its columns)."""

    if TYPE_CHECKING:
        __table__: ClassVar[sa.Table]


class RecordTable(StoreTable):
    """Marker base: rows of these tables are change-logged and synchronized."""

    if TYPE_CHECKING:
        id: str  # every record table's key (a UUIDv7 text), declared by each table


# ---------------------------------------------------------------- record tables


class Staff(RecordTable, table=True):
    __tablename__ = "staff"

    id: str = Field(default_factory=uuid7, primary_key=True)
    work_no: str = Field(unique=True, index=True, max_length=16)
    name: str = Field(max_length=40)
    role: str = Field(max_length=16)
    active: bool = True
    pin_hash: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column())
    created_by: str = Field(max_length=40)


class Complaint(RecordTable, table=True):
    __tablename__ = "complaint"
    __table_args__ = (
        sa.Index("ix_complaint_phone_received", "contact_phone", "received_at"),
        sa.Index("ix_complaint_last4_received", "phone_last4", "received_at"),
        sa.Index("ix_complaint_service_received", "service_number", "received_at"),
        sa.Index("ix_complaint_repeat_of", "repeat_of_id"),
        sa.Index("ix_complaint_name", "customer_name"),
        sa.Index("ix_complaint_status_owner", "status", "owner_id"),
        sa.Index("ix_complaint_owner_due", "owner_id", "next_due_at"),
        sa.Index("ix_complaint_responder_due", "first_responder_id", "next_due_at"),
        sa.Index("ix_complaint_due", "next_due_at"),
        sa.Index("ix_complaint_closed", "closed_at"),
    )

    id: str = Field(default_factory=uuid7, primary_key=True)
    ticket_no: str = Field(unique=True, max_length=40)
    hall_code: str = Field(max_length=8)
    terminal_code: str = Field(max_length=8)
    received_at: datetime = Field(sa_column=utc_column(index=True))
    registered_at: datetime = Field(sa_column=utc_column())
    channel: str = Field(max_length=32)
    customer_name: str = Field(max_length=80)
    contact_phone: str = Field(max_length=20)
    phone_last4: str = Field(max_length=4)
    service_number: str = Field(default="", max_length=40)
    content: str
    demand: str
    cause_code: str = Field(max_length=80)  # level 3 at intake (no index: no query reads by it)
    cause_code_l4: str | None = Field(default=None, max_length=100)  # set after checking facts
    severity: str = Field(max_length=16)
    severity_reason: str = ""
    accused_staff_id: str | None = Field(default=None, foreign_key="staff.id")
    no_fault: bool = False  # 无责投诉
    difficult_customer: bool = False  # B类/疑难客户
    is_repeat: bool = False  # 重复投诉
    repeat_of_id: str | None = Field(default=None, foreign_key="complaint.id")
    is_batch: bool = False  # 批量投诉
    # 批量投诉: the incident this ticket belongs to (no foreign key: SQLite cannot add one to
    # an existing table without rebuilding it, which would drop the search-index triggers)
    batch_id: str | None = Field(default=None, max_length=40, index=True)
    # 内部投诉: staff or a department complaining about staff or a department (its own limits);
    # a customer's complaint about a staff member is external (accused_staff_id, recusal).
    internal: bool = False
    hidden_risk: bool = False  # 隐患投诉: likely to escalate, reported up at once
    claimed_to: str = Field(default="", max_length=24)  # 声称升级: where (ClaimedTo), or ""
    escalation_level: int = 0  # 0 = with the handler; see data/escalation
    first_responder_id: str = Field(foreign_key="staff.id")  # 首问负责: never changes
    owner_id: str = Field(foreign_key="staff.id")
    status: str = Field(max_length=16)
    solved_on_spot: bool = False  # 现场解决
    promised_reply_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    outcome: str = ""
    satisfaction: str | None = Field(default=None, max_length=24)
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    reopen_count: int = 0
    # The earliest running deadline, kept current by every action (services/deadlines.py) so
    # the follow-up queue is one indexed range read, whatever the size of the history.
    next_due_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    next_clock: str = Field(default="", max_length=32)
    next_due_provisional: bool = False  # counted over a year whose holidays are unknown
    paused_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_by: str = Field(max_length=40)
    updated_at: datetime = Field(sa_column=utc_column())
    # 责任界定 (0012, issue 17): recorded at closing (domain/responsibility.py)
    responsible_kind: str = Field(default="", max_length=16)  # ResponsibleKind, or ""
    responsible_ref: str = Field(default="", max_length=40)  # the department code, staff id
    responsible_note: str = ""  # the third party, or words on the others


class ComplaintEvent(RecordTable, table=True):
    """Append-only history of a complaint: what happened, who, when, and its details."""

    __tablename__ = "complaint_event"
    __table_args__ = (sa.Index("ix_event_complaint_at", "complaint_id", "at"),)

    id: str = Field(default_factory=uuid7, primary_key=True)
    complaint_id: str = Field(foreign_key="complaint.id")
    kind: str = Field(max_length=32)
    at: datetime = Field(sa_column=utc_column())
    actor_id: str = Field(max_length=40)
    note: str = ""
    data: str = "{}"  # JSON object with the event's particulars


class Refund(RecordTable, table=True):
    """收费误差,双倍返还: one verified refund with its arithmetic and its approvals."""

    __tablename__ = "refund"

    id: str = Field(default_factory=uuid7, primary_key=True)
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    charged_fen: int
    should_have_charged_fen: int
    rule_amount_fen: int  # 2 × positive difference
    amount_fen: int  # what is actually paid
    method: str = Field(max_length=16)
    verified_by: str = Field(foreign_key="staff.id")  # 先查证后退费
    verified_at: datetime = Field(sa_column=utc_column())
    approved_by: str | None = Field(default=None, foreign_key="staff.id")  # beyond the rule
    approval_reason: str = ""
    created_by: str = Field(max_length=40)
    # 0012 (issue 17): the error type decides the rule (data/refund_errors.toml; "" on refunds
    # recorded before the list), and the refund's life: paid (account credit first, cash
    # second; `method` is how it was paid), then the customer told.
    error_type: str = Field(default="", max_length=32)
    verification: str = ""  # who verified the charge and how (先查证后退费)
    paid_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    paid_by: str | None = Field(default=None, max_length=40)
    paid_ref: str = Field(default="", max_length=80)  # the credit's or receipt's number
    told_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    told_by: str | None = Field(default=None, max_length=40)


class RefundApproval(RecordTable, table=True):
    """One attempt to approve a refund beyond the rule, allowed or refused (the audit of the
    four-eyes rule): who asked, who was to approve, the amount and the rule's amount. A refused
    attempt is written in a transaction of its own after the refused one rolled back (like
    `Refusal`), so no foreign keys: the refund it was for was never written."""

    __tablename__ = "refund_approval"

    id: str = Field(default_factory=uuid7, primary_key=True)
    at: datetime = Field(sa_column=utc_column(index=True))
    complaint_id: str = Field(max_length=40, index=True)
    refund_id: str = Field(max_length=40)
    asked_by: str = Field(max_length=40)  # the staff member recording the refund
    approver_work_no: str = Field(max_length=16)  # as typed (canonical)
    approver_id: str = Field(default="", max_length=40)  # "" when no such staff member
    outcome: str = Field(max_length=16)  # domain.refund.ApprovalOutcome
    amount_fen: int
    rule_amount_fen: int
    hall_code: str = Field(max_length=8)
    terminal_code: str = Field(max_length=8)


class DeadlineExtension(RecordTable, table=True):
    """延期申请: a handler asks to move one of a ticket's clocks (the clock, its department for a
    department's clock, the moment that clock started) to a later time with a reason; a duty
    manager or above decides with their PIN. Approved, that clock's deadline is the new time
    for as long as the same clock runs from the same start (services/extensions.py)."""

    __tablename__ = "deadline_extension"

    id: str = Field(default_factory=uuid7, primary_key=True)
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    clock: str = Field(max_length=32)  # domain.deadlines.ClockKind
    detail: str = Field(default="", max_length=40)  # the department of a department's clock
    clock_start: datetime = Field(sa_column=utc_column())
    original_due_at: datetime = Field(sa_column=utc_column())
    new_due_at: datetime = Field(sa_column=utc_column())
    reason: str
    requested_by: str = Field(foreign_key="staff.id")
    requested_at: datetime = Field(sa_column=utc_column(index=True))
    status: str = Field(default="pending", max_length=16)  # pending, approved, refused, withdrawn
    decided_by: str | None = Field(default=None, foreign_key="staff.id")
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    decision_note: str = ""


class ExtensionApproval(RecordTable, table=True):
    """One attempt to decide a deadline extension with a manager's PIN, allowed or refused (the
    audit of every attempt, as `RefundApproval` for refunds). A refused attempt is written after
    the refused transaction rolled back, so the extension is referred to by id, not a key."""

    __tablename__ = "extension_approval"

    id: str = Field(default_factory=uuid7, primary_key=True)
    at: datetime = Field(sa_column=utc_column(index=True))
    complaint_id: str = Field(max_length=40, index=True)
    extension_id: str = Field(max_length=40)
    asked_by: str = Field(max_length=40)  # who requested the extension
    decision: str = Field(max_length=16)  # approve or refuse, as asked
    approver_work_no: str = Field(max_length=16)  # as typed (canonical)
    approver_id: str = Field(default="", max_length=40)  # "" when no such staff member
    outcome: str = Field(max_length=16)  # domain.refund.ApprovalOutcome
    hall_code: str = Field(max_length=8)
    terminal_code: str = Field(max_length=8)


class VisitApproval(RecordTable, table=True):
    """One attempt to approve reporting an unsatisfied return visit under one of the two
    exceptions (only the compensation is disputed; the handling followed company policy),
    allowed or refused: who asked, who was to approve, the exception. Written like
    `RefundApproval`: a refused attempt in a transaction of its own, so no foreign keys."""

    __tablename__ = "visit_approval"

    id: str = Field(default_factory=uuid7, primary_key=True)
    at: datetime = Field(sa_column=utc_column(index=True))
    complaint_id: str = Field(max_length=40, index=True)
    asked_by: str = Field(max_length=40)  # the staff member recording the visit
    approver_work_no: str = Field(max_length=16)  # as typed (canonical)
    approver_id: str = Field(default="", max_length=40)  # "" when no such staff member
    outcome: str = Field(max_length=16)  # domain.refund.ApprovalOutcome
    exception: str = Field(max_length=24)  # domain.visits.ReopenException
    hall_code: str = Field(max_length=8)
    terminal_code: str = Field(max_length=8)


class Shift(RecordTable, table=True):
    """交接班: one handler's shift at one terminal, from signing in to the handover."""

    __tablename__ = "shift"
    __table_args__ = (sa.Index("ix_shift_staff_opened", "staff_id", "opened_at"),)

    id: str = Field(default_factory=uuid7, primary_key=True)
    staff_id: str = Field(foreign_key="staff.id")
    hall_code: str = Field(max_length=8)
    terminal_code: str = Field(max_length=8)
    opened_at: datetime = Field(sa_column=utc_column(index=True))
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    status: str = Field(default="open", max_length=16)  # open, handed_over, acknowledged, filed
    note: str = ""  # the shift's note to the next handler
    counts: str = "{}"  # JSON: the shift's figures as they stood at the handover
    incoming_staff_id: str | None = Field(default=None, foreign_key="staff.id")
    acknowledged_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    filed_by: str | None = Field(default=None, foreign_key="staff.id")
    filed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class HandoverItem(RecordTable, table=True):
    """One open complaint handed over, with what the next person must do. Append-only."""

    __tablename__ = "handover_item"

    id: str = Field(default_factory=uuid7, primary_key=True)
    shift_id: str = Field(foreign_key="shift.id", index=True)
    complaint_id: str = Field(foreign_key="complaint.id")
    note: str
    next_clock: str = Field(default="", max_length=32)
    next_due_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ShiftEvent(RecordTable, table=True):
    """Acknowledgement, filing (备案) and later annotations of a handover. Append-only."""

    __tablename__ = "shift_event"

    id: str = Field(default_factory=uuid7, primary_key=True)
    shift_id: str = Field(foreign_key="shift.id", index=True)
    kind: str = Field(max_length=16)  # acknowledged, filed, annotated
    actor_id: str = Field(max_length=40)
    at: datetime = Field(sa_column=utc_column())
    note: str = ""


class OpinionEntry(RecordTable, table=True):
    """意见簿: one entry transcribed from the paper book on the counter."""

    __tablename__ = "opinion_entry"
    __table_args__ = (sa.Index("ix_opinion_written", "written_on", "processed_at"),)

    id: str = Field(default_factory=uuid7, primary_key=True)
    written_on: str = Field(max_length=10)  # YYYY-MM-DD, the date the customer wrote
    page: int
    line: int
    kind: str = Field(max_length=16)  # opinion, suggestion, praise, complaint
    content: str
    customer_name: str = ""
    contact: str = ""
    reply: str = ""  # the reply given or the action taken
    processed_by: str | None = Field(default=None, foreign_key="staff.id")
    processed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    complaint_id: str | None = Field(default=None, foreign_key="complaint.id")
    created_by: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column())


class DayClose(RecordTable, table=True):
    """结束营业: the duty manager's sign-off of one terminal's day; the day is locked after it."""

    __tablename__ = "day_close"

    id: str = Field(default_factory=uuid7, primary_key=True)
    day: str = Field(max_length=10, index=True)  # YYYY-MM-DD in the hall's time zone
    hall_code: str = Field(max_length=8)
    terminal_code: str = Field(max_length=8)
    signed_off_by: str = Field(foreign_key="staff.id")
    signed_off_at: datetime = Field(sa_column=utc_column())
    summary: str = "{}"  # JSON: the day's work record as it stood at the sign-off


class LateChange(RecordTable, table=True):
    """A change to a record of a day already signed off, with the manager who allowed it."""

    __tablename__ = "late_change"

    id: str = Field(default_factory=uuid7, primary_key=True)
    day: str = Field(max_length=10)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=40, index=True)
    reason: str
    approved_by: str = Field(foreign_key="staff.id")
    actor_id: str = Field(max_length=40)
    at: datetime = Field(sa_column=utc_column())


class Refusal(RecordTable, table=True):
    """An action the permissions matrix refused (审计): who tried what, where, on what. Written
    after the refused transaction rolled back, synchronized to the hall for the managers."""

    __tablename__ = "refusal"

    id: str = Field(default_factory=uuid7, primary_key=True)
    at: datetime = Field(sa_column=utc_column(index=True))
    actor_id: str = Field(max_length=40, index=True)  # a staff id (no foreign key: a
    # refusal must be kept even for someone this terminal has not yet pulled)
    role: str = Field(max_length=16)
    permission: str = Field(max_length=40)
    subject: str = Field(default="", max_length=40)  # the ticket, shift or day concerned
    hall_code: str = Field(max_length=8)
    terminal_code: str = Field(max_length=8)


class SigninEvent(RecordTable, table=True):
    """A wrong PIN, a lockout, or the end of a count (a right PIN, a hall manager's unlock).
    Append-only and synchronized, so the terminals of a hall merge them as a set and count
    wrong PINs across the hall (services/staff.py derives the lock from these rows)."""

    __tablename__ = "signin_event"
    __table_args__ = (sa.Index("ix_signin_event_work_no_at", "work_no", "at"),)

    id: str = Field(default_factory=uuid7, primary_key=True)
    work_no: str = Field(max_length=16)  # as typed (canonical): unknown work numbers count too
    kind: str = Field(max_length=16)  # failed, locked, cleared
    reason: str = Field(default="", max_length=16)  # for cleared: signed_in, unlocked
    at: datetime = Field(sa_column=utc_column(index=True))
    actor_id: str = Field(default="", max_length=40)  # who cleared it (unlocked: the manager)
    hall_code: str = Field(max_length=8)
    terminal_code: str = Field(max_length=8)


class BatchIncident(RecordTable, table=True):
    """批量投诉: one incident (an outage, a bad promotion) with its linked tickets
    (complaint.batch_id). Opened by a duty manager, possibly in advance for a marketing
    campaign (投诉预案与营销案一并启动) with the scripts to use; closed with one outcome, which
    is written onto every linked open ticket through the ordinary close."""

    __tablename__ = "batch_incident"

    id: str = Field(default_factory=uuid7, primary_key=True)
    title: str = Field(max_length=80)
    cause_code: str = Field(max_length=80)  # any level of the cause tree
    area: str = ""  # the area or halls concerned
    started_at: datetime = Field(sa_column=utc_column())
    description: str = ""
    campaign: bool = False  # a complaint plan opened with a marketing campaign
    scripts: str = ""  # what to tell the customers (标准话术) for this incident
    status: str = Field(default="open", max_length=16)  # open, closed
    opened_by: str = Field(max_length=40)
    opened_at: datetime = Field(sa_column=utc_column())
    outcome: str = ""
    # 0020 (rules18c): the responsible party (ClosingFacts as JSON, no finding), kept with the
    # outcome before any ticket closes: a close interrupted and resumed ends with one party.
    party: str = ""
    closed_by: str | None = Field(default=None, max_length=40)
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class BatchCloseClaim(StoreTable, table=True):
    """A batch's close running now on this store (not synced: the claim is the store's, so two
    desks on one store file cannot close one batch at once). Taken in a BEGIN IMMEDIATE
    transaction; stale once its process is gone from this host or it has not beaten for
    `services/batches.CLAIM_STALE`, so a killed close can be resumed."""

    __tablename__ = "batch_close_claim"

    batch_id: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=200)  # host:pid:token of the close
    host: str = Field(max_length=120)
    pid: int
    beat_at: datetime = Field(sa_column=utc_column())


class TeachingCase(RecordTable, table=True):
    """案例库: a closed ticket a manager marked as a case, with a short lesson, for the morning
    meeting (早班会案例分析). `category` is the ticket's service-process category (searchable)."""

    __tablename__ = "teaching_case"

    id: str = Field(default_factory=uuid7, primary_key=True)
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    category: str = Field(max_length=40, index=True)
    lesson: str
    # 0021 (case18e): 案情概述, written by the manager for the page (which never prints the
    # ticket's own texts); "" on a case marked before it (the page says it is missing).
    summary: str = ""
    marked_by: str = Field(max_length=40)
    marked_at: datetime = Field(sa_column=utc_column())
    # 0018 (fix18a): the ticket's id while the case is in the library (None once a manager
    # retired it): unique, so one ticket marked on two terminals apart is merged like any
    # unique value (deskapp/sync/unique.py): the case marked first keeps it, the other holds
    # `complaint_id~id` (a conflict for a manager) until it is retired. Which case is in
    # force is not this key but the order of marking (services/cases.py, rules18c).
    case_key: str | None = Field(default=None, max_length=90, unique=True, index=True)
    retired_by: str | None = Field(default=None, max_length=40)
    retired_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class WatchEntry(RecordTable, table=True):
    """B类 / 疑难 / 敏感客户: one customer on the hall's watch list, by contact phone or service
    number, with what to do (两解、两不理) and whom to call. Only duty and hall managers add or
    change entries (services/customer.py); each change is also a WatchEvent (the audit)."""

    __tablename__ = "watch_entry"

    id: str = Field(default_factory=uuid7, primary_key=True)
    customer_key: str = Field(max_length=40, index=True)  # normalized phone or service number
    kind: str = Field(max_length=16)  # b_class, difficult, sensitive (WatchKind)
    customer_name: str = Field(default="", max_length=80)
    designated_handler_id: str | None = Field(default=None, foreign_key="staff.id")
    advice: str = ""  # what to do when the customer comes (the handler reads it at intake)
    solved: str = ""  # 两解: the reasonable requests explained and solved
    refused: str = ""  # 两不理: the harassment and excessive claims refused
    review_on: str = Field(max_length=10)  # YYYY-MM-DD: look at the entry again by then
    active: bool = True  # retired entries stay (never deleted)
    # The number while the entry is active (None when retired): unique, so two terminals that
    # listed one customer apart are merged like any unique value (deskapp/sync/unique.py): the
    # entry made first keeps it, the other holds `number~id` until a manager settles it.
    active_key: str | None = Field(default=None, max_length=90, unique=True, index=True)
    created_by: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column())
    updated_by: str = Field(max_length=40)
    updated_at: datetime = Field(sa_column=utc_column())


class WatchEvent(RecordTable, table=True):
    """The audit of the watch list: who added or changed an entry, when, and what changed
    (old and new values). Append-only."""

    __tablename__ = "watch_event"

    id: str = Field(default_factory=uuid7, primary_key=True)
    entry_id: str = Field(foreign_key="watch_entry.id", index=True)
    kind: str = Field(max_length=16)  # added, changed, retired, in_force (took the number)
    actor_id: str = Field(max_length=40)
    at: datetime = Field(sa_column=utc_column())
    changes: str = "{}"  # JSON: field -> [old, new]


# ----------------------------------------------------------------- local tables


class Terminal(StoreTable, table=True):
    """This terminal's identity and counters; exactly one row."""

    __tablename__ = "terminal"

    node_id: str = Field(primary_key=True)
    hall_code: str = Field(max_length=8)
    terminal_code: str = Field(max_length=8)
    timezone: str = Field(max_length=64)
    last_seq: int = 0  # gap-free change-log sequence of this terminal
    hlc_wall_ms: int = 0
    hlc_counter: int = 0
    created_at: datetime = Field(sa_column=utc_column())
    # The hall store (its hall_meta id) this terminal belongs to: joined at its first sync, or
    # on purpose (`sync --new-hall` / `--join`). What is "waiting" is what that one lacks.
    joined_hall_id: str | None = Field(default=None, max_length=40)


class TicketCounter(StoreTable, table=True):
    __tablename__ = "ticket_counter"

    day: str = Field(primary_key=True, max_length=8)  # YYYYMMDD in the hall's time zone
    last_seq: int = 0


class ChangeLog(StoreTable, table=True):
    """The audit trail and the sync outbox (docs/architecture.md, Synchronization)."""

    __tablename__ = "change_log"
    __table_args__ = (sa.Index("ix_change_log_entity", "entity", "entity_id"),)

    node_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    txn_id: str = Field(max_length=40, index=True)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=40)
    op: str = Field(max_length=8)  # insert | update
    fields: str  # JSON object: changed column -> new value
    hlc: str = Field(max_length=64)
    schema_version: int
    actor_id: str = Field(max_length=40)
    at: datetime = Field(sa_column=utc_column())
    acked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Draft(StoreTable, table=True):
    """A form in progress, saved as it is typed so a killed desk loses nothing."""

    __tablename__ = "draft"

    staff_id: str = Field(primary_key=True, max_length=40)
    form: str = Field(primary_key=True, max_length=32)
    data: str  # JSON object of field -> typed text
    updated_at: datetime = Field(sa_column=utc_column())


class ReportMemo(StoreTable, table=True):
    """A closed ticket's replayed history (services/reports/memo.py), kept so a report does not
    replay the events of every ticket again: derived, never synchronized, valid only while its
    `stamp` (the ticket's row, its events and the rules it was replayed with) still matches."""

    __tablename__ = "report_memo"

    complaint_id: str = Field(primary_key=True, max_length=40)
    stamp: str = Field(max_length=200)
    timely: bool | None = None
    stretches: str  # JSON list of [start, end, deadline or null], ISO UTC


RECORD_TABLES: dict[str, type[RecordTable]] = {
    cls.__tablename__: cls
    for cls in (
        Staff,
        Complaint,
        ComplaintEvent,
        Refund,
        RefundApproval,
        VisitApproval,
        Shift,
        HandoverItem,
        ShiftEvent,
        OpinionEntry,
        DayClose,
        LateChange,
        Refusal,
        SigninEvent,
        WatchEntry,
        WatchEvent,
        BatchIncident,
        TeachingCase,
        DeadlineExtension,
        ExtensionApproval,
    )
}


# ------------------------------------------------- local tables of synchronization (sync/)


class SyncState(StoreTable, table=True):
    """Where this terminal stands with one hall store (keyed by the hall store's own id)."""

    __tablename__ = "sync_state"

    hall_id: str = Field(primary_key=True, max_length=40)
    cursor: int = 0  # the last hall sequence number applied here (with its data, atomically)
    acked_seq: int = 0  # this terminal's change log is acknowledged by the hall up to here
    bootstrapped: bool = False  # the first pull (open tickets + a window of history) is done
    last_success_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class PullMark(StoreTable, table=True):
    """After each pulled batch: the hall cursor and this terminal's last seq at that moment.
    A local change with seq > local_seq was written having seen the hall up to `cursor`
    (the hall needs this to tell concurrent edits from sequential ones)."""

    __tablename__ = "sync_pull_mark"

    hall_id: str = Field(primary_key=True, max_length=40)
    local_seq: int = Field(primary_key=True)
    cursor: int


class SyncRun(StoreTable, table=True):
    """One synchronization attempt, whatever its outcome."""

    __tablename__ = "sync_run"

    id: str = Field(default_factory=uuid7, primary_key=True)
    hall: str = Field(max_length=200)  # the hall store, without any password
    started_at: datetime = Field(sa_column=utc_column(index=True))
    duration_ms: int = 0
    outcome: str = Field(max_length=16)  # ok | must_update | unreachable | error
    pushed: int = 0
    pulled: int = 0
    applied: int = 0
    conflicts: int = 0
    quarantined: int = 0
    skew_ms: int | None = None  # the furthest ahead a remote stamp was of this clock
    bootstrap: bool = False
    error: str = ""


class SyncConflict(StoreTable, table=True):
    """Two terminals changed one field concurrently to different values. Detected by the hall
    store, identical on every replica; kept for a person (the duty manager) to settle."""

    __tablename__ = "sync_conflict"

    id: str = Field(primary_key=True, max_length=40)
    hall_seq: int = Field(index=True)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=40, index=True)
    field: str = Field(max_length=64)
    # side a: the edit already in the hall; side b: the concurrent edit that arrived later
    a_value: str  # JSON
    a_hlc: str = Field(max_length=64)
    a_actor_id: str = Field(max_length=40)
    a_at: datetime = Field(sa_column=utc_column())
    b_value: str  # JSON
    b_hlc: str = Field(max_length=64)
    b_actor_id: str = Field(max_length=40)
    b_at: datetime = Field(sa_column=utc_column())
    settled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    settled_by: str | None = Field(default=None, max_length=40)
    settled_value: str | None = None  # JSON


class SyncQuarantine(StoreTable, table=True):
    """A pulled change kept aside, not applied: stamped too far in the future (a broken
    terminal clock; `drift_ms` > 0) until this clock catches up with it, or one the store
    refused (`reason`, the store's own words) until a later sync can apply it. Either way the
    rest of its batch applies and the cursor moves on (docs/unique-values.md)."""

    __tablename__ = "sync_quarantine"

    node_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    hall_seq: int
    row: str  # JSON of the hall change row
    drift_ms: int
    held_at: datetime = Field(sa_column=utc_column())
    reason: str = ""  # why the store refused it ("" for a stamp ahead of time)


class RecordAlias(StoreTable, table=True):
    """A unique value a record claimed but does not hold (docs/unique-values.md): a ticket
    number that lost a collision or was replaced when one complaint was made twice, a work
    number given to two people. Derived by the merge from the change log, so it is the same on
    every replica; the search finds a complaint by any of its aliases."""

    __tablename__ = "record_alias"
    __table_args__ = (sa.Index("ix_record_alias_value", "entity", "field", "value"),)

    entity: str = Field(primary_key=True, max_length=32)
    field: str = Field(primary_key=True, max_length=64)
    value: str = Field(primary_key=True, max_length=80)
    entity_id: str = Field(primary_key=True, max_length=40)
    reason: str = Field(max_length=16)  # collision (another record holds it) | replaced
