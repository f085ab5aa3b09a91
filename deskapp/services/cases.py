"""案例库 (issue 18): a manager marks a closed ticket as a teaching case with a short lesson;
cases are found by category (and words of the lesson) and exported as a page for the morning
meeting (早班会案例分析) with the customer's personal data left out (domain/cases.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from deskapp.domain.cases import names_called, redact
from deskapp.domain.clean_input import check_clean
from deskapp.domain.enums import Status
from deskapp.domain.errors import RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.permissions import Permission
from deskapp.domain.repeat import matter_of
from deskapp.domain.status import ACTIVE
from deskapp.domain.timefmt import format_local, local_day
from deskapp.paths import write_export
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
        cases = list(
            session.scalars(
                sa.select(TeachingCase).where(col(TeachingCase.complaint_id) == complaint.id)
            )
        )
        # A ticket is a case once (one page) while any of its cases is unretired, whatever
        # key the merge left it; with none left it may be marked again.
        if any(c.retired_at is None for c in cases):
            raise RuleViolation.single("complaint", "error.case.already_marked")
        for stale in cases:
            # Retired, yet holding the key (retired on one terminal while the merge gave it
            # the key on another): the key only names a collision now, so it is freed.
            if stale.case_key is not None:
                stale.case_key = None
        session.flush()
        # Unique while in the library: the one merge rule of unique values settles two
        # terminals that marked the same ticket apart (deskapp/sync/unique.py).
        case = TeachingCase(complaint_id=complaint.id, category=matter_of(complaint.cause_code),
                            lesson=lesson.strip(), marked_by=actor.id,
                            marked_at=desk.clock.now(), case_key=complaint.id)  # fmt: skip
        session.add(case)
    return case


def retire_case(desk: Desk, actor: Actor, case_id: str) -> None:
    """A duty or hall manager takes a case out of the library (refused and audited for anyone
    else); the row stays (never deleted), with who retired it and when: the second of two
    cases of one ticket marked on two terminals apart, or a lesson no longer taught. Retiring
    the case in force leaves the other one in force (`_earlier_unretired`)."""
    enforce(desk, actor, Permission.MARK_CASE, subject=case_id)
    with desk.write(actor.id) as session:
        case = session.get(TeachingCase, case_id)
        if case is None or case.retired_at is not None:
            raise RuleViolation.single("case", "error.case.unknown")
        case.case_key = None
        case.retired_by, case.retired_at = actor.id, desk.clock.now()


def _earlier_unretired() -> sa.ColumnElement[bool]:
    """Whether the listed case has an unretired case of its ticket marked before it: then it
    is not in force. Derived from replicated fields only (marked_at, then the id), never from
    the key the merge of unique values left, so every replica agrees whatever order the marks
    and retirements came in, and retiring any case leaves the earliest remaining one in force
    (issue 18: the one marked first is in force)."""
    other = aliased(TeachingCase)
    marked, mine = col(other.marked_at), col(TeachingCase.marked_at)
    return sa.exists().where(
        col(other.complaint_id) == col(TeachingCase.complaint_id),
        col(other.retired_at).is_(None),
        sa.or_(marked < mine, sa.and_(marked == mine, col(other.id) < col(TeachingCase.id))),
    )


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
    # False for a case of a ticket with an unretired case marked before it (two marked on two
    # terminals apart, a sync conflict): the morning page leaves it out until a manager
    # retires it or the earlier one.
    in_force: bool = True


CASE_PAGE = 50  # rows on the cases screen at a time, read from SQL


@dataclass(frozen=True)
class CasePage:
    """A page of the case library as the screen shows it."""

    rows: list[CaseView]
    offset: int
    has_more: bool


def case_categories(desk: Desk) -> list[tuple[str, str]]:
    """The categories a case is searched by: the cause tree's first two levels, in file order,
    as (label, code); a second-level one is indented under its first level."""
    causes = desk.refdata.causes
    found: list[tuple[str, str]] = []
    for root in causes.roots():
        found.append((root.name, root.code))
        found += [(f"  {kid.name}", kid.code) for kid in causes.children(root.code)]
    return found


def _like(text: str) -> str:
    # As typed: % and _ are letters here, not LIKE's wildcards.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _cases_query(
    desk: Desk, category: str, words: str
) -> sa.Select[tuple[TeachingCase, Complaint, bool]]:
    """The cases, newest first: of a category of any level of the cause tree (its code: NET,
    NET.COVER...); `words` are checked here and matched by `_matching` on the texts as the page
    shows them. An unknown category is refused in words (a typo on the command line must not
    look like "no cases")."""
    query = (
        sa.select(TeachingCase, Complaint, sa.not_(_earlier_unretired()))
        .join(Complaint, col(Complaint.id) == TeachingCase.complaint_id)
        # Retired cases are out, whatever key a merge left them (mark_case)
        .where(col(TeachingCase.retired_at).is_(None))
        .order_by(col(TeachingCase.marked_at).desc(), col(TeachingCase.id).desc())
    )
    category = category.strip()
    if category:
        if category not in desk.refdata.causes:
            raise RuleViolation.single("category", "error.case.unknown_category", code=category)
        if "." not in category:  # a first level: the case's own indexed column
            query = query.where(col(TeachingCase.category) == category)
        else:
            query = query.where(sa.or_(
                col(Complaint.cause_code) == category,
                col(Complaint.cause_code).like(_like(category) + ".%", escape="\\"),
            ))  # fmt: skip
    if error := check_clean("words", words):  # a lone surrogate no stored text could hold
        raise RuleViolation([error])
    return query


def _matching(views: list[CaseView], words: str) -> list[CaseView]:
    """The cases with `words` in the lesson, the complaint, the demand or the outcome as the
    page shows them, personal data left out: searching the raw texts would tell anyone whether
    a given phone, account, e-mail or address is a case's customer."""
    needle = words.strip().casefold()
    if not needle:
        return views
    return [v for v in views
            if any(needle in text.casefold()
                   for text in (v.lesson, v.content, v.demand, v.outcome))]  # fmt: skip


def _view(desk: Desk, case: TeachingCase, c: Complaint, in_force: bool) -> CaseView:
    causes = desk.refdata.causes
    # 李女士's case: the full name her texts give (客户李红反映) is masked in every field.
    texts = (c.content, c.demand, c.outcome, case.lesson)
    names = (c.customer_name, *names_called(texts, (c.customer_name,)))
    numbers = (c.contact_phone, c.service_number)
    return CaseView(
        id=case.id, ticket_no=c.ticket_no,
        category=causes.path(case.category).name if case.category in causes else case.category,
        cause=causes.path(c.cause_code).label if c.cause_code in causes else c.cause_code,
        channel=c.channel, severity=c.severity, received_at=c.received_at,
        content=redact(c.content, names, numbers), demand=redact(c.demand, names, numbers),
        outcome=redact(c.outcome, names, numbers), lesson=redact(case.lesson, names, numbers),
        in_force=bool(in_force),
    )  # fmt: skip


def find_cases(desk: Desk, category: str = "", words: str = "") -> list[CaseView]:
    """Every case matching (newest first): for the morning meeting's page, which is short."""
    with desk.read() as session:
        rows = session.execute(_cases_query(desk, category, words)).all()
    return _matching([_view(desk, case, c, force) for case, c, force in rows], words)


def case_page(
    desk: Desk, category: str = "", words: str = "", offset: int = 0, limit: int = CASE_PAGE
) -> CasePage:
    """A page of the matching cases, read from SQL (one row more tells whether more follow);
    with `words`, the category's cases are read and matched on their shown texts (a case
    library is a few hundred teaching cases, not the complaints). Every signed-in role reads
    the cases: handlers learn from them (docs/permissions.md)."""
    offset = max(0, offset)
    if words.strip():
        found = find_cases(desk, category, words)
        return CasePage(rows=found[offset : offset + limit], offset=offset,
                        has_more=len(found) > offset + limit)  # fmt: skip
    query = _cases_query(desk, category, words).offset(offset).limit(limit + 1)
    with desk.read() as session:
        rows = session.execute(query).all()
    views = [_view(desk, case, c, force) for case, c, force in rows[:limit]]
    return CasePage(rows=views, offset=offset, has_more=len(rows) > limit)


def morning_page(desk: Desk, cases: list[CaseView]) -> str:
    """The page for the morning meeting (早班会案例分析): each case with its cause, what the
    customer said and wanted, the outcome and the lesson; no name, no number, no ticket."""
    from deskapp.i18n import t

    today = local_day(desk.clock.now(), desk.tz)
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
    return "\n".join(lines)


def write_case_page(desk: Desk, folder: Path, category: str = "", words: str = "") -> Path:
    """The morning meeting's page of the matching cases, written to `folder` (made if
    missing; a folder that cannot be written raises OSError, said in words by the caller)."""
    cases = [c for c in find_cases(desk, category, words) if c.in_force]
    today = local_day(desk.clock.now(), desk.tz)
    text = morning_page(desk, cases)
    path = folder / f"早班会案例分析_{today.isoformat()}.txt"
    return write_export(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def export_cases(
    desk: Desk, actor: Actor, folder: Path, category: str = "", words: str = ""
) -> Path:
    """The page for the morning meeting, exported by a duty or hall manager (who leads the
    meeting; refused and audited for anyone else): the cases of `category` and `words`."""
    enforce(desk, actor, Permission.MARK_CASE, subject="cases")
    return write_case_page(desk, folder, category, words)
