"""One row of an import file checked against the intake rules that apply to a record made
elsewhere (the package docstring): a `ParsedRow`, or the row's field errors in words."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.categories import CausePath
from deskapp.domain.clean_input import year_error, year_in_range
from deskapp.domain.enums import Channel, Satisfaction, Severity, Status
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.phone import parse_phone, parse_service_number
from deskapp.domain.severity import check_severity, severity_floor
from deskapp.domain.ticket_number import CODE
from deskapp.domain.timefmt import local_day, read_local
from deskapp.i18n import catalogue, t
from deskapp.services.customer_base import customer_base
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer.columns import (
    CHANNELS,
    NO,
    SATISFACTIONS,
    SEVERITIES,
    STATUSES,
    YES,
    _fold,
)
from deskapp.services.importer.rows import ParsedRow, import_id
from deskapp.store.models import DayClose, Staff

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
GRACE = timedelta(minutes=1)  # clock drift between the source system and this terminal
# A time cell as exports write it: ASCII, no spaces around, seconds optional (issue 22).
_PLAIN_TIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?", re.ASCII
)


class _Parser:
    """Holds no handle on the desk: what it read there is sent with it to the import's worker
    process (worker.py), which checks rows with it."""

    def __init__(self, desk: Desk, actor: Actor, source: str) -> None:
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
                sa.select(col(DayClose.day))
                .where(col(DayClose.terminal_code) == terminal.terminal_code)
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
                    sa.select(col(Staff.work_no), col(Staff.id)).where(col(Staff.active).is_(True))
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
            stamp = (
                value
                if isinstance(value, datetime)
                else datetime.combine(value, datetime.min.time())
            )
            moment = stamp if stamp.tzinfo else stamp.replace(tzinfo=self.tz)
            return moment.astimezone(UTC)
        if isinstance(value, str) and (m := _PLAIN_TIME.fullmatch(value)):
            # The usual cell, "2026-11-24 09:30" (seconds dropped): read at once. The same
            # moment the general path below reads (tests/services/test_svc_import_parsing.py);
            # a year or a date or time it would refuse goes there, for its own words.
            y, mo, d, h, mi = map(int, m.groups())
            if year_in_range(y):
                try:
                    local = datetime.combine(date(y, mo, d), dtime(h, mi), tzinfo=self.tz)
                except ValueError:
                    pass
                else:
                    return local.astimezone(UTC)
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
        # The row's derived id takes the number as imports before fix18a read it (an account
        # id as typed, not lower-cased): the same file imported again is the same records.
        service_for_id = service_number
        if service_text:
            service_number = parse_service_number(service_text) or ""
            if not service_number:
                errors.append(FieldError("service_number", "error.service_number.invalid"))
            as_phone = parse_phone(service_text)
            service_for_id = as_phone.normalized if as_phone else service_text.strip()
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
        try:
            check_severity(severity, channel, self.settings.severity_floor, reason)
        except RuleViolation as violation:
            errors.extend(violation.errors)

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
            received_at.isoformat(), channel.value, phone.normalized, service_for_id,
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
