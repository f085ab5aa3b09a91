"""案例库 (issue 18): a manager marks a closed ticket as a teaching case with a summary (案情概述)
and a short lesson (经验教训), both written for the page and refused when they hold personal
data (deskapp/domain/cases.py); cases are found by category and by words of their labels,
summary and lesson, and exported as a page for the morning meeting (早班会案例分析). The page
leaves personal data out by construction: it never prints what was typed on the ticket, only
its structured facts and the manager's two texts, checked again when the page is made."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from deskapp.domain import person_names
from deskapp.domain.cases import find_personal_data
from deskapp.domain.clean_input import check_clean
from deskapp.domain.enums import Status
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.indicators import escalated_by_customer
from deskapp.domain.intake_rules import check_text
from deskapp.domain.money import format_yuan, from_fen
from deskapp.domain.permissions import Permission
from deskapp.domain.repeat import matter_of
from deskapp.domain.status import ACTIVE
from deskapp.domain.timefmt import format_local, local_day
from deskapp.paths import write_export
from deskapp.services.audit import enforce
from deskapp.services.customer import customer_keys
from deskapp.services.desk import Actor, Desk
from deskapp.store.models import (
    Complaint,
    ComplaintEvent,
    DeadlineExtension,
    HandoverItem,
    Refund,
    Staff,
    TeachingCase,
    WatchEntry,
)
from deskapp.sync.unique import claimed, settle_withdrawn

LESSON_LIMIT = 1000
SUMMARY_LIMIT = 1000


@dataclass(frozen=True)
class _Known:
    """What the desk knows of a ticket's people besides its fields: the texts of its events
    (follow-ups, return visits, notes), handover notes and extension reasons, whose names the
    check learns, the names of the staff involved (by surname and title: 王经理), and of the
    hall's staff (by full name)."""

    texts: tuple[str, ...] = ()
    involved: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()
    # The customer's names on the desk besides this ticket's: the same customer's other
    # tickets (by phone or service number) and the watch list's entry (the attack on case18g
    # wrote 何浩然 known only from there).
    names: tuple[str, ...] = ()


_HAN = re.compile(r"[\u4e00-\u9fff]")


def warm_checker() -> None:
    """The personal-data check's word segmenter loaded in the background, before the first
    save or page needs it (deskapp/domain/person_names.py)."""
    person_names.warm()


def _strings(value: object) -> Iterator[str]:
    """The texts in an event's data (JSON) that may name someone: those with Chinese in them."""
    if isinstance(value, str):
        if _HAN.search(value):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _known(session: sa.orm.Session, complaints: Iterable[Complaint]) -> dict[str, _Known]:
    """`_Known` of each of `complaints`, in a few reads (the library's page of 50 at once)."""
    by_id = {c.id: c for c in complaints}
    if not by_id:
        return {}
    ids = list(by_id)
    texts: dict[str, list[str]] = {cid: [] for cid in ids}
    people: dict[str, set[str]] = {
        cid: {x for x in (c.accused_staff_id, c.first_responder_id, c.owner_id) if x}
        | ({c.responsible_ref} if c.responsible_kind == "staff" and c.responsible_ref else set())
        for cid, c in by_id.items()
    }
    for cid, actor, note, data in session.execute(
        sa.select(col(ComplaintEvent.complaint_id), col(ComplaintEvent.actor_id),
                  col(ComplaintEvent.note), col(ComplaintEvent.data))
        .where(col(ComplaintEvent.complaint_id).in_(ids))
    ):  # fmt: skip
        people[cid].add(actor)
        if note:
            texts[cid].append(note)
        try:
            texts[cid] += _strings(json.loads(data or "{}"))
        except ValueError:  # a damaged row: its raw text is still read
            texts[cid].append(data)
    for cid, note in session.execute(
        sa.select(col(HandoverItem.complaint_id), col(HandoverItem.note))
        .where(col(HandoverItem.complaint_id).in_(ids))
    ):  # fmt: skip
        texts[cid].append(note)
    for cid, reason, decided in session.execute(
        sa.select(col(DeadlineExtension.complaint_id), col(DeadlineExtension.reason),
                  col(DeadlineExtension.decision_note))
        .where(col(DeadlineExtension.complaint_id).in_(ids))
    ):  # fmt: skip
        texts[cid] += [reason, decided]
    names = _customer_elsewhere(session, by_id, texts)
    staff = {sid: name for sid, name in session.execute(
        sa.select(col(Staff.id), col(Staff.name)))}  # fmt: skip
    everyone = tuple(sorted(set(staff.values())))
    return {cid: _Known(tuple(t for t in texts[cid] if t),
                        tuple(sorted(staff[p] for p in people[cid] if p in staff)), everyone,
                        tuple(sorted(names[cid])))
            for cid in ids}  # fmt: skip


def _customer_elsewhere(
    session: sa.orm.Session, by_id: dict[str, Complaint], texts: dict[str, list[str]]
) -> dict[str, set[str]]:
    """The names each ticket's customer goes by elsewhere on the desk: on the same customer's
    other tickets (by contact phone or service number) and on the watch list (retired
    entries too); their texts (what the customer said, the watch list's advice) are added to
    `texts`, whose names the check learns. Two reads for the whole page."""
    keys = {cid: set(customer_keys(c.contact_phone or "", c.service_number or ""))
            for cid, c in by_id.items()}  # fmt: skip
    every = sorted(set().union(*keys.values()))
    names: dict[str, set[str]] = {cid: set() for cid in by_id}
    if not every:
        return names

    def owners(*numbers: str | None) -> list[str]:
        mine = {n for n in numbers if n}
        return [cid for cid, k in keys.items() if k & mine]

    for other_id, phone, service, name, content, demand in session.execute(
        sa.select(col(Complaint.id), col(Complaint.contact_phone), col(Complaint.service_number),
                  col(Complaint.customer_name), col(Complaint.content), col(Complaint.demand))
        .where(sa.or_(col(Complaint.contact_phone).in_(every),
                      col(Complaint.service_number).in_(every)))
    ):  # fmt: skip
        for cid in owners(phone, service):
            if other_id != cid:
                names[cid].add(name)
                texts[cid] += [content, demand]
    for key, name, advice, solved, refused in session.execute(
        sa.select(col(WatchEntry.customer_key), col(WatchEntry.customer_name),
                  col(WatchEntry.advice), col(WatchEntry.solved), col(WatchEntry.refused))
        .where(col(WatchEntry.customer_key).in_(every))
    ):  # fmt: skip
        for cid in owners(key):
            names[cid].add(name)
            texts[cid] += [advice, solved, refused]
    return {cid: {n for n in found if n} for cid, found in names.items()}


def _personal_data(c: Complaint, text: str, known: _Known) -> list[tuple[int, str, str]]:
    """Where `text` (a summary or a lesson of a case of `c`) holds personal data, as (place
    counted from 1, what, kind): the ticket's name, phone and service number, the names its
    own texts and its events' give (客户李红反映, 联系人李红, a return visit's note), and the
    staff's names are looked for besides any personal data."""
    texts = (c.content, c.demand, c.outcome, c.severity_reason, c.responsible_note, *known.texts)
    found = find_personal_data(text, (c.customer_name, *known.names),
                               (c.contact_phone, c.service_number),
                               texts, known.staff, known.involved)  # fmt: skip
    return [(f.start + 1, f.found, f.kind) for f in found]


def _check_texts(c: Complaint, summary: str, lesson: str, known: _Known) -> None:
    """Both written, within their length, storable, and without personal data: the page is
    shown to the whole hall. A finding refuses in words at its field (what, where); nothing is
    rewritten."""
    errors: list[FieldError] = []
    for field, text, limit in (("summary", summary, SUMMARY_LIMIT),
                               ("lesson", lesson, LESSON_LIMIT)):  # fmt: skip
        error = check_text(field, text, required=True, max_len=limit, multiline=True)
        if error is None and (found := _personal_data(c, text, known)):
            at, what, kind = found[0]
            key = "error.case.staff_name" if kind == "staff" else "error.case.personal_data"
            # The next two named too: the text is refused while any is left, so the manager
            # sees what else to rewrite (宝宝→孩子 alone did not make 宋佳佳 pass, case18g).
            also = "".join(f"“{w}”" for _, w, _ in found[1:3])
            error = FieldError(field, key,
                               {"part": field, "at": at, "found": what, "data_kind": kind,
                                "others": len(found) - 1, "also": also})  # fmt: skip
        if error is not None:
            errors.append(error)
    if errors:
        raise RuleViolation(errors)


def _untabbed(text: str) -> str:
    """A tab pasted from a spreadsheet is kept as spaces (not refused as a control character,
    the page and the search read it as a space)."""
    return text.replace("\t", "    ")


def _unmarkable(session: sa.orm.Session, complaint: Complaint | None) -> RuleViolation | None:
    """Why the ticket cannot be made a case now: unknown, still open, or a case already (an
    unretired case of it in the library)."""
    if complaint is None:
        return RuleViolation.single("complaint", "error.complaint.unknown")
    if Status(complaint.status) in ACTIVE:
        return RuleViolation.single("status", "error.case.not_closed")
    marked = session.scalar(
        sa.select(sa.func.count()).select_from(TeachingCase).where(
            col(TeachingCase.complaint_id) == complaint.id,
            col(TeachingCase.retired_at).is_(None))
    )  # fmt: skip
    if marked:
        return RuleViolation.single("complaint", "error.case.already_marked")
    return None


def check_markable(desk: Desk, actor: Actor, complaint_id: str) -> None:
    """Refuses in words, before K's dialog opens, what `mark_case` would refuse whatever the
    texts: anyone but a manager, a ticket still open, a ticket that is a case already."""
    enforce(desk, actor, Permission.MARK_CASE, subject=complaint_id)
    with desk.read() as session:
        if refused := _unmarkable(session, session.get(Complaint, complaint_id)):
            raise refused


def mark_case(
    desk: Desk, actor: Actor, complaint_id: str, lesson: str, summary: str
) -> TeachingCase:
    """A duty or hall manager marks a closed ticket as a case with the summary and the lesson
    written for the page (refused and audited for anyone else; a ticket still open, a text
    missing or holding personal data refused in words at its field)."""
    enforce(desk, actor, Permission.MARK_CASE, subject=complaint_id)
    summary, lesson = _untabbed(summary), _untabbed(lesson)
    with desk.write(actor.id) as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            raise RuleViolation.single("complaint", "error.complaint.unknown")
        if Status(complaint.status) in ACTIVE:
            raise RuleViolation.single("status", "error.case.not_closed")
        _check_texts(complaint, summary, lesson, _known(session, [complaint])[complaint.id])
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
                            lesson=lesson.strip(), summary=summary.strip(), marked_by=actor.id,
                            marked_at=desk.clock.now(), case_key=complaint.id)  # fmt: skip
        session.add(case)
    return case


class CaseEditedMeanwhile(RuleViolation):
    """The case's texts were changed (at another desk, or by a sync) after the dialog read
    them: nothing written. At a text both changed, the errors show what it holds now (the
    typed text kept, to merge by hand); `taken` names the texts only the other changed, which
    the dialog takes over. `current`: (summary, lesson) now, what the next save is made from."""

    def __init__(self, errors: list[FieldError], current: tuple[str, str], taken: tuple[str, ...]):
        super().__init__(errors)
        self.current = current
        self.taken = taken


def _edited_meanwhile(
    stored: tuple[str, str], seen: tuple[str, str], typed: tuple[str, str]
) -> CaseEditedMeanwhile:
    errors: list[FieldError] = []
    taken: list[str] = []
    for part, now, read, mine in zip(("summary", "lesson"), stored, seen, typed, strict=True):
        if now == read:
            continue  # not changed meanwhile: what was typed stands
        if mine.strip() == read:  # left as read: theirs is taken over
            taken.append(part)
            errors.append(FieldError(part, "error.case.taken", {"value": now}))
        else:
            errors.append(FieldError(part, "error.case.theirs", {"value": now}))
    return CaseEditedMeanwhile(errors, stored, tuple(taken))


def edit_case(
    desk: Desk, actor: Actor, case_id: str, summary: str, lesson: str,
    seen: tuple[str, str] | None = None,
) -> None:  # fmt: skip
    """A duty or hall manager rewrites an unretired case's summary and lesson (refused and
    audited for anyone else), checked as when marked: how a case marked before the summary
    existed, or one whose text the page withholds, is put right. `seen`: the (summary, lesson)
    the dialog read; texts changed since by another manager refuse the edit
    (CaseEditedMeanwhile), so the second of two managers never writes over the first."""
    enforce(desk, actor, Permission.MARK_CASE, subject=case_id)
    summary, lesson = _untabbed(summary), _untabbed(lesson)
    with desk.write(actor.id) as session:  # BEGIN IMMEDIATE: the check and the write as one
        case = session.get(TeachingCase, case_id)
        if case is None or case.retired_at is not None:
            raise RuleViolation.single("case", "error.case.unknown")
        stored = (case.summary or "", case.lesson or "")
        if seen is not None and stored != seen:
            raise _edited_meanwhile(stored, seen, (summary, lesson))
        complaint = session.get(Complaint, case.complaint_id)
        if complaint is None:
            raise RuleViolation.single("complaint", "error.complaint.unknown")
        _check_texts(complaint, summary, lesson, _known(session, [complaint])[complaint.id])
        # The change log holds only the fields whose value changed: an edit of the lesson on
        # one terminal and of the summary on another both stand after the merge.
        case.summary, case.lesson = summary.strip(), lesson.strip()


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
        given_up = claimed(case.case_key)
        case.case_key = None
        case.retired_by, case.retired_at = actor.id, desk.clock.now()
        session.flush()
        # The other claimant of the ticket takes its plain key here as on every replica that
        # merges the retirement (deskapp/sync/unique.py `resettle`), and the collision's
        # conflict record goes.
        if given_up is not None:
            settle_withdrawn(session.connection(), "teaching_case", "case_key", {given_up})


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
    """A case as the library and the page show it: the ticket's structured facts and the
    manager's two texts; never what was typed on the ticket, never a name or a number."""

    id: str
    ticket_no: str  # for the manager retiring it on the screen; never on the page
    category: str  # the category's name
    cause: str  # the cause path's label (level 4 when set at close)
    channel: str
    severity: str
    received_at: datetime
    closed_at: datetime | None
    working_days: str  # receipt to close, in working days ("2.5"); "" if not closed
    flags: tuple[str, ...]  # keys of the case.flag_* words (重复投诉, 批量投诉…)
    party: str  # the responsible party as a kind or a department's name; "" if none
    refund: str  # the refunds' total in yuan ("40.00"); "" if none
    satisfaction: str  # the satisfaction key; "" if none
    reopen_count: int
    summary: str  # as stored; printed only when `summary_ok`
    lesson: str
    summary_ok: bool = True  # False: the stored text has a finding (marked before the check)
    lesson_ok: bool = True
    # False for a case of a ticket with an unretired case marked before it (two marked on two
    # terminals apart, a sync conflict): the morning page leaves it out until a manager
    # retires it or the earlier one.
    in_force: bool = True

    @property
    def withheld(self) -> bool:
        """A text the page leaves out: the library marks the case for a manager to edit."""
        return not (self.summary_ok and self.lesson_ok)


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
    """The cases with `words` in the category, the cause, the summary or the lesson as the
    page shows them: never the ticket's texts or names, so searching a customer's name, phone
    or address finds nothing."""
    needle = words.strip().casefold()
    if not needle:
        return views
    return [v for v in views
            if any(needle in text.casefold()
                   for text in (v.category, v.cause, v.summary if v.summary_ok else "",
                                v.lesson if v.lesson_ok else ""))]  # fmt: skip


_FLAGS = (("is_repeat", "repeat"), ("is_batch", "batch"), ("hidden_risk", "hidden_risk"),
          ("no_fault", "no_fault"), ("solved_on_spot", "on_spot"),
          ("internal", "internal"))  # fmt: skip


def case_flags(desk: Desk, c: Complaint) -> tuple[str, ...]:
    """The ticket's flags as the page words them (keys of case.flag_*)."""
    flags = [key for field, key in _FLAGS if getattr(c, field)]
    floors = {channel.value: s for channel, s in desk.refdata.settings.severity_floor.items()}
    if escalated_by_customer(c.severity, c.claimed_to, c.channel, floors):
        flags.append("escalated")  # 升级投诉 as the indicator counts it
    if c.claimed_to:
        flags.append("claimed")
    return tuple(flags)


def _party(desk: Desk, c: Complaint) -> str:
    """The responsible party as a kind, a department by its name; never a staff member's
    name nor the words on a third party (typed)."""
    from deskapp.i18n import t

    if not c.responsible_kind:
        return ""
    if c.responsible_kind == "department" and (dept := desk.refdata.departments.get(
            c.responsible_ref)):  # fmt: skip
        return dept.name
    return t(f"responsible_kind.{c.responsible_kind}")


def _view(
    desk: Desk,
    case: TeachingCase,
    c: Complaint,
    in_force: bool,
    known: _Known,
    refund_fen: int = 0,
) -> CaseView:
    causes = desk.refdata.causes
    code = c.cause_code_l4 or c.cause_code
    days = ""
    if c.closed_at is not None:
        span = desk.refdata.work_calendar_for(desk.tz).working_days_between(
            c.received_at, c.closed_at)  # fmt: skip
        taken = max(0.0, float(span.days))
        days = f"{taken:.1f}" if taken >= 0.1 else "<0.1"  # closed at once: not "0.0"
    return CaseView(
        id=case.id, ticket_no=c.ticket_no,
        category=causes.path(case.category).name if case.category in causes else case.category,
        cause=causes.path(code).label if code in causes else code,
        channel=c.channel, severity=c.severity, received_at=c.received_at,
        closed_at=c.closed_at, working_days=days, flags=case_flags(desk, c), party=_party(desk, c),
        refund=format_yuan(from_fen(refund_fen)) if refund_fen else "",
        satisfaction=c.satisfaction or "", reopen_count=c.reopen_count,
        summary=case.summary, lesson=case.lesson,
        # Checked again at render: a case marked before the check, or synced from an older
        # terminal, is not printed as it is.
        summary_ok=not _personal_data(c, case.summary, known),
        lesson_ok=not _personal_data(c, case.lesson, known),
        in_force=bool(in_force),
    )  # fmt: skip


def _refunds(desk: Desk, complaint_ids: list[str]) -> dict[str, int]:
    """The refunds' total (fen) of each ticket of a page, in one read."""
    if not complaint_ids:
        return {}
    with desk.read() as session:
        rows = session.execute(
            sa.select(col(Refund.complaint_id), sa.func.sum(col(Refund.amount_fen)))
            .where(col(Refund.complaint_id).in_(complaint_ids))
            .group_by(col(Refund.complaint_id))
        ).all()
    return {cid: int(total or 0) for cid, total in rows}


def _views(desk: Desk, rows: list[tuple[TeachingCase, Complaint, bool]]) -> list[CaseView]:
    refunds = _refunds(desk, [c.id for _case, c, _force in rows])
    with desk.read() as session:
        known = _known(session, [c for _case, c, _force in rows])
    return [_view(desk, case, c, force, known[c.id], refunds.get(c.id, 0))
            for case, c, force in rows]  # fmt: skip


def find_cases(desk: Desk, category: str = "", words: str = "") -> list[CaseView]:
    """Every case matching (newest first): for the morning meeting's page, which is short."""
    with desk.read() as session:
        rows = session.execute(_cases_query(desk, category, words)).all()
    return _matching(_views(desk, [(case, c, force) for case, c, force in rows]), words)


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
    views = _views(desk, [(case, c, force) for case, c, force in rows[:limit]])
    return CasePage(rows=views, offset=offset, has_more=len(rows) > limit)


def case_facts(desk: Desk, case: CaseView) -> list[str]:
    """The ticket's structured facts in words, for the page and the library: dates and time
    taken, channel, severity, flags, responsible party, refund, satisfaction, reopenings."""
    from deskapp.i18n import t

    received = format_local(case.received_at, desk.tz)[:10]
    closed = format_local(case.closed_at, desk.tz)[:10] if case.closed_at else ""
    lines = [t("cases.facts_dates", received=received, closed=closed or "-",
               days=case.working_days or "-"),
             t("cases.facts_kind", channel=t(f"channel.{case.channel}"),
               severity=t(f"severity.{case.severity}"),
               flags="、".join(t(f"cases.flag_{f}") for f in case.flags) or "-")]  # fmt: skip
    closing = []
    if case.party:
        closing.append(t("cases.facts_party", party=case.party))
    if case.refund:
        closing.append(t("cases.facts_refund", amount=case.refund))
    if case.satisfaction:
        closing.append(t("cases.facts_satisfaction",
                         satisfaction=t(f"satisfaction.{case.satisfaction}")))  # fmt: skip
    if case.reopen_count:
        closing.append(t("cases.facts_reopened", count=case.reopen_count))
    if closing:
        lines.append("  ".join(closing))
    return lines


def shown_text(case: CaseView, part: str) -> str:
    """The summary or the lesson as the page prints it: withheld when it holds personal data,
    said to be missing when empty (a case marked before the summary existed)."""
    from deskapp.i18n import t

    text, ok = (
        (case.summary, case.summary_ok) if part == "summary" else (case.lesson, case.lesson_ok)
    )
    if not ok:
        return t("cases.withheld")
    return text if text.strip() else t(f"cases.missing_{part}")


def morning_page(desk: Desk, cases: list[CaseView]) -> str:
    """The page for the morning meeting (早班会案例分析): each case with its category and cause,
    its facts from the ticket's fields, and the manager's summary and lesson. Nothing typed
    on the ticket, no name, no number, no ticket number, no staff member."""
    from deskapp.i18n import t

    today = local_day(desk.clock.now(), desk.tz)
    lines = [f"早班会案例分析 {today.isoformat()}(共 {len(cases)} 例)", ""]
    for i, case in enumerate(cases, start=1):
        lines += [f"案例 {i}  {case.category} · {case.cause}"]
        lines += [f"  {line}" for line in case_facts(desk, case)]
        lines += [
            f"  {t('cases.summary', text=shown_text(case, 'summary'))}",
            f"  {t('cases.lesson', text=shown_text(case, 'lesson'))}",
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
