"""CSV/XLSX injection (OWASP): text typed at the counter that a spreadsheet would evaluate
(`=cmd|' /C calc'!A0`, `+SUM(...)`, `-1+1`, `@x`) goes through the real services into a
report, is exported, and the real file read back holds it as inert text with a leading quote:
never a formula cell in the xlsx, never a cell starting with = + - @ TAB CR in the csv."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from svc_forms import valid_form

from deskapp.domain.clean_input import printable
from deskapp.domain.enums import Role
from deskapp.domain.indicators import month_of
from deskapp.services import exports
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.services.reports import ReportRequest, build_report
from deskapp.services.staff import actor_of, add_staff, list_staff

HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-1+1", "@x", '=HYPERLINK("http://e.vil","点我")']
STAFF_NAME = "=1+2"


def _closed_on_spot(desk: Desk, actor: Actor, name: str, outcome: str) -> None:
    take_complaint(desk, actor, valid_form(desk, customer_name=name, solved_on_spot=True,
                                           outcome=outcome, satisfaction="satisfied",
                                           promised_reply_at=""))  # fmt: skip


def _report(desk: Desk, handler: Actor):
    hall_manager = next(actor_of(s) for s in list_staff(desk) if s.role == Role.HALL_MANAGER)
    staff = add_staff(desk, hall_manager, "1009", STAFF_NAME, Role.HANDLER, "135790")
    for text in HOSTILE:
        _closed_on_spot(desk, handler, text, outcome=text)
    _closed_on_spot(desk, actor_of(staff), "李女士", outcome="已解决")
    return build_report(desk, ReportRequest(month_of(date(2026, 11, 1))))


def test_xlsx_export_holds_typed_formulas_as_text(desk: Desk, handler: Actor, tmp_path: Path):
    path = exports.write_xlsx(_report(desk, handler), tmp_path / "r.xlsx")
    book = load_workbook(path)  # formulas are kept as formulas when not data_only
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for text in [*HOSTILE, STAFF_NAME]:
        assert "'" + text in texts, text
        assert text not in texts
    assert not [v for v in texts if v.startswith(exports.FORMULA_START)]


def test_csv_export_holds_typed_formulas_as_text(desk: Desk, handler: Actor, tmp_path: Path):
    path = exports.write_csv(_report(desk, handler), tmp_path / "r.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        cells = [v for row in csv.reader(fh) for v in row]
    for text in [*HOSTILE, STAFF_NAME]:
        assert "'" + text in cells, text
    assert not [v for v in cells if v.startswith(exports.FORMULA_START)]


@given(st.text(max_size=30))
def test_neutralize_leaves_nothing_a_spreadsheet_evaluates(text: str) -> None:
    out = exports.neutralize(text)
    assert not out.startswith(exports.FORMULA_START)
    # Nothing lost: the quote is the only change, besides a character no file can hold
    # (a control character an older desk stored) shown as U+FFFD (test_svc_clean_input).
    readable = printable(text)
    assert out == readable or out == "'" + readable
    assert len(out) - len(text) in (0, 1)


def test_tab_and_carriage_return_are_neutralized_too() -> None:
    assert exports.neutralize("\t=1") == "'\t=1"
    assert exports.neutralize("\r=1") == "'\r=1"
    assert exports.neutralize(-1) == -1  # numbers stay numbers
