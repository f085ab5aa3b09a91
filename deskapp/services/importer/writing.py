"""Writing the checked rows: a complaint and its events per row, numbered by the one issuer
(deskapp/services/ticket_numbers.py), linked to an earlier complaint of the same phone,
one transaction per chunk through `Desk.write` (the change log records the importer)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from deskapp.domain.enums import Status
from deskapp.i18n import t
from deskapp.ids import name_uuid
from deskapp.services.deadlines import clocks_for, ticket_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.events import complaint_event_row
from deskapp.services.importer.compare import _as_imported, _differences
from deskapp.services.importer.repeats import _Repeats
from deskapp.services.importer.rows import NAMESPACE, ImportResult, ParsedRow, RowProblem
from deskapp.services.ticket_numbers import TicketNumbers
from deskapp.store.changelog import logged_inserts
from deskapp.store.models import Complaint, ComplaintEvent
from deskapp.store.search_index import deferred_search_index

# The page cache of the connection that writes an import (SQLite's default is 2 MiB): a fixed
# bound, whatever the file's size, that keeps the indexes' pages at hand as the store grows.
CACHE_KIB = 65_536


def _event(complaint_id: str, kind: str, at: datetime, actor: Actor, note: str = "",
           **data: Any) -> dict[str, Any]:  # fmt: skip
    # The id is derived like the complaint's: the same file imported on two terminals before
    # they sync makes the same events, which the merge keeps once (docs/unique-values.md).
    # A whole row of complaint_event, as services/events.complaint_event makes the object.
    event_id = name_uuid(NAMESPACE, f"{complaint_id}|{kind}")
    return complaint_event_row(event_id, complaint_id, kind, actor, at, note, data)


_COMPLAINT_KEYS = tuple(Complaint.__table__.columns.keys())
_COMPLAINT_DEFAULTS = {
    key: field.get_default(call_default_factory=False)
    for key, field in Complaint.model_fields.items()
    if key in _COMPLAINT_KEYS and field.default_factory is None
}


# The kinds of the import's events that change a ticket's facts (domain/ticket_facts.py): the
# registration, the repeat link and the imported closing do not.
_FACT_EVENTS = frozenset({"promise"})


def _registered_at(row: ParsedRow, now: datetime) -> datetime:
    # A closed record keeps its own past; an open one reaches the desk now (module docstring).
    return row.received_at if row.status in (Status.CLOSED, Status.VISITED) else now


def _record(
    numbers: TicketNumbers, desk: Desk, actor: Actor, row: ParsedRow, now: datetime,
    file_name: str, repeat_of: tuple[str, str] | None, now_text: str,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
    """The complaint's whole row (every column) and its events' rows."""
    terminal = desk.terminal()
    registered_at = _registered_at(row, now)
    values = dict(_COMPLAINT_DEFAULTS)  # every column: the row is written whole
    values.update(
        id=row.id,
        ticket_no=numbers.next(registered_at),
        hall_code=row.hall,
        terminal_code=terminal.terminal_code,
        received_at=row.received_at,
        registered_at=registered_at,
        channel=row.channel.value,
        customer_name=row.customer_name,
        contact_phone=row.contact_phone,
        phone_last4=row.phone_last4,
        service_number=row.service_number,
        content=row.content,
        demand=row.demand,
        cause_code=row.cause.code,
        cause_code_l4=row.finding,
        severity=row.severity.value,
        severity_reason=row.severity_reason,
        is_repeat=repeat_of is not None,
        repeat_of_id=repeat_of[0] if repeat_of else None,
        is_batch=row.is_batch,
        first_responder_id=row.owner_id,
        owner_id=row.owner_id,
        status=row.status.value,
        solved_on_spot=row.solved_on_spot,
        promised_reply_at=row.promised_reply_at,
        outcome=row.outcome,
        satisfaction=row.satisfaction.value if row.satisfaction else None,
        closed_at=row.closed_at,
        created_by=actor.id,
        updated_at=now,
    )
    complaint = SimpleNamespace(**values)  # read as a record by the facts (ComplaintLike)
    note = t("import.event_note", source=row.source or "—", external=row.external_no or "—",
             file=file_name, line=row.line)  # fmt: skip
    events = [
        _event(row.id, "registered", registered_at, actor, note, channel=row.channel.value,
               severity=row.severity.value, imported=True, imported_at=now_text,
               imported_status=row.status.value, source=row.source,
               imported_closed_at=row.closed_at.isoformat() if row.closed_at else None,
               imported_outcome=row.outcome,
               imported_satisfaction=row.satisfaction.value if row.satisfaction else None,
               external_no=row.external_no, file=file_name, line=row.line),
    ]  # fmt: skip
    if repeat_of:
        events.append(
            _event(
                row.id,
                "repeat_linked",
                registered_at,
                actor,
                repeat_of=repeat_of[0],
                repeat_of_ticket=repeat_of[1],
            )
        )
    if row.promised_reply_at:
        events.append(_event(row.id, "promise", registered_at, actor,
                             due=row.promised_reply_at.isoformat()))  # fmt: skip
    if row.closed_at:
        events.append(
            _event(
                row.id,
                "closed",
                row.closed_at,
                actor,
                row.outcome,
                on_spot=row.solved_on_spot,
                imported=True,
                satisfaction=complaint.satisfaction,
                finding=row.finding,
            )
        )
    # The clocks, as services/deadlines.py `refresh_clocks` keeps them, computed before the row
    # is written (so its one insert in the change log already carries them). Of the events an
    # import writes, the facts read only the promise: the others are not replayed (the same
    # facts, tests/services/test_svc_import_clocks.py).
    facts = ticket_facts(complaint, [SimpleNamespace(**e) for e in events if e["kind"] in
                                     _FACT_EVENTS])  # fmt: skip
    clocks = clocks_for(desk, facts)
    first = clocks[0] if clocks else None
    values["next_due_at"] = first.deadline.at if first else None
    values["next_clock"] = first.kind.value if first else ""
    values["next_due_provisional"] = bool(first and first.deadline.provisional)
    return values, events


def _write_rows(desk: Desk, actor: Actor, path: Path, chunks: Iterator[list[ParsedRow]],
                result: ImportResult, progress: Callable[[str, int, int], None] | None = None,
                total: int = 0, *, orm: bool = False) -> None:  # fmt: skip
    """The checked rows, in time order, one transaction per chunk; `progress("write", done,
    total)` after each. The rows go to the store as whole rows with their change log rows
    (store/changelog.py `logged_inserts`); `orm` writes the same rows as ORM objects, as
    before issue 22 (the test and the benchmark that compare them)."""
    repeats = _Repeats(desk.refdata.settings.intake.repeat_window_days)
    done = 0
    if progress:
        progress("write", done, total)
    for chunk in chunks:
        now = desk.clock.now()
        now_text = now.isoformat()  # the chunk's moment, in every registration event
        with desk.write(actor.id) as session, session.no_autoflush:
            if CACHE_KIB:  # the store's indexes stay in memory while it grows by a file's rows
                session.connection().exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
            present = _as_imported(session, [r.id for r in chunk])
            repeats.load(session, chunk)
            numbers = TicketNumbers(session, desk)
            numbers.prepare(_registered_at(r, now) for r in chunk if r.id not in present)
            complaints: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            for row in chunk:
                stored = present.get(row.id)
                if stored is not None:
                    differs = _differences(stored, row)
                    ticket_no = stored["ticket_no"]
                    for column in differs:  # same external number, other content: reported
                        result.problems.append(RowProblem(row.line, column, t(
                            "import.conflict", external=row.external_no,
                            ticket=ticket_no)))  # fmt: skip
                    if not differs:
                        result.skipped.append((row.line, t("import.already",
                                                           ticket=ticket_no)))  # fmt: skip
                    continue
                complaint, evs = _record(numbers, desk, actor, row, now, path.name,
                                         repeats.earlier(row), now_text)  # fmt: skip
                repeats.add(row, complaint["ticket_no"])
                complaints.append(complaint)
                events.extend(evs)
                result.imported.append((row.line, complaint["ticket_no"]))
            if orm:  # as every other write: ORM objects, the flush hook logs them
                session.add_all([Complaint(**c) for c in complaints])
                session.flush()  # the complaints exist before the events that point at them
                session.add_all([ComplaintEvent(**e) for e in events])
            else:  # the same rows and log rows, without the objects (issue 22), and the
                # search index filled for the chunk at once, not by its trigger row by row
                with deferred_search_index(session.connection()):
                    logged_inserts(session, [(Complaint.__table__, complaints),
                                             (ComplaintEvent.__table__, events)])  # fmt: skip
        done += len(chunk)
        if progress:
            progress("write", done, max(total, done))
