"""Input the desk cannot store cleanly is refused at its field, in words, by every service that
takes typed or imported text (deskapp/domain/clean_input.py is the one rule): control
characters, lone surrogates, invisible-only text, years outside 2000–2099. Before this rule
each case here escaped as a traceback (UnicodeEncodeError, OverflowError) or was stored and
later broke the Excel export (IllegalCharacterError). And what an older desk already stored is
neutralised by every export, which never fails on content."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from svc_forms import valid_form

from deskapp.domain.enums import Role
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.indicators import month_of
from deskapp.domain.text_search import bigrams
from deskapp.i18n import catalogue, error_text
from deskapp.services import exports, followup, opinion_book, shifts
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer import import_file
from deskapp.services.intake import take_complaint
from deskapp.services.opinion_book import EntryForm
from deskapp.services.printable import FieldTable, GridTable, render, write_printable
from deskapp.services.reports import ReportRequest, build_report, parse_day
from deskapp.services.search import search
from deskapp.services.staff import add_staff, sign_in

SURROGATE = "张\ud800三"
CONTROL = "李\x00\x01\x0b四"
INVISIBLE = "\u200b\ufeff\u200b"  # zero-width space, zero-width no-break space
YEAR_ONE = "0001-01-01 00:00"


def refused(call, field: str, key: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        call()
    errors = [e for e in caught.value.errors if e.field == field]
    assert [e.key for e in errors] == [key], caught.value.errors
    words = error_text(errors[0])  # in words, from the catalogue
    assert f"error.{key.removeprefix('error.')}" in catalogue("zh") and "error." not in words


# ------------------------------------------------------------------------------- intake


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (SURROGATE, "error.text.surrogate"),
        (CONTROL, "error.text.control"),
        ("王\n五", "error.text.control"),  # a name is one line
        (INVISIBLE, "error.text.invisible"),
        ("\u202e王五", "error.text.bidi"),  # shown as 五王: a right-to-left override
        ("王\u2066五\u2069", "error.text.bidi"),  # an isolate
        ("王\u200f五", "error.text.bidi"),  # a right-to-left mark
        ("\u200b\u202e", "error.text.bidi"),
        ("王\u061c五", "error.text.bidi"),  # the Arabic letter mark
        ("王\ufeff五", "error.text.control"),  # a byte-order mark inside
        ("\u3164", "error.text.invisible"),  # a Hangul filler: a letter that draws nothing
        ("\u115f\u3164", "error.text.invisible"),
    ],
)
def test_intake_refuses_a_name_it_cannot_store(desk: Desk, handler: Actor, value, key) -> None:
    refused(
        lambda: take_complaint(desk, handler, valid_form(desk, customer_name=value)),
        "customer_name",
        key,
    )


def test_intake_content_keeps_its_line_breaks_but_not_other_controls(
    desk: Desk, handler: Actor
) -> None:
    taken = take_complaint(desk, handler, valid_form(desk, content="第一行\n第二行\r\n第三行"))
    assert taken.content == "第一行\n第二行\r\n第三行"
    refused(
        lambda: take_complaint(desk, handler, valid_form(desk, content="信号\x1b[31m差")),
        "content",
        "error.text.control",
    )


@pytest.mark.parametrize("field", ["received_at", "promised_reply_at"])
@pytest.mark.parametrize("typed", [YEAR_ONE, "9999-12-31 23:59", "1999-12-31 23:59"])
def test_intake_refuses_a_year_outside_the_desks_years(
    desk: Desk, handler: Actor, field: str, typed: str
) -> None:
    refused(
        lambda: take_complaint(desk, handler, valid_form(desk, **{field: typed})),
        field,
        "error.time.year_range",
    )


# ---------------------------------------------------------------------- follow-up dialogs


def test_followup_promise_and_pause_refuse_year_one(desk: Desk, handler: Actor) -> None:
    cid = take_complaint(desk, handler, valid_form(desk)).id
    refused(
        lambda: followup.log_contact(
            desk, handler, cid, reached=True, note="已联系", promise=YEAR_ONE
        ),
        "promise",
        "error.time.year_range",
    )
    refused(
        lambda: followup.pause_clocks(
            desk, handler, cid, until=YEAR_ONE, reason="customer_request", note="客户出差"
        ),
        "until",
        "error.time.year_range",
    )
    refused(
        lambda: followup.log_contact(desk, handler, cid, reached=True, note=SURROGATE),
        "note",
        "error.text.surrogate",
    )
    done = followup.log_contact(desk, handler, cid, reached=True, note="客户说\n明天再联系")
    assert done.event.note == "客户说\n明天再联系"  # a note is multi-line


# ------------------------------------------------------------- opinion book, staff, handover


def test_opinion_book_refuses_unstorable_text_and_dates(desk: Desk, handler: Actor) -> None:
    def entry(**values: str) -> EntryForm:
        form = {"page": "1", "line": "1", "kind": "opinion", "content": "排队太久"}
        return EntryForm(**(form | values))

    refused(
        lambda: opinion_book.add_entry(desk, handler, entry(customer_name=SURROGATE)),
        "customer_name",
        "error.text.surrogate",
    )
    refused(
        lambda: opinion_book.add_entry(desk, handler, entry(content="\x01")),
        "content",
        "error.text.control",
    )
    refused(
        lambda: opinion_book.add_entry(desk, handler, entry(written_on="0001-01-01")),
        "written_on",
        "error.time.year_range",
    )
    refused(lambda: opinion_book.list_entries(desk, words=SURROGATE), "words",
            "error.text.surrogate")  # fmt: skip


def test_staff_names_and_sign_in_refuse_unstorable_text(desk: Desk) -> None:
    refused(
        lambda: add_staff(desk, "system:test", "1010", CONTROL, Role.HANDLER, "135790"),
        "name",
        "error.text.control",
    )
    refused(
        lambda: add_staff(desk, "system:test", "1011", INVISIBLE, Role.HANDLER, "135790"),
        "name",
        "error.text.invisible",
    )
    refused(lambda: sign_in(desk, "10\ud80001", "1111"), "work_no", "error.text.surrogate")


def test_shift_history_filter_refuses_a_surrogate(desk: Desk) -> None:
    refused(lambda: shifts.list_shifts(desk, staff=SURROGATE), "staff", "error.text.surrogate")


# ------------------------------------------------------------------------ search, reports


def test_search_refuses_a_surrogate_or_control_in_words(desk: Desk) -> None:
    refused(lambda: search(desk, SURROGATE), "query", "error.text.surrogate")
    refused(lambda: search(desk, "信号\x00"), "query", "error.text.control")
    refused(lambda: search(desk, "\u202e信号"), "query", "error.text.bidi")


def test_report_dates_refuse_year_one() -> None:
    with pytest.raises(RuleViolation) as caught:
        parse_day("0001-01-01")
    assert caught.value.keys() == {"error.time.year_range"}


# --------------------------------------------------------------------------------- import


def test_an_excel_date_cell_of_year_one_is_a_row_error(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["受理时间", "渠道", "客户姓名", "联系电话", "投诉内容", "客户诉求", "投诉类别"])
    sheet.append([datetime(1, 1, 1), "10086", "李建国", "13812341234", "没信号", "修好",
                  "NET.COVER.INDOOR"])  # fmt: skip
    sheet.append([datetime(2026, 11, 20, 9, 15), "10086", "李\u2028四", "13812341235", "没信号",
                  "修好", "NET.COVER.INDOOR"])  # fmt: skip
    sheet.append([datetime(2026, 11, 20, 9, 15), "10086", "王芳", "13812341236",
                  "第一行\n第二行", "修好", "NET.COVER.INDOOR"])  # fmt: skip
    book.save(tmp_path / "in.xlsx")
    result = import_file(desk, handler, tmp_path / "in.xlsx")
    problems = {(p.line, p.column): p for p in result.problems}
    assert "2000" in problems[(2, "受理时间")].message
    assert problems[(3, "客户姓名")].message == error_text(FieldError("x", "error.text.control"))
    assert len(result.imported) == 1 and result.bad_lines == [2, 3]


def test_a_csv_time_of_year_one_or_a_control_character_is_a_row_error(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "受理时间,渠道,客户姓名,联系电话,投诉内容,客户诉求,投诉类别\n"
        f"{YEAR_ONE},10086,李建国,13812341234,没信号,修好,NET.COVER.INDOOR\n"
        f"2026-11-20 09:15,10086,{CONTROL},13812341235,没信号,修好,NET.COVER.INDOOR\n",
        encoding="utf-8",
    )
    result = import_file(desk, handler, path)
    assert [(p.line, p.column) for p in result.problems] == [(2, "受理时间"), (3, "客户姓名")]
    assert "2000" in result.problems[0].message


# ------------------------------------------------------------ exports of an older desk's store


@pytest.fixture
def older_store(desk: Desk, handler: Actor, db_path: Path) -> Desk:
    """Complaints whose texts hold what an older desk accepted: written past the services,
    straight into the file, as that desk's intake did."""
    for name in ("甲", "乙"):
        take_complaint(desk, handler, valid_form(desk, customer_name=name, solved_on_spot=True,
                                                 outcome="已解决", satisfaction="satisfied",
                                                 promised_reply_at=""))  # fmt: skip
    with sqlite3.connect(db_path) as conn:
        conn.create_function("bigrams", 1, bigrams, deterministic=True)  # (the FTS triggers)
        conn.execute(
            "UPDATE complaint SET customer_name = ? WHERE customer_name = '甲'", (CONTROL,)
        )
        conn.execute("UPDATE complaint SET outcome = ? WHERE customer_name = '乙'", ("好\x1f\x7f",))
        conn.execute("UPDATE staff SET name = ? WHERE work_no = '1001'", ("张\x0b敏",))
    return desk


def test_every_report_export_survives_stored_control_characters(
    older_store: Desk, tmp_path: Path
) -> None:
    report = build_report(older_store, ReportRequest(month_of(date(2026, 11, 1))))
    book = load_workbook(exports.write_xlsx(report, tmp_path / "r.xlsx"))
    texts = {
        c.value for s in book for row in s.iter_rows() for c in row if isinstance(c.value, str)
    }
    assert "李\ufffd\ufffd\ufffd四" in texts  # visible where a character was dropped
    cells = list(
        csv.reader(exports.write_csv(report, tmp_path / "r.csv").open(encoding="utf-8-sig"))
    )
    assert any("李\ufffd\ufffd\ufffd四" in row for row in cells)
    loaded = json.loads(exports.write_json(report, tmp_path / "r.json").read_text("utf-8"))
    assert loaded  # valid JSON (controls escaped by json itself)
    text = exports.write(report, "table", tmp_path / "r.txt").read_text("utf-8")
    assert "\x00" not in text and "\x0b" not in text
    assert not list(tmp_path.glob(".*.part"))


def test_a_printable_page_never_fails_on_content(tmp_path: Path) -> None:
    """A lone surrogate cannot come from the store, but a printable page may also carry
    text straight from a form: the page is still written, the character shown as U+FFFD."""
    sections = [FieldTable([("客户", SURROGATE), ("内容", CONTROL)]),
                GridTable(["a"], [[SURROGATE]])]  # fmt: skip
    path = write_printable(tmp_path, "交接", "交接记录", sections)
    page = path.read_text("utf-8")
    assert "张\ufffd三" in page and "李\ufffd\ufffd\ufffd四" in page
    assert render("交接记录", sections) == page


def test_stored_direction_controls_are_neutralised_in_exports_and_the_queue(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    """A name an older desk stored with a right-to-left override (shown reversed: 五王):
    every export and F4's queue show U+FFFD in its place, as for a control character."""
    from deskapp.services.queue import Scope, queue_page

    take_complaint(desk, handler, valid_form(desk, customer_name="甲"))  # open: in F4
    take_complaint(desk, handler, valid_form(desk, customer_name="乙", solved_on_spot=True,
                                             outcome="已解决", satisfaction="satisfied",
                                             promised_reply_at=""))  # fmt: skip
    with sqlite3.connect(db_path) as conn:
        conn.create_function("bigrams", 1, bigrams, deterministic=True)  # (the FTS triggers)
        conn.execute("UPDATE complaint SET customer_name = ?", ("\u202e王\u061c五\u2066",))
    report = build_report(desk, ReportRequest(month_of(date(2026, 11, 1))))
    shown = "\ufffd王\ufffd五\ufffd"
    book = load_workbook(exports.write_xlsx(report, tmp_path / "r.xlsx"))
    cells = [c.value for s in book for row in s.iter_rows() for c in row]
    assert shown in cells
    written = [
        exports.write_csv(report, tmp_path / "r.csv").read_text("utf-8-sig"),
        exports.write_json(report, tmp_path / "r.json").read_text("utf-8"),
        exports.write(report, "table", tmp_path / "r.txt").read_text("utf-8"),
    ]
    for text in written:
        assert shown in text and "\u202e" not in text and "\\u202e" not in text
    # Both in F4: the open one on its clocks, the one solved on the spot on its first care
    # follow-up (every customer complaint gets its three, docs/domain.md, Care)
    rows = queue_page(desk, handler, Scope.HALL, 0, 10).rows
    assert [r.customer_name for r in rows] == [shown, shown]
    assert {r.status for r in rows} == {"open", "closed"}
