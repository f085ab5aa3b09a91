"""Writing the checked rows: a complaint and its events per row, numbered by the one issuer
(deskapp/services/ticket_numbers.py), linked to an earlier complaint of the same phone,
one transaction per chunk through `Desk.write` (the change log records the importer)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.categories import CausePath
from deskapp.domain.enums import Status
from deskapp.domain.ticket_deadlines import active_clocks
from deskapp.i18n import language, t
from deskapp.ids import name_uuid
from deskapp.services.deadlines import ticket_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.events import complaint_event_row
from deskapp.services.importer.compare import _as_imported, _differences
from deskapp.services.importer.repeats import _Repeats
from deskapp.services.importer.rows import NAMESPACE, ImportResult, ParsedRow, RowProblem
from deskapp.services.ticket_numbers import TicketNumbers
from deskapp.store.bulk import converters, row_values
from deskapp.store.changelog import encode_fields, log_fields, logged_insert_rows
from deskapp.store.models import Complaint, ComplaintEvent
from deskapp.store.search_index import deferred_search_index

if TYPE_CHECKING:
    from deskapp.refdata import RefData
    from deskapp.services.importer.worker import Worker

# The page cache of the connection that writes an import (SQLite's default is 2 MiB): a fixed
# bound, whatever the file's size, that keeps the indexes' pages at hand as the store grows.
CACHE_KIB = 65_536
# The write-ahead log's pages before a commit copies them into the store (SQLite's default is
# 1,000: a chunk of an import writes more, so every commit copied it, with the index pages a
# later chunk writes again). Every commit is as durable either way: the log is synced at each
# (docs/reliability.md); the log file grows to this bound (64 MiB) during an import. Issue 22.
WAL_PAGES = 16_000
DEFAULT_WAL_PAGES = 1_000  # put back after the import, for the desk's own writes


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


@dataclass(frozen=True)
class RecordSpec:
    """What a row's records need besides the row and the chunk's moment: sent to the worker
    process (services/importer/worker.py), which makes the same records from it."""

    data_dir: Path
    tz: ZoneInfo
    terminal_code: str
    actor: Actor
    file_name: str
    language: str
    dialect: type[sa.Dialect]  # the store's, for the values as its DB-API takes them

    @classmethod
    def of(cls, desk: Desk, actor: Actor, file_name: str) -> RecordSpec:
        return cls(desk.refdata.data_dir, desk.tz, desk.terminal().terminal_code, actor,
                   file_name, language(), type(desk.engine.dialect))  # fmt: skip


# A row's records as the worker hands them back: the complaint's change-log text and its
# values for the DB-API (its ticket number and repeat link still to come: `_finish`), and each
# event's (id, values, change-log text).
MadeEvent = tuple[str, tuple[Any, ...], str]
Made = tuple[str, list[Any], list[MadeEvent]]
# A complaint's whole row and its events' rows, as dicts.
Record = tuple[dict[str, Any], list[dict[str, Any]]]
_TICKET = _COMPLAINT_KEYS.index("ticket_no")
_IS_REPEAT = _COMPLAINT_KEYS.index("is_repeat")
_REPEAT_OF = _COMPLAINT_KEYS.index("repeat_of_id")
_EVENT_KEYS = ("id", "complaint_id", "kind", "at", "actor_id", "note", "data")


class Records:
    """A row's complaint and events, all but what depends on the store and on the rows before
    it (its ticket number, its repeat link): the same here and in the worker process."""

    def __init__(self, spec: RecordSpec, refdata: RefData) -> None:
        self.spec = spec
        self.calendar = refdata.work_calendar_for(spec.tz)
        self.limits = refdata.time_limits
        dialect = spec.dialect()
        self.complaint_values = row_values(dialect, Complaint.__table__, _COMPLAINT_KEYS)
        self.event_values = row_values(dialect, ComplaintEvent.__table__, _EVENT_KEYS)
        (flag,) = converters(dialect, Complaint.__table__, ["is_repeat"])
        self.true = flag(True) if flag else True  # a repeat's is_repeat, as the DB-API takes it

    def record(self, row: ParsedRow, now: datetime, now_text: str) -> Record:
        """The complaint's whole row (every column; no ticket number, no repeat) and its
        events' rows (no repeat link)."""
        actor = self.spec.actor
        registered_at = _registered_at(row, now)
        values = dict(_COMPLAINT_DEFAULTS)  # every column: the row is written whole
        values.update(
            id=row.id,
            ticket_no="",
            hall_code=row.hall,
            terminal_code=self.spec.terminal_code,
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
            is_repeat=False,
            repeat_of_id=None,
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
                 file=self.spec.file_name, line=row.line)  # fmt: skip
        events = [
            _event(row.id, "registered", registered_at, actor, note, channel=row.channel.value,
                   severity=row.severity.value, imported=True, imported_at=now_text,
                   imported_status=row.status.value, source=row.source,
                   imported_closed_at=row.closed_at.isoformat() if row.closed_at else None,
                   imported_outcome=row.outcome,
                   imported_satisfaction=row.satisfaction.value if row.satisfaction else None,
                   external_no=row.external_no, file=self.spec.file_name, line=row.line),
        ]  # fmt: skip
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
        # The clocks, as services/deadlines.py `refresh_clocks` keeps them, computed before the
        # row is written (so its one insert in the change log already carries them). Of the
        # events an import writes, the facts read only the promise: the others are not
        # replayed (the same facts, tests/services/test_svc_import_clocks.py). Neither the
        # ticket number nor the repeat link changes them.
        facts = ticket_facts(complaint, [SimpleNamespace(**e) for e in events if e["kind"] in
                                         _FACT_EVENTS])  # fmt: skip
        clocks = active_clocks(facts, self.calendar, self.limits)
        first = clocks[0] if clocks else None
        values["next_due_at"] = first.deadline.at if first else None
        values["next_clock"] = first.kind.value if first else ""
        values["next_due_provisional"] = bool(first and first.deadline.provisional)
        return values, events

    def made(self, row: ParsedRow, now: datetime, now_text: str) -> Made:
        """The row's records as `logged_insert_rows` writes them (numbered and linked by
        `_finish`)."""
        values, events = self.record(row, now, now_text)
        return (encode_fields(log_fields(values)), self.complaint_values(values),
                [self.event(e) for e in events])  # fmt: skip

    def event(self, event: dict[str, Any]) -> MadeEvent:
        return event["id"], tuple(self.event_values(event)), encode_fields(log_fields(event))


# The complaint's change-log text as made, before it has a number or a link: what `_finish`
# fills in. A key's text cannot occur inside a value (a quote in a value is written \"), and
# each is written once: the first match is the key.
_UNNUMBERED = ('"ticket_no": ""', '"is_repeat": false', '"repeat_of_id": null')


def _finish(records: Records, made: Made, ticket_no: str, repeat_of: tuple[str, str] | None,
            row: ParsedRow, registered_at: datetime,
            ) -> tuple[tuple[Any, ...], str, list[MadeEvent]]:  # fmt: skip
    """A made row numbered and linked: its complaint's values and change-log text (the text
    `encode_fields` gives the numbered fields, without encoding them again), its events (the
    repeat link second, where `_record` puts it)."""
    text, values, events = made
    values[_TICKET] = ticket_no
    said = [f'"ticket_no": {encode_fields(ticket_no)}']
    if repeat_of:
        values[_IS_REPEAT], values[_REPEAT_OF] = records.true, repeat_of[0]
        said += ['"is_repeat": true', f'"repeat_of_id": {encode_fields(repeat_of[0])}']
        link = _event(row.id, "repeat_linked", registered_at, records.spec.actor,
                      repeat_of=repeat_of[0], repeat_of_ticket=repeat_of[1])  # fmt: skip
        events = [events[0], records.event(link), *events[1:]]
    for before, after in zip(_UNNUMBERED, said, strict=False):
        head, found, tail = text.partition(before)
        assert found, before  # (made by `Records.made`: always there)
        text = head + after + tail
    return tuple(values), text, events


def _record(records: Records, numbers: TicketNumbers, row: ParsedRow, now: datetime,
            repeat_of: tuple[str, str] | None, now_text: str,
            ) -> Record:  # fmt: skip
    """The complaint's whole row (every column) and its events' rows, as dicts (the ORM path)."""
    values, events = records.record(row, now, now_text)
    values["ticket_no"] = numbers.next(values["registered_at"])
    if repeat_of:
        values.update(is_repeat=True, repeat_of_id=repeat_of[0])
        events.insert(1, _event(row.id, "repeat_linked", values["registered_at"],
                                records.spec.actor, repeat_of=repeat_of[0],
                                repeat_of_ticket=repeat_of[1]))  # fmt: skip
    return values, events


AHEAD = 2  # chunks handed to the worker ahead of the one being written


def _write_rows(desk: Desk, actor: Actor, path: Path, chunks: Iterator[list[tuple[ParsedRow,
                                                                                  bytes]]],
                causes: dict[str, CausePath], result: ImportResult,
                progress: Callable[[str, int, int], None] | None = None, total: int = 0, *,
                orm: bool = False, worker: Worker | None = None) -> None:  # fmt: skip
    """The checked rows, in time order, one transaction per chunk; `progress("write", done,
    total)` after each. The rows go to the store as whole rows with their change log rows
    (store/changelog.py `logged_insert_rows`); `orm` writes the same rows as ORM objects, as
    before issue 22 (the test and the benchmark that compare them). With a `worker`, the
    records of the next chunks are made in its process while this one writes (the rows
    and their spooled data, `chunks`, with their `causes`: spool.py)."""
    records = Records(RecordSpec.of(desk, actor, path.name), desk.refdata)
    repeats = _Repeats(desk.refdata.settings.intake.repeat_window_days)
    ahead: deque[tuple[list[ParsedRow], datetime, list[str] | None]] = deque()

    def send() -> None:
        chunk = next(chunks, None)
        if chunk is None:
            return
        rows = [row for row, _ in chunk]
        now = desk.clock.now()  # the chunk's moment, in every registration event
        sent = None
        if worker is not None and not orm:
            # Rows already in the store are not made (an import run again: all of them); the
            # chunk's transaction reads them again, and a row stored since is not written.
            stored = _stored(desk, rows)
            data = [(row.id, blob) for row, blob in chunk if row.id not in stored]
            if data and worker.send(("make", [blob for _, blob in data], causes, now)):
                sent = [row_id for row_id, _ in data]
        ahead.append((rows, now, sent))

    done = 0
    if progress:
        progress("write", done, total)
    for _ in range(AHEAD if worker is not None else 1):
        send()
    try:
        while ahead:
            rows, now, sent = ahead.popleft()
            send()  # the worker makes the next chunk while this one is written
            made = worker.take() if worker is not None and sent is not None else None
            ready = (dict(zip(sent, made, strict=True)) if sent is not None and made is not None
                     else {})  # fmt: skip
            with _interrupt_after():  # a chunk committed is a chunk counted
                with desk.write(actor.id) as session, session.no_autoflush:
                    _write_chunk(session, desk, records, repeats, rows, now, ready, result, orm)
                done += len(rows)
                if progress:
                    progress("write", done, max(total, done))
    finally:
        with desk.engine.connect() as connection:  # (the pool's one connection, in practice)
            connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {DEFAULT_WAL_PAGES}")


@contextlib.contextmanager
def _interrupt_after() -> Iterator[None]:
    """Ctrl+C during the block stops the import when the block ends: a Ctrl+C between a
    chunk's commit and its count made `deskapp import` say fewer rows stored than were, or
    "nothing changed" after the first chunk (the attack on fix22e). Only where Python turns
    Ctrl+C into KeyboardInterrupt (the command's main thread; the desk's F6 runs in a worker)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):  # fmt: skip
        yield
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


def _said_stored(stored: dict[str, Any], row: ParsedRow, result: ImportResult) -> None:
    """A row whose ticket is already stored: each column that differs reported (the same
    external number, other content), or the row skipped as imported before."""
    differs = _differences(stored, row)
    ticket_no = stored["ticket_no"]
    for column in differs:
        result.problems.append(RowProblem(row.line, column, t(
            "import.conflict", external=row.external_no, ticket=ticket_no)))  # fmt: skip
    if not differs:
        result.skipped.append((row.line, t("import.already", ticket=ticket_no)))


def compare_with_store(desk: Desk, chunks: Iterator[list[tuple[ParsedRow, bytes]]],
                       result: ImportResult) -> None:  # fmt: skip
    """A dry run says of the rows already stored what the import would (a file imported
    before, or an import stopped part way): skipped, or each column that differs; a chunk at
    a time, nothing written."""
    for chunk in chunks:
        rows = [row for row, _ in chunk]
        with desk.read() as session:
            present = _as_imported(session, [r.id for r in rows])
        for row in rows:
            if (stored := present.get(row.id)) is not None:
                _said_stored(stored, row, result)


def _stored(desk: Desk, rows: list[ParsedRow]) -> set[str]:
    with desk.read() as session:
        found = sa.select(col(Complaint.id)).where(col(Complaint.id).in_([r.id for r in rows]))
        return set(session.scalars(found))


def _write_chunk(session: Session, desk: Desk, records: Records, repeats: _Repeats,
                 chunk: list[ParsedRow], now: datetime, ready: dict[str, Made],
                 result: ImportResult, orm: bool) -> None:  # fmt: skip
    """One chunk in its transaction (`session`): each row numbered and linked here, its
    records as made (`ready`: by the worker) or made now."""
    now_text = now.isoformat()  # the chunk's moment, in every registration event
    if CACHE_KIB:  # the store's indexes stay in memory while it grows by a file's rows
        session.connection().exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
    session.connection().exec_driver_sql(f"PRAGMA wal_autocheckpoint = {WAL_PAGES}")
    present = _as_imported(session, [r.id for r in chunk])
    repeats.load(session, chunk)
    numbers = TicketNumbers(session, desk)
    numbers.prepare(_registered_at(r, now) for r in chunk if r.id not in present)
    complaints: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    complaint_rows: list[tuple[Any, ...]] = []
    complaint_log: list[tuple[str, str]] = []
    event_rows: list[tuple[Any, ...]] = []
    event_log: list[tuple[str, str]] = []
    for row in chunk:
        stored = present.get(row.id)
        if stored is not None:
            _said_stored(stored, row, result)
            continue
        repeat_of = repeats.earlier(row)
        if orm:
            complaint, evs = _record(records, numbers, row, now, repeat_of, now_text)
            ticket_no = complaint["ticket_no"]
            complaints.append(complaint)
            events.extend(evs)
        else:
            registered_at = _registered_at(row, now)
            ticket_no = numbers.next(registered_at)
            made = ready.get(row.id) or records.made(row, now, now_text)
            values, text, made_events = _finish(records, made, ticket_no, repeat_of, row,
                                                registered_at)  # fmt: skip
            complaint_rows.append(values)
            complaint_log.append((row.id, text))
            for event_id, event_values, event_text in made_events:
                event_rows.append(event_values)
                event_log.append((event_id, event_text))
        repeats.add(row, ticket_no)
        result.imported.append((row.line, ticket_no))
    if orm:  # as every other write: ORM objects, the flush hook logs them
        session.add_all([Complaint(**c) for c in complaints])
        session.flush()  # the complaints exist before the events that point at them
        session.add_all([ComplaintEvent(**e) for e in events])
    else:  # the same rows and log rows, without the objects (issue 22), and the
        # search index filled for the chunk at once, not by its trigger row by row
        with deferred_search_index(session.connection()):
            logged_insert_rows(session, [
                (Complaint.__table__, _COMPLAINT_KEYS, complaint_rows, complaint_log),
                (ComplaintEvent.__table__, _EVENT_KEYS, event_rows, event_log),
            ])  # fmt: skip
