"""The customer in front of the counter (issue 18): the customer's history, one key away from
intake and from any ticket, read a page at a time from SQL; the watch list of B-class,
difficult and sensitive customers (重点客户名单), changed only by duty and hall managers, each
change audited (watch_event) and synchronized; and the repeat link as both tickets show it.

The customer is a key: a contact phone or a service number, normalized (deskapp/domain/phone)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.permissions import Permission
from deskapp.domain.phone import number_case, parse_phone, parse_service_number
from deskapp.domain.timefmt import format_local, local_day
from deskapp.domain.watch import (
    LINK_LIMIT,
    LINK_ROUNDS,
    WatchKind,
    check_review_on,
    review_due,
    watch_hidden_from,
)
from deskapp.paths import write_export
from deskapp.services.audit import enforce
from deskapp.services.desk import Actor, Desk
from deskapp.services.exports import neutralize
from deskapp.store.models import (
    Complaint,
    ComplaintEvent,
    OpinionEntry,
    Refund,
    Staff,
    WatchEntry,
    WatchEvent,
)
from deskapp.sync.unique import claimed, settle_withdrawn

# A page is what the history screen shows at 100×30 (the table's rows below the watch entry):
# nothing read that is not shown; N and P page on.
HISTORY_PAGE = 20
SUMMARY_CHARS = 60
NOTE_LIMIT = 1000
# What the history lists of a complaint's events: return visits and care follow-ups.
HISTORY_EVENTS = ("visit", "care")


def customer_keys(*texts: str) -> list[str]:
    """The keys of the numbers typed (contact phone, service number), each once, in order: the
    same customer may be found by either (重复投诉, 重点客户)."""
    keys: list[str] = []
    for text in texts:
        key = customer_key(text) if text else None
        if key is not None and key not in keys:
            keys.append(key)
    return keys


def customer_key(text: str) -> str | None:
    """A contact phone or a service number as the store holds it, or None."""
    if not text.strip():
        return None
    phone = parse_phone(text)
    if phone is not None:
        return phone.normalized
    return parse_service_number(text) or None


# ------------------------------------------------------------------------- watch list


@dataclass
class WatchForm:
    customer: str = ""  # the phone or service number as typed
    kind: str = WatchKind.DIFFICULT.value
    customer_name: str = ""
    designated_handler_id: str = ""
    advice: str = ""
    solved: str = ""
    refused: str = ""
    review_on: str = ""  # YYYY-MM-DD
    active: bool = True


@dataclass(frozen=True)
class WatchView:
    id: str
    customer_key: str
    kind: str
    customer_name: str
    designated_handler_id: str | None
    designated_handler: str  # "1001 张敏", or ""
    advice: str
    solved: str
    refused: str
    review_on: str
    active: bool
    review_due: bool
    # False for an active entry that lost its number to one listed first on another terminal
    # (a sync conflict for a manager to settle): intake does not show it.
    in_force: bool = True
    # The entry's version as it was read (the time of its last change; with the values above,
    # what a dialog opened with): a change made from it is refused once the entry has moved on.
    updated_at: datetime | None = None


class EditedMeanwhile(RuleViolation):
    """The entry was changed (at another desk, or by a sync) after the dialog read it: nothing
    written. The errors say who and when, and at each field what it holds now: a field both
    changed keeps the text typed (to merge by hand); `taken` names the fields only the other
    changed, which the dialog takes over as they stand now. `current`: the entry now, the
    version the next save is made from."""

    def __init__(self, errors: list[FieldError], current: WatchView, taken: tuple[str, ...]):
        super().__init__(errors)
        self.current = current
        self.taken = taken


_WATCH_FIELDS = (
    "customer_key", "kind", "customer_name", "designated_handler_id", "advice", "solved",
    "refused", "review_on", "active",
)  # fmt: skip


def check_watch(desk: Desk, form: WatchForm, kept_review_on: str | None = None) -> dict[str, Any]:
    """The entry's values, or every error at once. `kept_review_on`: the entry's stored review
    date when it is edited: a date already past may be kept (to retire the entry or change
    anything else); only a new date must lie ahead."""
    errors: list[FieldError] = []
    key = customer_key(form.customer)
    if not form.customer.strip():
        errors.append(FieldError("customer", "error.required"))
    elif key is None:
        errors.append(FieldError("customer", "error.watch.customer_invalid"))
    try:
        kind = WatchKind(form.kind)
    except ValueError:
        kind = WatchKind.DIFFICULT
        errors.append(FieldError("kind", "error.required"))
    for name, required in (("advice", True), ("solved", False), ("refused", False)):
        error = check_text(name, getattr(form, name), required=required, max_len=NOTE_LIMIT,
                           multiline=True)  # fmt: skip
        if error:
            errors.append(error)
    error = check_text("customer_name", form.customer_name, required=False, max_len=80)
    if error:
        errors.append(error)
    review = check_review_on(form.review_on, local_day(desk.clock.now(), desk.tz), kept_review_on)
    if isinstance(review, FieldError):
        errors.append(review)
    if errors:
        raise RuleViolation(errors)
    assert key is not None and isinstance(review, date)
    return {
        "customer_key": key,
        "kind": kind.value,
        "customer_name": form.customer_name.strip(),
        "designated_handler_id": form.designated_handler_id or None,
        "advice": form.advice.strip(),
        "solved": form.solved.strip(),
        "refused": form.refused.strip(),
        "review_on": review.isoformat(),
        "active": form.active,
    }


# The dialog's field of each of the entry's fields.
_DIALOG_FIELDS = {"customer_key": "customer", "designated_handler_id": "designated_handler"}


def save_watch_entry(
    desk: Desk,
    actor: Actor,
    form: WatchForm,
    entry_id: str | None = None,
    seen: WatchView | None = None,
) -> WatchEntry:
    """Add an entry (`entry_id` None) or change one: duty and hall managers only, the refusal
    audited; the change itself audited as a watch_event with the old and new values.

    `seen`: the entry as the dialog read it. A change is refused (EditedMeanwhile, nothing
    written) when the entry is no longer that version, checked in the write transaction
    (BEGIN IMMEDIATE): two managers changing one entry at once, the second is told, never
    silently overwrites the first."""
    enforce(desk, actor, Permission.MANAGE_WATCH_LIST, subject=entry_id or "watch_list")
    kept_review_on = None
    if entry_id is not None:
        with desk.read() as session:
            stored = session.get(WatchEntry, entry_id)
            kept_review_on = stored.review_on if stored is not None else None
    values = check_watch(desk, form, kept_review_on)
    now = desk.clock.now()
    with desk.write(actor.id) as session:
        handler_id = values["designated_handler_id"]
        if handler_id is not None and session.get(Staff, handler_id) is None:
            raise RuleViolation.single("designated_handler", "error.staff.unknown")
        # 当事人回避: a manager this customer's complaints accuse does not list the customer
        # (nor learn from the answer whether someone else already has: this refusal comes
        # first, whatever the list holds).
        if _hidden_from(session, actor, [values["customer_key"]]):
            raise RuleViolation.single("customer", "error.watch.recused")
        others = sa.select(col(WatchEntry.id)).where(
            col(WatchEntry.customer_key) == values["customer_key"],
            col(WatchEntry.active).is_(True),
        )
        if entry_id is not None:
            others = others.where(col(WatchEntry.id) != entry_id)
            stored = session.get(WatchEntry, entry_id)
            if seen is not None and stored is not None and _moved_on(stored, seen):
                raise _edited_meanwhile(desk, session, stored, seen, values)
        if values["active"] and session.scalars(others.limit(1)).first() is not None:
            raise RuleViolation.single("customer", "error.watch.already_listed")
        # Unique while active: the one merge rule of unique values settles two terminals that
        # listed the same number apart (deskapp/sync/unique.py).
        active_key = values["customer_key"] if values["active"] else None
        if entry_id is None:
            entry = WatchEntry(**values, active_key=active_key, created_by=actor.id,
                               created_at=now, updated_by=actor.id, updated_at=now)  # fmt: skip
            session.add(entry)
            changes = {name: [None, values[name]] for name in _WATCH_FIELDS}
            kind = "added"
        else:
            found = session.get(WatchEntry, entry_id)
            if found is None:
                raise RuleViolation.single("entry", "error.watch.unknown")
            entry = found
            changes = {
                name: [getattr(entry, name), values[name]]
                for name in _WATCH_FIELDS
                if getattr(entry, name) != values[name]
            }
            if not changes:
                return entry
            for name, (_, new) in changes.items():
                setattr(entry, name, new)
            held_number = entry.active_key is not None and entry.active_key == entry.customer_key
            given_up = claimed(entry.active_key)
            entry.active_key = active_key
            entry.updated_by, entry.updated_at = actor.id, now
            kind = "retired" if changes.get("active") == [True, False] else "changed"
            if held_number and active_key != entry.customer_key:
                _hand_on_number(session, entry, actor.id, now)
            session.flush()
            # Settled again as every replica merging this change settles it (unique18g): the
            # earliest other claimant holds the number, the collision's conflict record goes.
            if given_up is not None and given_up != active_key:
                settle_withdrawn(session.connection(), "watch_entry", "active_key", {given_up})
        session.flush()
        session.add(WatchEvent(entry_id=entry.id, kind=kind, actor_id=actor.id, at=now,
                               changes=json.dumps(changes, ensure_ascii=False)))  # fmt: skip
    return entry


def _moved_on(stored: WatchEntry, seen: WatchView) -> bool:
    """The entry is no longer the version read: its time of change moved, or (the same instant
    on a frozen or coarse clock, a value merged by a sync) one of its values differs."""
    if seen.updated_at is not None and stored.updated_at != seen.updated_at:
        return True
    return any(getattr(stored, name) != getattr(seen, name) for name in _WATCH_FIELDS)


def _edited_meanwhile(
    desk: Desk, session: Any, stored: WatchEntry, seen: WatchView, values: dict[str, Any]
) -> EditedMeanwhile:
    """Who changed the entry and when, and at each field it changed what it holds now."""
    current = _views(session, [stored], local_day(desk.clock.now(), desk.tz))[0]
    who = session.get(Staff, stored.updated_by)
    name, work_no = (who.name, who.work_no) if who is not None else (stored.updated_by, "")
    at = format_local(stored.updated_at, desk.tz)
    params = {"name": name, "work_no": work_no, "at": at}
    errors = [FieldError("entry", "error.watch.edited_meanwhile", params)]
    taken: list[str] = []
    for field_name in _WATCH_FIELDS:
        theirs = getattr(stored, field_name)
        if theirs == getattr(seen, field_name):
            continue  # not changed meanwhile: what was typed stands
        shown_at = _DIALOG_FIELDS.get(field_name, field_name)
        shown = _shown_value(current, field_name)
        if values[field_name] == getattr(seen, field_name):  # left as read: theirs taken
            taken.append(shown_at)
            errors.append(FieldError(shown_at, "error.watch.taken", {"name": name, **shown}))
        else:  # changed by both: the text typed kept, theirs shown beside it to merge
            errors.append(FieldError(shown_at, "error.watch.theirs", {"name": name, **shown}))
    return EditedMeanwhile(errors, current, tuple(taken))


def _shown_value(view: WatchView, field_name: str) -> dict[str, str]:
    """A field's value in words (error_text translates `value_key`)."""
    if field_name == "kind":
        return {"value_key": f"watch_kind.{view.kind}"}
    if field_name == "active":
        return {"value_key": "watch.listed" if view.active else "watch.retired"}
    value = view.designated_handler if field_name == "designated_handler_id" else None
    value = getattr(view, field_name) if value is None else value
    return {"value": str(value)} if value else {"value_key": "watch.empty"}


def _hand_on_number(session: Any, entry: WatchEntry, actor_id: str, now: datetime) -> None:
    """The entry in force gave up its number (retired, or moved to another number): another
    active entry of that number, flagged not in force by a sync conflict, takes it, so intake
    shows it (the one listed first of them, as the merge of unique values chooses)."""
    session.flush()  # the number is free before another entry takes it (a unique index)
    waiting = session.scalars(
        sa.select(WatchEntry)
        .where(
            col(WatchEntry.customer_key) == entry.customer_key,
            col(WatchEntry.active).is_(True),
            col(WatchEntry.id) != entry.id,
        )
        .order_by(col(WatchEntry.created_at), col(WatchEntry.id))
        .limit(1)
    ).first()
    if waiting is None:
        return
    waiting.active_key = waiting.customer_key
    waiting.updated_by, waiting.updated_at = actor_id, now
    session.add(WatchEvent(entry_id=waiting.id, kind="in_force", actor_id=actor_id, at=now,
                           changes=json.dumps({"active_key": [None, waiting.customer_key]},
                                              ensure_ascii=False)))  # fmt: skip


def _views(session: Any, entries: list[WatchEntry], today: date) -> list[WatchView]:
    ids = {e.designated_handler_id for e in entries if e.designated_handler_id}
    names = {
        s.id: f"{s.work_no} {s.name}"
        for s in session.scalars(sa.select(Staff).where(col(Staff.id).in_(sorted(ids))))
    }
    return [
        WatchView(
            id=e.id,
            customer_key=e.customer_key,
            kind=e.kind,
            customer_name=e.customer_name,
            designated_handler_id=e.designated_handler_id,
            designated_handler=names.get(e.designated_handler_id or "", ""),
            advice=e.advice,
            solved=e.solved,
            refused=e.refused,
            review_on=e.review_on,
            active=e.active,
            review_due=review_due(date.fromisoformat(e.review_on), today),
            in_force=not e.active or number_case(e.active_key or "") == e.customer_key,
            updated_at=e.updated_at,
        )
        for e in entries
    ]


def _accused_of_customers(session: Any, groups: dict[str, list[str]]) -> dict[str, set[str]]:
    """For each customer of `groups` (an id and the numbers known to be theirs), the staff the
    complaints of any of the customer's numbers accuse, their numbers linked through the
    complaints that name two of them (contact phone and service number; domain/watch.py)."""
    parent: dict[str, str] = {}

    def root(number: str) -> str:
        parent.setdefault(number, number)
        while parent[number] != number:
            parent[number] = parent[parent[number]]
            number = parent[number]
        return number

    def join(a: str, b: str) -> None:
        parent[root(b)] = root(a)

    for keys in groups.values():
        for key in keys[1:]:
            join(keys[0], key)
    seen = {key for keys in groups.values() for key in keys}
    # (per customer: a long managers' list walks as far as each entry would alone)
    frontier, limit = set(seen), len(seen) + LINK_LIMIT * len(groups)
    phone, service = col(Complaint.contact_phone), col(Complaint.service_number)
    for _ in range(LINK_ROUNDS):
        if not frontier or len(seen) > limit:
            break
        pairs = session.execute(
            sa.select(phone, service)
            .where(sa.or_(phone.in_(sorted(frontier)), service.in_(sorted(frontier))))
            .distinct()
        ).all()
        frontier = set()
        for a, b in pairs:
            numbers = [n for n in (a or "", number_case(b or "")) if n]
            if len(numbers) == 2:
                join(*numbers)
            frontier |= set(numbers) - seen
            seen |= set(numbers)
    rows = session.execute(
        sa.select(phone, service, col(Complaint.accused_staff_id))
        .where(col(Complaint.accused_staff_id).is_not(None),
               sa.or_(phone.in_(sorted(seen)), service.in_(sorted(seen))))
        .distinct()
    ).all()  # fmt: skip
    accused: dict[str, set[str]] = {}
    for a, b, staff_id in rows:
        for number in {a or "", number_case(b or "")} & seen:
            accused.setdefault(root(number), set()).add(staff_id)
    return {gid: accused.get(root(keys[0]), set()) if keys else set()
            for gid, keys in groups.items()}  # fmt: skip


def _hidden_from(session: Any, actor: Actor, keys: list[str], on_form: str | None = None) -> bool:
    """The customer of these numbers accuses `actor` under any of their numbers, or the
    complaint being typed (`on_form`) does."""
    accused = _accused_of_customers(session, {"": keys})[""]
    return watch_hidden_from(actor.id, accused, on_form)


def watch_for_customer(
    desk: Desk, actor: Actor, text: str, *also: str, accused: str | None = None
) -> WatchView | None:
    """The active entry of this customer, as intake and the history show it; None when there
    is none, or when the actor is the staff member one of the customer's complaints accuses,
    or the one `accused` (intake's form, not stored yet) names.
    `also`: the customer's other numbers (the service number beside the contact phone): an
    entry under any of them is the customer's."""
    if accused is not None and watch_hidden_from(actor.id, (), accused):
        return None  # no read needed: the form itself recuses the handler
    keys = customer_keys(text, *also)
    if not keys:
        return None
    with desk.read() as session:
        entry = session.scalars(
            sa.select(WatchEntry)
            # active and in force; in one case: a change made before numbers had one case
            # keeps its key as it was typed (sync/merge.py NUMBER_FIELDS)
            .where(
                sa.func.lower(col(WatchEntry.active_key)).in_(keys),
                col(WatchEntry.active).is_(True),  # a retired entry never alerts, whatever it holds
            )
            .order_by(col(WatchEntry.updated_at).desc())
            .limit(1)
        ).first()
        if entry is None or _hidden_from(session, actor, keys, accused):
            return None
        return _views(session, [entry], local_day(desk.clock.now(), desk.tz))[0]


def watch_list(desk: Desk, actor: Actor, *, retired: bool = False) -> list[WatchView]:
    """The managers' list (e.g. before 3·15): entries past their review date first."""
    enforce(desk, actor, Permission.MANAGE_WATCH_LIST, subject="watch_list")
    with desk.read() as session:
        query = sa.select(WatchEntry).order_by(
            col(WatchEntry.review_on), col(WatchEntry.customer_key)
        )
        if not retired:
            query = query.where(col(WatchEntry.active).is_(True))
        entries = list(session.scalars(query))
        # 当事人回避 here too (and so in the export): a manager one of the customer's
        # complaints accuses does not see the entry, as intake does not show it to them.
        accused = _accused_of_customers(session, {e.id: [e.customer_key] for e in entries})
        entries = [e for e in entries if not watch_hidden_from(actor.id, accused[e.id])]
        return _views(session, entries, local_day(desk.clock.now(), desk.tz))


@dataclass(frozen=True)
class WatchChange:
    at: datetime
    kind: str
    actor: str
    changes: dict[str, list[Any]]


def watch_audit(desk: Desk, actor: Actor, entry_id: str) -> list[WatchChange]:
    """Every change of an entry, oldest first, with who made it."""
    enforce(desk, actor, Permission.MANAGE_WATCH_LIST, subject=entry_id)
    with desk.read() as session:
        rows = session.execute(
            sa.select(WatchEvent, col(Staff.work_no), col(Staff.name))
            .outerjoin(Staff, col(Staff.id) == WatchEvent.actor_id)
            .where(col(WatchEvent.entry_id) == entry_id)
            .order_by(col(WatchEvent.at), col(WatchEvent.id))
        ).all()
    return [
        WatchChange(
            e.at, e.kind, f"{work_no} {name}" if work_no else e.actor_id, json.loads(e.changes)
        )
        for e, work_no, name in rows
    ]


WATCH_COLUMNS = ("号码", "类型", "客户", "指定处理人", "处理建议", "两解(已解决)",
                 "两不理(已拒绝)", "复核日期", "待复核", "生效")  # fmt: skip
# 生效: 否 for an entry that lost its number to one listed first on another terminal (a sync
# conflict a manager settles on F10): intake shows the one in force only.
IN_FORCE_WORDS = {True: "是", False: "否(同步冲突)"}
KIND_WORDS = {"b_class": "B类客户", "difficult": "疑难客户", "sensitive": "敏感客户"}


def export_watch_list(desk: Desk, actor: Actor, folder: Path) -> Path:
    """The managers' list as a CSV file (UTF-8 with BOM, for the spreadsheet the hall uses),
    every cell made inert (exports.neutralize)."""
    views = watch_list(desk, actor)
    today = local_day(desk.clock.now(), desk.tz)
    path = folder / f"重点客户名单_{today.isoformat()}.csv"

    def write(temp: Path) -> None:
        with temp.open("w", encoding="utf-8-sig", newline="") as out:
            _write_watch_rows(csv.writer(out), views)

    return write_export(path, write)


def _write_watch_rows(writer: Any, views: list[WatchView]) -> None:
    writer.writerow(WATCH_COLUMNS)
    for v in views:
        writer.writerow([neutralize(x) for x in (
            v.customer_key, KIND_WORDS.get(v.kind, v.kind), v.customer_name,
            v.designated_handler, v.advice, v.solved, v.refused, v.review_on,
            "是" if v.review_due else "", IN_FORCE_WORDS[v.in_force],
        )])  # fmt: skip


# --------------------------------------------------------------------- the history


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    kind: str  # ticket, visit, care, refund, opinion
    ref_id: str  # the complaint (or the opinion-book entry)
    ticket_no: str
    text: str


@dataclass(frozen=True)
class HistoryPage:
    key: str
    items: list[HistoryItem]
    offset: int
    has_more: bool
    tickets: int  # how many complaints this customer has in all
    watch: WatchView | None = None
    repeats: int = 0  # of them, linked as repeats
    extra: dict[str, int] = field(default_factory=dict)


def customer_history(
    desk: Desk,
    actor: Actor,
    text: str,
    offset: int = 0,
    limit: int = HISTORY_PAGE,
    *,
    also: tuple[str, ...] = (),
    accused: str | None = None,
) -> HistoryPage | None:
    """`accused`: the staff member intake's form (not stored yet) accuses (当事人回避).
    The customer's past tickets, return visits, refunds, care follow-ups and opinion-book
    entries, newest first, one page read from SQL (UNION ALL, ORDER BY, LIMIT); with the
    watch-list entry the actor may see. None for text that is no phone or service number.
    `also`: the customer's other numbers (a ticket's service number beside its contact phone);
    the history is of every number, as the repeat rule counts them."""
    keys = customer_keys(text, *also)
    if not keys:
        return None
    key = keys[0]
    c, e, r, o = Complaint, ComplaintEvent, Refund, OpinionEntry
    # The customer's tickets (two indexed reads) as a common table expression: read once and
    # used by every part (the same UNION as a subquery in each part costs SQLite about four
    # times as much for a customer with 200 tickets; bench/customer.py).
    ids = sa.union(
        sa.select(col(c.id)).where(col(c.contact_phone).in_(keys)),
        sa.select(col(c.id)).where(col(c.service_number).in_(keys)),
    ).cte("mine")
    mine = sa.select(ids.c.id)
    with desk.read() as session:
        summary = sa.func.substr(col(c.content), 1, SUMMARY_CHARS)
        parts = [
            sa.select(col(c.received_at).label("at"), sa.literal("ticket").label("kind"),
                      col(c.id).label("ref_id"), col(c.ticket_no), summary.label("text"))
            .where(col(c.id).in_(mine)),
            sa.select(col(e.at), col(e.kind), col(c.id), col(c.ticket_no),
                      sa.func.substr(col(e.note), 1, SUMMARY_CHARS))
            .join(c, col(c.id) == e.complaint_id)
            .where(col(e.complaint_id).in_(mine), col(e.kind).in_(HISTORY_EVENTS)),
            sa.select(col(r.verified_at), sa.literal("refund"), col(c.id), col(c.ticket_no),
                      sa.cast(col(r.amount_fen), sa.String))
            .join(c, col(c.id) == r.complaint_id)
            .where(col(r.complaint_id).in_(mine)),
            sa.select(col(o.created_at), sa.literal("opinion"), col(o.id), sa.literal(""),
                      sa.func.substr(col(o.content), 1, SUMMARY_CHARS))
            .where(col(o.contact).in_(keys)),
        ]  # fmt: skip
        union = sa.union_all(*parts).subquery()
        rows = session.execute(
            sa.select(union)
            .order_by(union.c.at.desc(), union.c.ref_id.desc(), union.c.kind)
            .offset(offset)
            .limit(limit + 1)
        ).all()
        counts = session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(
                sa.case((col(c.is_repeat).is_(True), 1), else_=0)), 0))
            .where(col(c.id).in_(mine))
        ).one()  # fmt: skip
    items = [
        HistoryItem(
            at=_utc(row.at),
            kind=row.kind,
            ref_id=row.ref_id,
            ticket_no=row.ticket_no or "",
            text=_refund_text(row.text) if row.kind == "refund" else (row.text or ""),
        )
        for row in rows[:limit]
    ]
    return HistoryPage(
        key=key, items=items, offset=offset, has_more=len(rows) > limit,
        tickets=int(counts[0]), repeats=int(counts[1]),
        watch=watch_for_customer(desk, actor, *keys, accused=accused),
    )  # fmt: skip


def _utc(value: datetime | str) -> datetime:
    """A UNION's column carries the first part's type on most stores; a driver handing back
    text or a naive time still gives an aware UTC value."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _refund_text(fen: str | None) -> str:
    amount = int(fen or 0)
    return f"退费 {amount // 100}.{amount % 100:02d} 元"


# ------------------------------------------------------------------- the repeat link


@dataclass(frozen=True)
class RepeatLinks:
    """The repeat link as both tickets show it: the one this repeats, those repeating it."""

    repeat_of: tuple[str, str] | None  # (complaint id, ticket number)
    repeated_by: list[tuple[str, str]]


def repeat_links(desk: Desk, complaint_id: str) -> RepeatLinks:
    with desk.read() as session:
        own = session.get(Complaint, complaint_id)
        repeat_of = None
        if own is not None and own.repeat_of_id:
            ticket = session.scalar(
                sa.select(col(Complaint.ticket_no)).where(col(Complaint.id) == own.repeat_of_id)
            )
            repeat_of = (own.repeat_of_id, ticket or "")
        later = session.execute(
            sa.select(col(Complaint.id), col(Complaint.ticket_no))
            .where(col(Complaint.repeat_of_id) == complaint_id)
            .order_by(col(Complaint.received_at))
        ).all()
    return RepeatLinks(repeat_of, [(cid, ticket) for cid, ticket in later])
