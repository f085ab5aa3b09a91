"""A report (deskapp/services/reports) as a file: Excel (.xlsx, a sheet per table), CSV
(UTF-8 with a BOM, so Excel shows the Chinese), JSON for scripts, or plain text.

Every table carries its basis (统计口径: which tickets it counts) into every format: in the
xlsx on the line under each sheet's title and on the 说明 sheet, in the CSV on the line under
each section's title, in the JSON as `basis`."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from deskapp.domain.actor import Actor
from deskapp.domain.clean_input import printable
from deskapp.domain.permissions import Permission
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.paths import write_export
from deskapp.services.audit import enforce
from deskapp.services.desk import Desk
from deskapp.services.reports import OVER_MARK, Kind, Report, Table, format_cell


class ExportFormat:
    TABLE = "table"
    XLSX = "xlsx"
    CSV = "csv"
    JSON = "json"
    ALL = (TABLE, XLSX, CSV, JSON)


_NUMBER_FORMATS = {
    Kind.INT: "#,##0",
    Kind.PERCENT: "0.00%",
    Kind.DECIMAL: "0.00",
    Kind.DAYS: "0.0",
}
HEADER_ROW = 3  # title, basis, then the column headers (frozen with the rows above)


# A text cell starting with one of these is read by Excel, WPS or LibreOffice as a formula
# (OWASP "CSV injection"): a customer name typed as `=cmd|' /C calc'!A0` would run on the
# manager's PC. Such cells get a leading single quote and are always written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """Text that a spreadsheet would evaluate, made inert, and characters a file cannot hold
    (a control character or lone surrogate stored by an older desk) made visible as U+FFFD:
    openpyxl refuses them outright. Every other value as it is."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def default_name(report: Report, fmt: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9-]", "_", report.scope.code)
    p = report.period
    return f"{t('reports.export.title')}-{safe}-{p.kind.value}-{p.first:%Y%m%d}.{fmt}"


def _preamble(report: Report) -> list[tuple[str, str]]:
    kind = t(f"reports.period.{report.period.kind.value}")
    return [
        (t("reports.export.period"), f"{report.period_label} ({kind})"),
        (t("reports.export.scope"), report.scope.label),
        (t("reports.export.generated"), format_local(report.generated_at, report.tz)),
    ]


def _tables(report: Report, only: str | None) -> list[Table]:
    if only is None:
        return report.tables
    found = [tb for tb in report.tables if tb.key == only]
    if not found:
        raise KeyError(only)
    return found


# ------------------------------------------------------------------------------------- xlsx


def _sheet_title(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", title)[:31]
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}({n})"
        n += 1
    used.add(name)
    return name


def _width(values: Iterable[Any]) -> float:
    longest = max((cell_len(str(v)) for v in values if v is not None), default=4)
    return min(max(longest + 2, 6), 60)


def write_xlsx(report: Report, path: Path, only: str | None = None) -> Path:
    """One sheet per table (after a 说明 sheet): title, basis, Chinese headers frozen on
    screen, numbers and percentages as real numbers with their formats; figures over their
    limit in red, 合计 rows in bold."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook(write_only=True)
    try:
        bold = Font(bold=True)
        title_font = Font(bold=True, size=13)
        red = Font(color="C00000", bold=True)
        head_fill = PatternFill("solid", fgColor="DDEBF7")
        used: set[str] = set()
        tables = _tables(report, only)

        note = book.create_sheet(_sheet_title(t("reports.export.sheet_note"), used))
        note.column_dimensions["A"].width = 24
        note.column_dimensions["B"].width = 100
        heading = WriteOnlyCell(note, neutralize(report.title))
        heading.font = title_font
        note.append([heading])
        for label, value in _preamble(report):
            note.append([neutralize(label), neutralize(value)])
        note.append([])
        head = [WriteOnlyCell(note, t("reports.export.table")),
                WriteOnlyCell(note, t("reports.export.basis"))]  # fmt: skip
        for cell in head:
            cell.font = bold
        note.append(head)
        for table in tables:
            note.append([neutralize(table.title), neutralize(table.basis)])

        for table in tables:
            sheet = book.create_sheet(_sheet_title(table.title, used))
            sheet.freeze_panes = f"A{HEADER_ROW + 1}"
            for index, column in enumerate(table.columns):
                letter = _letter(index)
                sample = [column.title, *(format_cell(r[index], table.kind(i, index))
                                          for i, r in enumerate(table.rows[:200]))]  # fmt: skip
                sheet.column_dimensions[letter].width = _width(sample)
            title = WriteOnlyCell(sheet, neutralize(table.title))
            title.font = title_font
            sheet.append([title])
            basis = WriteOnlyCell(sheet, neutralize(table.basis))
            basis.alignment = Alignment(wrap_text=False)
            sheet.append([basis])
            header = []
            for column in table.columns:
                cell = WriteOnlyCell(sheet, neutralize(column.title))
                cell.font = bold
                cell.fill = head_fill
                header.append(cell)
            sheet.append(header)
            for r, row in enumerate(table.rows):
                cells = []
                for c, value in enumerate(row):
                    kind = table.kind(r, c)
                    cell = WriteOnlyCell(sheet, neutralize(value))
                    if kind in _NUMBER_FORMATS and isinstance(value, int | float):
                        cell.number_format = _NUMBER_FORMATS[kind]
                    over = (kind is Kind.FLAG and str(value).startswith(OVER_MARK)) or (
                        kind is Kind.PERCENT and table.key == "control" and (value or 0) > 1
                    )
                    if over:
                        cell.font = red
                    elif r in table.total_rows:
                        cell.font = bold
                    cells.append(cell)
                sheet.append(cells)

        def save(target: Path) -> None:
            # The zip is built in memory and written in one go: a zip file openpyxl opened itself
            # on a disk that fills up stays half-open, and its finalizer prints a traceback later.
            buffer = io.BytesIO()
            book.save(buffer)
            target.write_bytes(buffer.getvalue())

        return write_export(path, save)
    except BaseException as error:
        # A build or save that failed (an unwritable folder, a full disk) leaves the
        # write-only sheets open: closed now, or their finalizers print tracebacks to the
        # terminal later.
        for sheet in book.worksheets:
            with contextlib.suppress(Exception):
                if not sheet.closed:
                    sheet.close()
                sheet._writer.cleanup()  # type: ignore[attr-defined]  # openpyxl's private temp file
        if isinstance(error, OSError) and error.filename is None:
            # The sheets are built in the system's temporary folder: a full disk there names
            # no file; said as the file the export was for.
            error.filename = str(path)
        raise


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# -------------------------------------------------------------------------------------- csv


def _csv_value(value: Any, kind: Kind) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralize(value)
    if kind in (Kind.PERCENT, Kind.DECIMAL, Kind.DAYS):
        return format_cell(value, kind)
    if kind is Kind.INT and isinstance(value, float):
        return f"{value:.1f}"
    return value


def csv_text(report: Report, only: str | None = None) -> str:
    """Sections, one per table: 【title】, the basis line, the header, the rows, a blank line;
    the report's period, scope and time of generation first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralize(report.title)])
    for label, value in _preamble(report):
        writer.writerow([neutralize(label), neutralize(value)])
    writer.writerow([])
    for table in _tables(report, only):
        writer.writerow([f"【{table.title}】"])
        writer.writerow([t("reports.export.basis"), neutralize(table.basis)])
        writer.writerow([neutralize(c.title) for c in table.columns])
        for r, row in enumerate(table.rows):
            writer.writerow([_csv_value(v, table.kind(r, c)) for c, v in enumerate(row)])
        writer.writerow([])
    return out.getvalue()


def write_csv(report: Report, path: Path, only: str | None = None) -> Path:
    text = csv_text(report, only)
    return write_export(path, lambda temp: temp.write_text(text, encoding="utf-8-sig", newline=""))


# ------------------------------------------------------------------------------------- json


def to_json(report: Report, only: str | None = None) -> dict[str, Any]:
    """Numbers as numbers (rates as fractions 0–1, with their numerator and denominator)."""
    f = report.figures
    p = report.period
    s = report.scope

    def ratio(r: Any) -> dict[str, Any]:
        return {"num": r.num, "den": r.den, "value": r.value}

    return {
        "title": report.title,
        "period": {
            "kind": p.kind.value,
            "first": p.first.isoformat(),
            "last": p.last.isoformat(),
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
            "timezone": report.tz.key,
        },
        "scope": {
            "kind": s.kind.value,
            "code": s.code,
            "name": s.name,
            "halls": list(s.halls),
            "terminal": s.terminal,
            "customers": s.customers,
            "customers_from": s.customers_from,
            "monthly_control": s.control,
            "monthly_per_10k_control": s.per_10k,
        },
        "generated_at": report.generated_at.isoformat(),
        "figures": {
            "received": f.received,
            "customers": f.customers,
            "per_10k": f.per_10k,
            "per_10k_control": f.per_10k_control,
            "per_10k_over": f.per_10k_over,
            "control": f.control,
            "control_reached": ratio(f.control_reached),
            "control_over": f.control_reached.over,
            "on_spot_rate": ratio(f.on_spot),
            "closed": f.closed,
            "timeliness_rate": ratio(f.timely),
            "timeliness_unknown": f.timeliness_unknown,
            "satisfaction_rate": ratio(f.satisfaction),
            "satisfaction_counts": f.satisfaction_counts,
            "repeat": f.repeat,
            "escalated": f.escalated,
            "reported_up": f.reported_up,
            "batch": f.batch,
            "reopened": f.reopened,
            "reopen_times": f.reopen_times,
            "overdue_tickets": f.overdue_tickets,
            "overdue_ticket_days": f.overdue_days,
            "visits_due": f.visits_due,
            "visit_rate": ratio(f.visit_rate),
            "visits_overdue": f.visits_overdue,
            "batch_closed": f.batch_closed,
            "batch_overdue": f.batch_overdue,
        },
        "withheld": list(report.withheld),
        "trend": {
            "labels": report.trend.labels,
            "received": report.trend.received,
            "closed": report.trend.closed,
        },
        "tables": [
            {
                "key": tb.key,
                "title": tb.title,
                "basis": tb.basis,
                "columns": [
                    {"key": c.key, "title": c.title, "kind": c.kind.value} for c in tb.columns
                ],
                "rows": [
                    dict(zip((c.key for c in tb.columns), map(_json_number, row), strict=True))
                    for row in tb.rows
                ],
            }
            for tb in _tables(report, only)
        ],
    }


def _json_number(value: Any) -> Any:
    """Money (Decimal yuan, two places) as a JSON number: exact to the fen as written."""
    return float(value) if isinstance(value, Decimal) else value


def json_text(report: Report, only: str | None = None) -> str:
    # (json escapes controls itself; a lone surrogate it would write raw, and UTF-8 cannot)
    return printable(json.dumps(to_json(report, only), ensure_ascii=False, indent=2))


def write_json(report: Report, path: Path, only: str | None = None) -> Path:
    text = json_text(report, only) + "\n"
    return write_export(path, lambda temp: temp.write_text(text, encoding="utf-8"))


# ------------------------------------------------------------------------------------- text


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(width - cell_len(text), 0)
    return gap + text if right else text + gap


def text_report(report: Report, only: str | None = None) -> str:
    """The report as aligned plain text (CJK characters count two columns)."""
    lines = [report.title]
    lines.extend(f"{label}: {value}" for label, value in _preamble(report))
    for table in _tables(report, only):
        lines += ["", f"【{table.title}】", f"{t('reports.export.basis')}: {table.basis}"]
        cells = [[c.title for c in table.columns]]
        cells += [[format_cell(v, table.kind(r, c)) for c, v in enumerate(row)]
                  for r, row in enumerate(table.rows)]  # fmt: skip
        widths = [max(cell_len(row[i]) for row in cells) for i in range(len(table.columns))]
        numeric = [c.kind not in (Kind.TEXT, Kind.FLAG) for c in table.columns]
        for row in cells:
            lines.append(
                "  ".join(
                    _pad(v, w, n) for v, w, n in zip(row, widths, numeric, strict=True)
                ).rstrip()
            )
    return printable("\n".join(lines) + "\n")


def write(report: Report, fmt: str, path: Path, only: str | None = None) -> Path:
    if fmt == ExportFormat.XLSX:
        return write_xlsx(report, path, only)
    if fmt == ExportFormat.CSV:
        return write_csv(report, path, only)
    if fmt == ExportFormat.JSON:
        return write_json(report, path, only)
    text = text_report(report, only)
    return write_export(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def export_as(desk: Desk, actor: Actor, report: Report, fmt: str, directory: Path) -> Path:
    """A signed-in person's export: only roles allowed to take the figures out of the desk."""
    enforce(desk, actor, Permission.EXPORT_REPORTS)
    return write(report, fmt, directory / default_name(report, fmt))
