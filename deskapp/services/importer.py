"""导入: complaints dispatched from the hotline system (10086下单) or migrated from an older
system, from a CSV or XLSX file in the column layout of docs/import.md.

Every row is checked on its own; a bad row is reported with its line number and the reason,
and the good rows are imported. Importing the same file again creates nothing new: a row's
record id is derived from the row (uuid5 over the source system and the external ticket
number, or over the row's normalized content when it has none), and a row whose id is already
in the store is skipped.

Imported records are written through `Desk.write(actor_id)`, so the change log captures every
row with the importing staff member as the actor, as for a typed complaint. They are honest
about what they are:

* their `registered` event says `imported` (with the source, the external number, the file
  and its line, and when the import happened);
* a row that arrives closed (已结案 / 已回访) keeps its own past: registered when received,
  closed at its closing time, with its outcome and satisfaction; its handling happened
  elsewhere, so the reports do not judge its timeliness. A closed row not marked 已回访 is due
  its return visit like any closed ticket;
* a row that arrives open (处理中) is registered at the moment of import: its follow-up clocks
  start when it reaches the desk, and it enters the follow-up queue.

The intake rules apply where they make sense for a record made elsewhere: required fields, text
limits, phone and service numbers, a level-3 cause (a level-4 path also sets the finding), the
severity floor of the channel (going below needs a reason), on-the-spot rules, repeat linking
(same contact phone within the look-back window). What does not apply to a past record is the
30-day limit on the received time and the promise in the future; a received time in the future
or before 2000, or a closing time before receiving, is refused. `take_complaint`'s rules for a
typed complaint are not touched."""

from __future__ import annotations

import csv
import json
import os
import pickle
import re
import sqlite3
import tempfile
import unicodedata
import uuid
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from deskapp.domain.categories import CausePath
from deskapp.domain.clean_input import year_error, year_in_range
from deskapp.domain.enums import Channel, Satisfaction, Severity, Status
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.permissions import Permission
from deskapp.domain.phone import parse_phone, parse_service_number
from deskapp.domain.severity import severity_floor
from deskapp.domain.ticket_number import CODE, format_ticket_number
from deskapp.domain.timefmt import local_day, read_local
from deskapp.i18n import catalogue, error_text, t
from deskapp.services.clocks import clocks_for, ticket_facts
from deskapp.services.customer_base import customer_base
from deskapp.services.desk import Actor, Desk
from deskapp.store.engine import is_read_only
from deskapp.store.failures import StoreUnavailable
from deskapp.store.models import Complaint, ComplaintEvent, DayClose, Staff, TicketCounter

# Fixed forever: changing it would make every earlier import look new.
NAMESPACE = uuid.UUID("6f1c2a5e-3b0d-5e2a-9c41-0d6e8a7b5c33")
BATCH = 1000  # rows per transaction: a crash loses at most one batch, and re-running resumes
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
GRACE = timedelta(minutes=1)  # clock drift between the source system and this terminal


@dataclass(frozen=True)
class ImportColumn:
    field: str
    header: str  # the documented Chinese header
    required: bool = False
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("received_at", "受理时间", True, ("received_at", "受理日期", "投诉时间")),
    ImportColumn("channel", "渠道", True, ("channel", "投诉渠道", "来源渠道")),
    ImportColumn("customer_name", "客户姓名", True, ("customer_name", "客户名称", "姓名")),
    ImportColumn("contact_phone", "联系电话", True, ("contact_phone", "联系号码", "电话")),
    ImportColumn("service_number", "业务号码", False, ("service_number", "受理号码")),
    ImportColumn("content", "投诉内容", True, ("content", "内容")),
    ImportColumn("demand", "客户诉求", False, ("demand", "诉求")),
    ImportColumn("category", "投诉类别", True, ("category", "投诉原因", "原因", "类别")),
    ImportColumn("severity", "投诉级别", False, ("severity", "级别")),
    ImportColumn("severity_reason", "降级理由", False, ("severity_reason",)),
    ImportColumn("area", "片区", False, ("area", "区域")),
    ImportColumn("hall", "营业厅", False, ("hall", "营业厅代码", "厅")),
    ImportColumn("status", "状态", False, ("status", "工单状态", "处理状态")),
    ImportColumn("closed_at", "结案时间", False, ("closed_at", "办结时间")),
    ImportColumn("outcome", "处理结果", False, ("outcome", "处理结论")),
    ImportColumn("satisfaction", "满意度", False, ("satisfaction", "客户满意度")),
    ImportColumn("solved_on_spot", "现场解决", False, ("solved_on_spot", "是否现场解决")),
    ImportColumn("promised_reply_at", "承诺回复时间", False, ("promised_reply_at",)),
    ImportColumn("external_no", "外部工单号", False, ("external_no", "工单号", "原工单号")),
    ImportColumn("source", "来源系统", False, ("source", "系统")),
    ImportColumn("owner_work_no", "处理人工号", False, ("owner_work_no", "处理人", "工号")),
    ImportColumn("is_batch", "批量投诉", False, ("is_batch", "是否批量")),
)
BY_FIELD = {c.field: c for c in COLUMNS}


def _fold(text: str) -> str:
    """Header and value matching: NFKC (full-width → ASCII), no spaces or * marks, lower."""
    return re.sub(r"[\s*＊\ufeff]+", "", unicodedata.normalize("NFKC", str(text))).lower()


_HEADERS = {_fold(name): c.field for c in COLUMNS for name in (c.header, *c.aliases)}


# ------------------------------------------------------------------------------- vocabulary


def _vocabulary(prefix: str, codes: list[str], extra: dict[str, str]) -> dict[str, str]:
    zh = catalogue("zh")
    words = {_fold(code): code for code in codes}
    words.update({_fold(zh[f"{prefix}.{c}"]): c for c in codes if f"{prefix}.{c}" in zh})
    words.update({_fold(k): v for k, v in extra.items()})
    return words


CHANNELS = _vocabulary(
    "channel",
    [c.value for c in Channel],
    {"10086": "hotline", "热线": "hotline", "消委会": "consumer_association",
     "消保委": "consumer_association", "工信部": "regulator", "通管局": "regulator",
     "来信": "letter_visit", "来访": "letter_visit", "网上": "online", "营业厅": "walk_in"},
)  # fmt: skip
SEVERITIES = _vocabulary(
    "severity", [s.value for s in Severity], {"橙色": "serious", "红色": "major"}
)
STATUSES = _vocabulary(
    "status",
    [Status.OPEN.value, Status.CLOSED.value, Status.VISITED.value],
    {"未结案": "open", "待处理": "open", "结案": "closed", "已办结": "closed", "已回访": "visited"},
)
SATISFACTIONS = _vocabulary(
    "satisfaction",
    [s.value for s in Satisfaction],
    {"未表态": "declined", "一般满意": "basically_satisfied"},
)
YES = {_fold(v) for v in ("是", "y", "yes", "true", "1", "√", "✓")}
NO = {_fold(v) for v in ("否", "n", "no", "false", "0", "")}


# ------------------------------------------------------------------------------------ types


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str  # the column's documented header
    message: str  # in words, from the catalogue


@dataclass
class ImportResult:
    path: Path
    encoding: str
    rows: int = 0  # data rows read (blank lines not counted)
    imported: list[tuple[int, str]] = field(default_factory=list)  # (line, ticket number)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why: in words)
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    id: str
    received_at: datetime
    channel: Channel
    customer_name: str
    contact_phone: str
    phone_last4: str
    service_number: str
    content: str
    demand: str
    cause: CausePath  # level 3
    finding: str | None  # level 4 code
    severity: Severity
    severity_reason: str
    hall: str
    status: Status
    closed_at: datetime | None
    outcome: str
    satisfaction: Satisfaction | None
    solved_on_spot: bool
    promised_reply_at: datetime | None
    external_no: str
    source: str
    owner_id: str
    is_batch: bool


# ------------------------------------------------------------------------------------ files


def read_rows(path: Path, encoding: str | None = None) -> tuple[str, list[str], Iterator]:
    """(encoding used, header cells, iterator of (line number, cells)). Raises RuleViolation
    with a file-level error when the file cannot be read as a table."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix not in (".csv", ".txt"):
        raise RuleViolation.single("file", "error.import.file_format")
    return _read_csv(path, encoding)


def _read_xlsx(path: Path) -> tuple[str, list[str], Iterator]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise RuleViolation.single("file", "error.import.read", reason=str(exc)[:200]) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    for number, cells in enumerate(rows, start=1):
        if any(c not in (None, "") for c in cells):
            header = ["" if c is None else str(c) for c in cells]

            def data(start: int = number) -> Iterator[tuple[int, list[Any]]]:
                # read_only parses the sheet as it goes: a damaged sheet inside a sound zip
                # fails here, after the header. Every row is read before anything is written,
                # so refusing the file at this point still imports nothing.
                try:
                    for line, values in enumerate(rows, start=start + 1):
                        yield line, list(values)
                except Exception as exc:  # XML, zip and value errors of a damaged file
                    raise RuleViolation.single(
                        "file", "error.import.read", reason=str(exc)[:200]
                    ) from None
                finally:
                    book.close()

            return "xlsx", header, data()
    book.close()
    raise RuleViolation.single("file", "error.import.empty")


_CHUNK = 1 << 20


def _decodes_whole(path: Path, codec: str) -> bool:
    """Whether the whole file decodes in `codec`, read a chunk at a time (nothing kept)."""
    import codecs

    decoder = codecs.getincrementaldecoder(codec)()
    try:
        with path.open("rb") as raw:
            while chunk := raw.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(path: Path, encoding: str | None) -> tuple[str, str]:
    """(Python codec, the name reported) of the file, found without reading it into memory."""
    if encoding:
        try:
            ok = _decodes_whole(path, encoding)
        except LookupError:
            ok = False
        if not ok:
            raise RuleViolation.single("file", "error.import.encoding")
        return encoding, encoding
    with path.open("rb") as raw:
        bom = raw.read(3) == b"\xef\xbb\xbf"
    if bom:
        if _decodes_whole(path, "utf-8-sig"):
            return "utf-8-sig", "utf-8-sig"
        raise RuleViolation.single("file", "error.import.encoding")
    if _decodes_whole(path, "utf-8"):
        return "utf-8", "utf-8"
    # GB18030 is the superset of GBK (and GB2312) that Excel's "CSV" writes on a Chinese
    # Windows; a file it decodes is accepted only if its header is then recognised.
    if _decodes_whole(path, "gb18030"):
        return "gb18030", "gbk"
    raise RuleViolation.single("file", "error.import.encoding")


def _read_csv(path: Path, encoding: str | None) -> tuple[str, list[str], Iterator]:
    """Rows streamed from the file: memory holds one row, not the file (its size is checked
    first, and every row is still read and checked before anything is written)."""
    try:
        codec, used = _encoding(path, encoding)
        handle = path.open(encoding=codec, newline="")
    except OSError as exc:
        raise RuleViolation.single("file", "error.import.read", reason=exc.strerror or "") from None
    reader = csv.reader(handle)
    previous = 0
    header: list[str] | None = None
    for cells in reader:
        previous = reader.line_num
        if any(c.strip() for c in cells):
            header = cells
            break
    if header is None:
        handle.close()
        raise RuleViolation.single("file", "error.import.empty")
    recognised = sum(_fold(h) in _HEADERS for h in header)
    if used == "gbk" and recognised == 0:
        handle.close()
        raise RuleViolation.single("file", "error.import.encoding")

    def data() -> Iterator[tuple[int, list[Any]]]:
        nonlocal previous
        with handle:
            for cells in reader:
                start, previous = previous + 1, reader.line_num
                yield start, cells

    return used, header, data()


# ---------------------------------------------------------------------------------- parsing


def external_key(external_no: str) -> str:
    """An external ticket number as it identifies a ticket: trimmed and upper-cased, so
    `hl-001` and ` HL-001 ` are the ticket HL-001 (docs/import.md). Upper, not casefold: the
    ids of numbers imported before (upper-case ones, the usual) stay what they were."""
    return external_no.strip().upper()


def import_id(source: str, external_no: str, key_fields: tuple[str, ...]) -> str:
    """The record id of a row: the same row always gets the same id (see the docstring)."""
    if external_no.strip():
        key = "\x1f".join(("ticket", source, external_key(external_no)))
    else:
        key = "\x1f".join(("row", *key_fields))
    return str(uuid.uuid5(NAMESPACE, key))


class _Parser:
    def __init__(self, desk: Desk, actor: Actor, source: str) -> None:
        self.desk = desk
        self.actor = actor
        self.source = source
        self.now = desk.clock.now()
        self.tz = desk.tz
        self.settings = desk.refdata.settings
        self.base = customer_base(desk.refdata.data_dir)
        terminal = desk.terminal()
        self.home_hall = terminal.hall_code
        with desk.read() as session:  # days signed off here: an import never rewrites one
            self.locked_days = set(session.scalars(
                sa.select(DayClose.day).where(DayClose.terminal_code == terminal.terminal_code)
            ))  # fmt: skip
        causes = desk.refdata.causes
        self.paths: dict[str, CausePath] = {}
        self.by_names: dict[tuple[str, ...], CausePath] = {}
        last_names: dict[str, list[CausePath]] = {}
        for p3 in causes.intake_paths():
            for p in (p3, *causes.children(p3.code)):
                self.paths[p.code] = p
                self.by_names[tuple(_fold(n) for n in p.names)] = p
                last_names.setdefault(_fold(p.name), []).append(p)
        self.by_last = {k: v[0] for k, v in last_names.items() if len(v) == 1}
        with desk.read() as session:
            self.staff = {
                w: i for w, i in session.execute(
                    sa.select(Staff.work_no, Staff.id).where(Staff.active.is_(True))
                )
            }  # fmt: skip

    # -- values ------------------------------------------------------------------------

    def time(self, value: Any, column: str, errors: list[FieldError]) -> datetime | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, date):  # an Excel date cell (openpyxl gives a datetime)
            if not year_in_range(value.year):
                errors.append(year_error(column))  # year 1 would overflow in UTC
                return None
            if not isinstance(value, datetime):
                value = datetime.combine(value, datetime.min.time())
            moment = value if value.tzinfo else value.replace(tzinfo=self.tz)
            return moment.astimezone(UTC)
        text = unicodedata.normalize("NFKC", str(value)).strip().replace("T", " ")
        text = re.sub(r"(\d{1,2}:\d{2}):\d{2}(\.\d+)?$", r"\1", text)  # seconds: dropped
        text = re.sub(r"\s+", " ", text)
        if re.fullmatch(r"\d{4}\D\d{1,2}\D\d{1,2}\D?\s\d{1,2}:\d{2}", text):
            parsed, time_error = read_local(column, text, self.tz, self.now)
            if parsed is not None:
                return parsed
            if time_error is not None and time_error.key == "error.time.year_range":
                errors.append(time_error)
                return None
        errors.append(FieldError(column, "error.import.time", {"value": str(value)[:40]}))
        return None

    def choice(
        self, value: Any, words: dict[str, str], column: str, errors: list[FieldError]
    ) -> str | None:
        text = _fold(value or "")
        if not text:
            return None
        found = words.get(text)
        if found is None:
            zh = catalogue("zh")
            prefix = {"channel": "channel", "severity": "severity", "status": "status",
                      "satisfaction": "satisfaction"}[column]  # fmt: skip
            shown = sorted({zh.get(f"{prefix}.{code}", code) for code in words.values()})
            errors.append(
                FieldError(
                    column,
                    "error.import.unknown_value",
                    {"value": str(value)[:40], "choices": "、".join(shown)},
                )
            )
        return found

    def flag(self, value: Any, column: str, errors: list[FieldError]) -> bool:
        if isinstance(value, bool):
            return value
        text = _fold(value if value is not None else "")
        if text in YES:
            return True
        if text not in NO:
            errors.append(
                FieldError(
                    column,
                    "error.import.unknown_value",
                    {"value": str(value)[:40], "choices": f"{t('reports.yes')}、{t('reports.no')}"},
                )
            )
        return False

    def category(self, value: Any, errors: list[FieldError]) -> CausePath | None:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        if not text:
            errors.append(FieldError("category", "error.required"))
            return None
        found = self.paths.get(text.upper())
        if found is None:
            parts = tuple(_fold(p) for p in re.split(r"[›>/\\|｜\-—]+", text) if p.strip())
            found = self.by_names.get(parts) or (
                self.by_last.get(parts[-1]) if len(parts) == 1 else None
            )
        if found is None or found.level < 3:
            errors.append(FieldError("category", "error.import.category", {"value": text[:60]}))
            return None
        return found

    @staticmethod
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a phone number stored as a number in Excel
        return str(value).strip()

    # -- a row -------------------------------------------------------------------------

    def parse(self, line: int, cells: dict[str, Any]) -> ParsedRow | list[FieldError]:
        errors: list[FieldError] = []
        limits = self.settings.intake.text_limits
        get = self.text

        def add(error: FieldError | None) -> None:
            if error is not None:
                errors.append(error)

        received_at = self.time(cells.get("received_at"), "received_at", errors)
        if received_at is None and not any(e.field == "received_at" for e in errors):
            errors.append(FieldError("received_at", "error.required"))
        elif received_at is not None:
            if received_at > self.now + GRACE:
                errors.append(FieldError("received_at", "error.time.future"))
            elif received_at < EARLIEST:
                errors.append(FieldError("received_at", "error.import.too_old"))
        channel_code = self.choice(cells.get("channel"), CHANNELS, "channel", errors)
        if channel_code is None and not any(e.field == "channel" for e in errors):
            errors.append(FieldError("channel", "error.required"))
        channel = Channel(channel_code) if channel_code else Channel.HOTLINE
        name = get(cells.get("customer_name"))
        add(check_text("customer_name", name, required=True, max_len=limits.customer_name))
        phone = None
        phone_text = get(cells.get("contact_phone"))
        if not phone_text:
            errors.append(FieldError("contact_phone", "error.required"))
        elif (phone := parse_phone(phone_text)) is None:
            errors.append(FieldError("contact_phone", "error.phone.invalid"))
        service_text = get(cells.get("service_number"))
        service_number = phone.normalized if phone else ""
        if service_text:
            service_number = parse_service_number(service_text) or ""
            if not service_number:
                errors.append(FieldError("service_number", "error.service_number.invalid"))
        content = get(cells.get("content"))
        add(check_text("content", content, required=True, max_len=limits.content, multiline=True))
        demand = get(cells.get("demand"))
        add(check_text("demand", demand, required=False, max_len=limits.demand))
        path = self.category(cells.get("category"), errors)

        severity_code = self.choice(cells.get("severity"), SEVERITIES, "severity", errors)
        floor = severity_floor(channel, self.settings.severity_floor)
        severity = Severity(severity_code) if severity_code else floor
        reason = get(cells.get("severity_reason"))
        add(check_text("severity_reason", reason, required=False,
                       max_len=limits.severity_reason))  # fmt: skip
        if severity.rank < floor.rank and not reason:
            errors.append(FieldError("severity_reason", "error.severity.below_floor_needs_reason",
                                     {"floor": floor.value}))  # fmt: skip

        hall = get(cells.get("hall")).upper() or self.home_hall
        area = get(cells.get("area")).upper()
        if not CODE.fullmatch(hall):
            errors.append(FieldError("hall", "error.code.format"))
        elif self.base.halls and hall not in self.base.halls:
            errors.append(FieldError("hall", "error.import.hall_unknown", {"hall": hall}))
        elif hall != self.home_hall:
            # Another hall's complaint is that hall's to book, not this terminal's.
            errors.append(FieldError("hall", "error.import.other_hall",
                                     {"hall": hall, "home": self.home_hall}))  # fmt: skip
        elif area:
            expected = self.base.halls[hall].area if hall in self.base.halls else ""
            if (
                expected
                and area != expected
                and _fold(area) != _fold(self.base.areas[expected].name)
            ):
                errors.append(
                    FieldError(
                        "area",
                        "error.import.area_mismatch",
                        {"hall": hall, "area": area, "expected": expected},
                    )
                )

        closed_at = self.time(cells.get("closed_at"), "closed_at", errors)
        status_code = self.choice(cells.get("status"), STATUSES, "status", errors)
        status = Status(status_code) if status_code else (
            Status.CLOSED if closed_at else Status.OPEN
        )  # fmt: skip
        outcome = get(cells.get("outcome"))
        add(check_text("outcome", outcome, required=False, max_len=limits.outcome, multiline=True))
        sat_code = self.choice(cells.get("satisfaction"), SATISFACTIONS, "satisfaction", errors)
        satisfaction = Satisfaction(sat_code) if sat_code else None
        on_spot = self.flag(cells.get("solved_on_spot"), "solved_on_spot", errors)
        is_batch = self.flag(cells.get("is_batch"), "is_batch", errors)
        finished = status in (Status.CLOSED, Status.VISITED)
        if finished:
            if closed_at is None and not any(e.field == "closed_at" for e in errors):
                errors.append(FieldError("closed_at", "error.import.closed_needs_time"))
            if not outcome:
                errors.append(FieldError("outcome", "error.import.closed_needs_outcome"))
            if closed_at and received_at and closed_at < received_at:
                errors.append(FieldError("closed_at", "error.import.closed_before_received"))
            if closed_at and closed_at > self.now + GRACE:
                errors.append(FieldError("closed_at", "error.time.future"))
        else:
            if closed_at is not None:
                errors.append(FieldError("closed_at", "error.import.open_has_close"))
            if satisfaction is not None:
                errors.append(FieldError("satisfaction", "error.import.open_has_satisfaction"))
        for column, moment in (("received_at", received_at), ("closed_at", closed_at)):
            day = local_day(moment, self.tz).isoformat() if moment else ""
            if day in self.locked_days:  # the day lock (day_lock.py): a late change is a
                # duty manager's, one record at a time at the desk, never a file's
                errors.append(FieldError(column, "error.import.day_locked", {"day": day}))
        if on_spot:
            if not finished:
                errors.append(FieldError("solved_on_spot", "error.import.on_spot_open"))
            elif status is Status.VISITED:
                errors.append(FieldError("status", "error.visit.on_spot"))
            if satisfaction is None:
                errors.append(FieldError("satisfaction", "error.on_spot.satisfaction_required"))
            elif satisfaction is Satisfaction.UNSATISFIED:
                errors.append(FieldError("satisfaction", "error.on_spot.unsatisfied"))

        promised = self.time(cells.get("promised_reply_at"), "promised_reply_at", errors)
        if promised is not None and finished:
            promised = None  # a promise on a closed record was kept or broken elsewhere
        if promised is not None and received_at is not None and promised < received_at:
            errors.append(FieldError("promised_reply_at", "error.time.promise_past"))

        owner_id = self.actor.id
        work_no = get(cells.get("owner_work_no"))
        if work_no:
            found = self.staff.get(work_no)
            if found is None:
                errors.append(FieldError("owner_work_no", "error.import.staff_unknown",
                                         {"work_no": work_no}))  # fmt: skip
            else:
                owner_id = found
        external_no = get(cells.get("external_no"))
        source = get(cells.get("source")) or self.source
        add(check_text("external_no", external_no, required=False, max_len=60))
        add(check_text("source", source, required=False, max_len=60))

        if errors:
            return errors
        assert received_at is not None and phone is not None and path is not None
        level3 = path if path.level == 3 else self.paths[".".join(path.codes[:3])]
        row_id = import_id(source, external_no, (
            received_at.isoformat(), channel.value, phone.normalized, service_number,
            content, level3.code,
        ))  # fmt: skip
        return ParsedRow(
            line=line, id=row_id, received_at=received_at, channel=channel,
            customer_name=name, contact_phone=phone.normalized, phone_last4=phone.last_four,
            service_number=service_number, content=content, demand=demand, cause=level3,
            finding=path.code if path.level == 4 else None, severity=severity,
            severity_reason=reason, hall=hall, status=status,
            closed_at=closed_at if finished else None, outcome=outcome if finished else "",
            satisfaction=satisfaction, solved_on_spot=on_spot, promised_reply_at=promised,
            external_no=external_no, source=source, owner_id=owner_id, is_batch=is_batch,
        )  # fmt: skip


# ---------------------------------------------------------------------------------- writing


class _Repeats:
    """重复投诉 across the store and this import: the latest earlier complaint from the same
    contact phone within the look-back window (as intake's `find_repeat_candidates`)."""

    def __init__(self, window_days: int) -> None:
        self.window = timedelta(days=window_days)
        self.seen: dict[str, list[tuple[datetime, str, str]]] = {}

    def load(self, session: sa.orm.Session, rows: list[ParsedRow]) -> None:
        phones = sorted({r.contact_phone for r in rows} - set(self.seen))
        if not phones:
            return
        lo = min(r.received_at for r in rows) - self.window
        hi = max(r.received_at for r in rows)
        for phone in phones:
            self.seen[phone] = []
        for i in range(0, len(phones), 500):
            found = session.execute(
                sa.select(Complaint.contact_phone, Complaint.received_at, Complaint.id,
                          Complaint.ticket_no)
                .where(Complaint.contact_phone.in_(phones[i : i + 500]),
                       Complaint.received_at >= lo, Complaint.received_at <= hi)
            )  # fmt: skip
            for phone, at, cid, ticket in found:
                self.seen[phone].append((at, cid, ticket))
        for entries in self.seen.values():
            entries.sort()

    def earlier(self, row: ParsedRow) -> tuple[str, str] | None:
        entries = self.seen.get(row.contact_phone, [])
        i = bisect_right(entries, (row.received_at, "\uffff", ""))
        while i > 0:
            at, cid, ticket = entries[i - 1]
            if cid != row.id:
                return (cid, ticket) if at >= row.received_at - self.window else None
            i -= 1
        return None

    def add(self, row: ParsedRow, ticket: str) -> None:
        entries = self.seen.setdefault(row.contact_phone, [])
        entries.insert(bisect_right(entries, (row.received_at, row.id, ticket)),
                       (row.received_at, row.id, ticket))  # fmt: skip


class _TicketNumbers:
    """Ticket numbers for one batch, from the same daily counters as intake (deskapp/services/
    intake.py): each counter is read once and kept, so a batch of rows on one day counts on."""

    def __init__(self, session: sa.orm.Session, desk: Desk) -> None:
        self.session = session
        self.desk = desk
        self.terminal = desk.terminal()
        self.counters: dict[str, TicketCounter] = {}

    def next(self, registered_at: datetime) -> str:
        day = local_day(registered_at, self.desk.tz)
        key = f"{day:%Y%m%d}"
        counter = self.counters.get(key)
        if counter is None:
            counter = self.session.get(TicketCounter, key)
            if counter is None:
                counter = TicketCounter(day=key, last_seq=0)
                self.session.add(counter)
            self.counters[key] = counter
        counter.last_seq += 1
        return format_ticket_number(
            self.terminal.hall_code, self.terminal.terminal_code, day, counter.last_seq
        )


def _event(complaint_id: str, kind: str, at: datetime, actor: Actor, note: str = "",
           **data: Any) -> ComplaintEvent:  # fmt: skip
    # The id is derived like the complaint's: the same file imported on two terminals before
    # they sync makes the same events, which the merge keeps once (docs/unique-values.md).
    return ComplaintEvent(
        id=str(uuid.uuid5(NAMESPACE, f"{complaint_id}|{kind}")),
        complaint_id=complaint_id,
        kind=kind,
        at=at,
        actor_id=actor.id,
        note=note,
        data=json.dumps(data, ensure_ascii=False, default=str),
    )


def _record(
    numbers: _TicketNumbers, desk: Desk, actor: Actor, row: ParsedRow, now: datetime,
    file_name: str, repeat_of: tuple[str, str] | None,
) -> tuple[Complaint, list[ComplaintEvent]]:  # fmt: skip
    terminal = desk.terminal()
    finished = row.status in (Status.CLOSED, Status.VISITED)
    # A closed record keeps its own past; an open one reaches the desk now (module docstring).
    registered_at = row.received_at if finished else now
    complaint = Complaint(
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
    note = t("import.event_note", source=row.source or "—", external=row.external_no or "—",
             file=file_name, line=row.line)  # fmt: skip
    events = [
        _event(row.id, "registered", registered_at, actor, note, channel=row.channel.value,
               severity=row.severity.value, imported=True, imported_at=now.isoformat(),
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
    # The clocks, as services/clocks.py `refresh_clocks` keeps them, computed before the row
    # is written (so its one insert in the change log already carries them).
    facts = ticket_facts(complaint, sorted(events, key=lambda e: (e.at, e.id)))
    clocks = clocks_for(desk, facts)
    first = clocks[0] if clocks else None
    complaint.next_due_at = first.deadline.at if first else None
    complaint.next_clock = first.kind.value if first else ""
    complaint.next_due_provisional = bool(first and first.deadline.provisional)
    return complaint, events


def import_file(
    desk: Desk,
    actor: Actor,
    path: Path,
    *,
    source: str = "",
    encoding: str | None = None,
    dry_run: bool = False,
    batch: int = BATCH,
    max_bytes: int | None = None,
) -> ImportResult:
    """Check every row, import the good ones (unless `dry_run`), report the rest. A file
    larger than `max_bytes` (hall.toml [imports] max_file_mb) is refused before reading."""
    if max_bytes is None:
        max_bytes = desk.refdata.settings.imports.max_file_mb * 1_000_000
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RuleViolation.single("file", "error.import.read", reason=exc.strerror or "") from None
    if size > max_bytes:
        raise RuleViolation.single("file", "error.import.too_large",
                                   size=_megabytes(size), limit=_megabytes(max_bytes))  # fmt: skip
    used, header, data = read_rows(path, encoding)
    fields: dict[int, str] = {}
    result = ImportResult(path, used)
    for index, name in enumerate(header):
        found = _HEADERS.get(_fold(name))
        if found and found not in fields.values():
            fields[index] = found
        elif str(name).strip():
            result.ignored_columns.append(str(name).strip())
    missing = [c.header for c in COLUMNS if c.required and c.field not in fields.values()]
    if missing:
        raise RuleViolation.single("file", "error.import.columns_missing",
                                   columns="、".join(missing))  # fmt: skip
    parser = _Parser(desk, actor, source.strip())
    if is_read_only(desk.engine):  # (its spool, beside the store, could not be made either)
        raise StoreUnavailable("error.store.readonly", "import into a read-only store")
    with _Spool(Path(str(desk.engine.url.database)).parent) as good:
        for line, cells in data:
            if not any(c not in (None, "") and str(c).strip() for c in cells):
                continue
            result.rows += 1
            values = {fields[i]: v for i, v in enumerate(cells) if i in fields}
            parsed = parser.parse(line, values)
            if isinstance(parsed, list):
                for error in parsed:
                    result.problems.append(
                        RowProblem(line, BY_FIELD[error.field].header if error.field in BY_FIELD
                                   else error.field, error_text(error))
                    )  # fmt: skip
                continue
            earlier = good.get(parsed.id)
            if earlier is not None:
                differs = _differences(earlier, parsed)
                if differs:
                    for column in differs:
                        result.problems.append(RowProblem(line, column, t(
                            "import.conflict_in_file", external=parsed.external_no,
                            line=earlier.line)))  # fmt: skip
                else:
                    result.skipped.append((line, t("import.same_as_line", line=earlier.line)))
                continue
            good.add(parsed)
        if not dry_run:
            _write_rows(desk, actor, path, good.in_time_order(batch), result)
    result.skipped.sort()
    result.problems.sort(key=lambda p: p.line)
    return result


def _write_rows(desk: Desk, actor: Actor, path: Path, chunks: Iterator[list[ParsedRow]],
                result: ImportResult) -> None:  # fmt: skip
    """The checked rows, in time order, one transaction per chunk."""
    repeats = _Repeats(desk.refdata.settings.intake.repeat_window_days)
    for chunk in chunks:
        now = desk.clock.now()
        with desk.write(actor.id) as session, session.no_autoflush:
            present = _as_imported(session, [r.id for r in chunk])
            repeats.load(session, chunk)
            numbers = _TicketNumbers(session, desk)
            complaints: list[Complaint] = []
            events: list[ComplaintEvent] = []
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
                                         repeats.earlier(row))  # fmt: skip
                repeats.add(row, complaint.ticket_no)
                complaints.append(complaint)
                events.extend(evs)
                result.imported.append((row.line, complaint.ticket_no))
            session.add_all(complaints)
            session.flush()  # the complaints exist before the events that point at them
            session.add_all(events)


class _Spool:
    """The checked rows of an import, kept on disk until they are written: rows are written
    in time order (ticket numbers, repeat linking), so all of them must be read first, and a
    large file must not be held in memory. A private SQLite file beside the store (it holds
    customer data like the store: owner-only, deleted when the import ends)."""

    def __init__(self, folder: Path) -> None:
        fd, name = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=folder)
        os.close(fd)  # mkstemp makes it 0600
        self.path = Path(name)
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute(
            "CREATE TABLE row (id TEXT PRIMARY KEY, at TEXT, line INTEGER, data BLOB)"
        )

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()
        self.path.unlink(missing_ok=True)

    def get(self, row_id: str) -> ParsedRow | None:
        found = self.conn.execute("SELECT data FROM row WHERE id = ?", (row_id,)).fetchone()
        return None if found is None else pickle.loads(found[0])

    def add(self, row: ParsedRow) -> None:
        at = row.received_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
        self.conn.execute("INSERT INTO row VALUES (?, ?, ?, ?)",
                          (row.id, at, row.line, pickle.dumps(row)))  # fmt: skip

    def in_time_order(self, batch: int) -> Iterator[list[ParsedRow]]:
        cursor = self.conn.execute("SELECT data FROM row ORDER BY at, line")
        while chunk := cursor.fetchmany(batch):
            yield [pickle.loads(data) for (data,) in chunk]


# What an import says about a complaint: a row with the external number of an earlier one
# must agree on all of these, or each column that differs is reported (a later export with
# another status or outcome is not applied, and not skipped in silence either).
# These the desk never changes afterwards: compared with the stored complaint.
_FIXED = ("received_at", "channel", "customer_name", "contact_phone", "service_number",
          "content", "demand")  # fmt: skip
# These the desk may change since (a severity, a closing, a visit): compared with what the
# import recorded in the ticket's `registered` event (the keys it is stored under there).
_AS_IMPORTED = {"severity": "severity", "status": "imported_status",
                "closed_at": "imported_closed_at", "outcome": "imported_outcome",
                "satisfaction": "imported_satisfaction"}  # fmt: skip
_COMPARED = (*_FIXED, *_AS_IMPORTED)
_UNKNOWN = object()  # not recorded by an import made before this comparison: not compared


def _as_imported(session: sa.orm.Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored tickets among `ids`, as their import said them (ticket_no and _COMPARED)."""
    found: dict[str, dict[str, Any]] = {}
    for c in session.execute(
        sa.select(Complaint.id, Complaint.ticket_no, *(getattr(Complaint, n) for n in _FIXED))
        .where(Complaint.id.in_(ids))
    ):  # fmt: skip
        found[c.id] = {"ticket_no": c.ticket_no, **{n: getattr(c, n) for n in _FIXED}}
        found[c.id].update(dict.fromkeys(_AS_IMPORTED, _UNKNOWN))
    for complaint_id, data in session.execute(
        sa.select(ComplaintEvent.complaint_id, ComplaintEvent.data).where(
            ComplaintEvent.complaint_id.in_(list(found)), ComplaintEvent.kind == "registered")
    ):  # fmt: skip
        said = json.loads(data or "{}")
        for name, key in _AS_IMPORTED.items():
            if key in said:
                value = said[key]
                if name == "closed_at" and value:
                    value = datetime.fromisoformat(value)
                found[complaint_id][name] = value
    return found


def _value(row: Any, name: str) -> Any:
    value = row[name] if isinstance(row, dict) else getattr(row, name)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def _differences(earlier: Any, row: ParsedRow) -> list[str]:
    """The documented headers of the columns in which `row` differs from `earlier` (a parsed
    row of the same file, or a stored ticket as imported: `_as_imported`)."""
    return [BY_FIELD[name].header for name in _COMPARED
            if _value(earlier, name) is not _UNKNOWN
            and _value(earlier, name) != _value(row, name)]  # fmt: skip


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}"


def importing_actor(desk: Desk, work_no: str, pin: str, *, vouched_by: str = "") -> Actor:
    """The staff member an import is recorded under (actor of the change log, and owner and
    first responder of rows without a 处理人工号), proven by their own PIN, or by the PIN of
    the hall manager `vouched_by` (whose work number is then checked instead). The PIN check
    is a sign-in: a wrong PIN counts toward the lock like one typed at the desk, and a work
    number nobody has gets the wrong-PIN answer (no oracle of who exists)."""
    from deskapp.services.audit import enforce
    from deskapp.services.staff import actor_of, sign_in

    if not vouched_by.strip():
        return sign_in(desk, work_no, pin)  # unknown: wrong PIN; deactivated: only after it
    manager = sign_in(desk, vouched_by, pin)
    # Vouching for another's identity is the hall manager's, like the rest of 员工管理:
    # refused and audited (`deskapp refusals`) for anyone else.
    enforce(desk, manager, Permission.MANAGE_STAFF, "manager",
            key="error.import.not_hall_manager", subject=work_no.strip())  # fmt: skip
    with desk.read() as session:
        staff = session.scalars(
            sa.select(Staff).where(Staff.work_no == work_no.strip(), Staff.active.is_(True))
        ).first()
    if staff is None:  # told to a hall manager proven by PIN, who may list the staff anyway
        raise RuleViolation.single("as", "error.import.actor_unknown", work_no=work_no)
    return actor_of(staff)
