"""案例库 (issue 18): a manager marks a closed ticket as a teaching case with a short lesson;
cases are found by category (and words of the lesson) and exported as a page for the morning
meeting (早班会案例分析) with the customer's personal data left out (domain/cases.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.cases import redact
from deskapp.domain.enums import Status
from deskapp.domain.errors import RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.permissions import Permission
from deskapp.domain.repeat import matter_of
from deskapp.domain.status import ACTIVE
from deskapp.domain.timefmt import format_local, local_day
from deskapp.services.audit import enforce
from deskapp.services.desk import Actor, Desk
from deskapp.store.models import Complaint, TeachingCase

LESSON_LIMIT = 1000


def mark_case(desk: Desk, actor: Actor, complaint_id: str, lesson: str) -> TeachingCase:
    """A duty or hall manager marks a closed ticket as a case (refused and audited for
    anyone else; a ticket still open is refused in words)."""
    enforce(desk, actor, Permission.MARK_CASE, subject=complaint_id)
    error = check_text("lesson", lesson, required=True, max_len=LESSON_LIMIT, multiline=True)
    if error:
        raise RuleViolation([error])
    with desk.write(actor.id) as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            raise RuleViolation.single("complaint", "error.complaint.unknown")
        if Status(complaint.status) in ACTIVE:
            raise RuleViolation.single("status", "error.case.not_closed")
        already = session.scalars(
            sa.select(col(TeachingCase.id)).where(col(TeachingCase.complaint_id) == complaint.id)
        ).first()
        if already is not None:  # a ticket is a case once (one page at the morning meeting)
            raise RuleViolation.single("complaint", "error.case.already_marked")
        case = TeachingCase(complaint_id=complaint.id, category=matter_of(complaint.cause_code),
                            lesson=lesson.strip(), marked_by=actor.id,
                            marked_at=desk.clock.now())  # fmt: skip
        session.add(case)
    return case


@dataclass(frozen=True)
class CaseView:
    id: str
    ticket_no: str
    category: str  # the category's name
    cause: str  # the cause path's label
    channel: str
    severity: str
    received_at: datetime
    content: str  # personal data left out
    demand: str
    outcome: str
    lesson: str


def find_cases(desk: Desk, category: str = "", words: str = "") -> list[CaseView]:
    """The cases, newest first: of a category (its code, e.g. NET) and/or with `words` in the
    lesson, the complaint or its outcome."""
    causes = desk.refdata.causes
    query = (
        sa.select(TeachingCase, Complaint)
        .join(Complaint, col(Complaint.id) == TeachingCase.complaint_id)
        .order_by(col(TeachingCase.marked_at).desc())
    )
    if category:
        query = query.where(col(TeachingCase.category) == category)
    if words.strip():
        # The words as typed: % and _ are letters here, not LIKE's wildcards.
        escaped = words.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        query = query.where(sa.or_(col(TeachingCase.lesson).like(like, escape="\\"),
                                   col(Complaint.content).like(like, escape="\\"),
                                   col(Complaint.outcome).like(like, escape="\\")))  # fmt: skip
    with desk.read() as session:
        rows = session.execute(query).all()
    views = []
    for case, c in rows:
        names = (c.customer_name,)
        views.append(CaseView(
            id=case.id, ticket_no=c.ticket_no,
            category=causes.path(case.category).name if case.category in causes else case.category,
            cause=causes.path(c.cause_code).label if c.cause_code in causes else c.cause_code,
            channel=c.channel, severity=c.severity, received_at=c.received_at,
            content=redact(c.content, names), demand=redact(c.demand, names),
            outcome=redact(c.outcome, names), lesson=redact(case.lesson, names),
        ))  # fmt: skip
    return views


def export_cases(desk: Desk, actor: Actor, folder: Path, category: str = "") -> Path:
    """The page for the morning meeting (早班会案例分析), as a text file: each case with its
    cause, what the customer said and wanted, the outcome and the lesson; no name, no number."""
    from deskapp.i18n import t

    enforce(desk, actor, Permission.MARK_CASE, subject="cases")
    cases = find_cases(desk, category)
    today = local_day(desk.clock.now(), desk.tz)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"早班会案例分析_{today.isoformat()}.txt"
    lines = [f"早班会案例分析 {today.isoformat()}(共 {len(cases)} 例)", ""]
    for i, case in enumerate(cases, start=1):
        lines += [
            f"案例 {i}  {case.category} · {case.cause}",
            f"  受理:{format_local(case.received_at, desk.tz)[:10]}  渠道:"
            f"{t(f'channel.{case.channel}')}  级别:{t(f'severity.{case.severity}')}",
            f"  客户反映:{case.content}",
            f"  客户诉求:{case.demand}",
            f"  处理结果:{case.outcome}",
            f"  经验教训:{case.lesson}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
