"""意见簿: the paper opinion book on the counter, transcribed and processed every day. An entry
that is really a complaint becomes a complaint ticket (channel 意见簿) through intake, with all
its rules, and entry and ticket point at each other."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.clean_input import check_clean, year_error, year_in_range
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.phone import parse_phone
from deskapp.domain.timefmt import local_day
from deskapp.services.day_lock import LateApproval, approve_late, guard_day
from deskapp.services.desk import Actor, Desk
from deskapp.store.models import OpinionEntry

PAGE_SIZE = 50
CONTENT_LIMIT = 2000
# An entry older than this is a typing mistake in the year, not a book that old.
MAX_AGE = timedelta(days=366)


class EntryKind(StrEnum):
    OPINION = "opinion"  # 意见
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬
    COMPLAINT = "complaint"  # 投诉


@dataclass
class EntryForm:
    written_on: str = ""  # YYYY-MM-DD; empty: today
    page: str = ""
    line: str = ""
    kind: str = EntryKind.OPINION.value
    content: str = ""
    customer_name: str = ""
    contact: str = ""


def _positive(value: str, field: str, errors: list[FieldError]) -> int:
    # NFKC: full-width digits from a Chinese IME count; str.isdigit() alone would also pass
    # "²" or "٣", which int() refuses.
    text = unicodedata.normalize("NFKC", value).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 5) or not int(text) > 0:
        errors.append(FieldError(field, "error.opinion.number"))
        return 0
    return int(text)


def check_entry(desk: Desk, form: EntryForm) -> tuple[str, int, int, EntryKind, str]:
    errors: list[FieldError] = []
    today = local_day(desk.clock.now(), desk.tz)
    written = today
    if form.written_on.strip():
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", form.written_on.strip())
        parsed: date | None
        try:
            parsed = date(*map(int, m.groups())) if m else None
        except ValueError:
            parsed = None
        if parsed is None:
            errors.append(FieldError("written_on", "error.opinion.date_format"))
        elif not year_in_range(parsed.year):
            errors.append(year_error("written_on"))
        else:
            written = parsed
            if written > today:
                errors.append(FieldError("written_on", "error.time.future"))
            elif today - written > MAX_AGE:
                errors.append(
                    FieldError("written_on", "error.time.too_old", {"days": MAX_AGE.days})
                )
    page = _positive(form.page, "page", errors)
    line = _positive(form.line, "line", errors)
    try:
        kind = EntryKind(form.kind)
    except ValueError:
        kind = EntryKind.OPINION
        errors.append(FieldError("kind", "error.required"))
    for error in (
        check_text("content", form.content, required=True, max_len=CONTENT_LIMIT, multiline=True),
        check_text("customer_name", form.customer_name, required=False, max_len=40),
    ):
        if error:
            errors.append(error)
    contact = ""
    if form.contact.strip():
        phone = parse_phone(form.contact)
        if phone is None:
            errors.append(FieldError("contact", "error.phone.invalid"))
        else:
            contact = phone.normalized
    if errors:
        raise RuleViolation(errors)
    return written.isoformat(), page, line, kind, contact


def add_entry(
    desk: Desk, actor: Actor, form: EntryForm, late: LateApproval | None = None
) -> OpinionEntry:
    """Transcribe an entry. One written on a signed-off day changes that day's record (its
    count of entries, its checklist): a late change."""
    written, page, line, kind, contact = check_entry(desk, form)
    manager = approve_late(desk, late)
    with desk.write(actor.id) as session:
        entry = OpinionEntry(
            written_on=written, page=page, line=line, kind=kind.value,
            content=form.content.strip(), customer_name=form.customer_name.strip(),
            contact=contact, created_by=actor.id, created_at=desk.clock.now(),
        )  # fmt: skip
        guard_day(session, desk, actor, date.fromisoformat(written), "opinion_entry", entry.id,
                  late, manager)  # fmt: skip
        session.add(entry)
    return entry


def process_entry(
    desk: Desk, actor: Actor, entry_id: str, reply: str, late: LateApproval | None = None
) -> OpinionEntry:
    """Record the reply given or the action taken; the entry is processed."""
    error = check_text("reply", reply, required=True, max_len=CONTENT_LIMIT, multiline=True)
    if error:
        raise RuleViolation([error])
    manager = approve_late(desk, late)
    with desk.write(actor.id) as session:
        entry = session.get(OpinionEntry, entry_id)
        if entry is None:
            raise RuleViolation.single("entry", "error.opinion.unknown")
        day = date.fromisoformat(entry.written_on)
        guard_day(session, desk, actor, day, "opinion_entry", entry.id, late, manager)
        entry.reply = reply.strip()
        entry.processed_by = actor.id
        entry.processed_at = desk.clock.now()
    return entry


@dataclass(frozen=True)
class EntryRow:
    id: str
    written_on: str
    page: int
    line: int
    kind: str
    content: str
    customer_name: str
    reply: str
    processed_at: datetime | None
    complaint_id: str | None
    contact: str

    @property
    def processed(self) -> bool:
        return self.processed_at is not None


def list_entries(
    desk: Desk,
    *,
    since: str = "",
    until: str = "",
    kind: str = "",
    words: str = "",
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> tuple[list[EntryRow], bool]:
    """Unprocessed first (today's, then the earlier ones, which are overdue), then processed,
    newest first; filtered by written date range, kind and words of the content or reply.
    RuleViolation when a filter holds what no stored text could (deskapp/domain/clean_input)."""
    for field, value in (("words", words), ("since", since), ("until", until)):
        if error := check_clean(field, value):
            raise RuleViolation([error])
    stmt = sa.select(
        col(OpinionEntry.id), col(OpinionEntry.written_on), col(OpinionEntry.page),
        col(OpinionEntry.line), col(OpinionEntry.kind), col(OpinionEntry.content),
        col(OpinionEntry.customer_name), col(OpinionEntry.reply), col(OpinionEntry.processed_at),
        col(OpinionEntry.complaint_id), col(OpinionEntry.contact),
    )  # fmt: skip
    if since:
        stmt = stmt.where(col(OpinionEntry.written_on) >= since)
    if until:
        stmt = stmt.where(col(OpinionEntry.written_on) <= until)
    if kind:
        stmt = stmt.where(col(OpinionEntry.kind) == kind)
    if words.strip():
        q = words.strip()
        stmt = stmt.where(
            sa.or_(
                col(OpinionEntry.content).contains(q, autoescape=True),
                col(OpinionEntry.reply).contains(q, autoescape=True),
                col(OpinionEntry.customer_name).contains(q, autoescape=True),
            )
        )
    stmt = stmt.order_by(
        col(OpinionEntry.processed_at).is_not(None), col(OpinionEntry.written_on).desc(),
        col(OpinionEntry.page).desc(), col(OpinionEntry.line).desc(),
    ).offset(offset).limit(limit + 1)  # fmt: skip
    with desk.read() as session:
        rows = [EntryRow(*r) for r in session.execute(stmt).all()]
    return rows[:limit], len(rows) > limit


def unprocessed_before(desk: Desk, day: date) -> int:
    """Entries written up to `day` and still not processed (the book is processed daily)."""
    with desk.read() as session:
        return (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(OpinionEntry)
                .where(
                    col(OpinionEntry.written_on) <= day.isoformat(),
                    col(OpinionEntry.processed_at).is_(None),
                )
            )
            or 0
        )
