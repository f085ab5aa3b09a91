"""Hostile import files: whatever the bytes (garbage, ragged rows, stray quotes, a BOM, GBK,
an .xlsx that is not one, a damaged zip, huge cells, thousands of columns), `import_file`
either refuses the file whole with a catalogue error and writes nothing, or reports each bad
row in words and imports exactly the good ones. Formula-looking text is stored as text."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from store_templates import FROZEN_AT
from svc_forms import staffed_desk
from test_svc_import import GOOD_AND_BAD, HEADER

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.i18n import catalogue
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer import import_file
from deskapp.services.staff import actor_of, list_staff
from deskapp.store.models import ChangeLog, Complaint

FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-1+1", "@x"]
ROW = (
    "2026-11-20 09:15,10086下单,{name},1381234{n:04d},,{content},诉求,NET.COVER.INDOOR,,,,,,,,{ext}"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, Actor, Path]]:
    folder = tmp_path_factory.mktemp("import")
    desk = staffed_desk(folder / "desk.db", FrozenClock(FROZEN_AT))
    handler = next(actor_of(s) for s in list_staff(desk) if s.work_no == "1001")
    yield desk, handler, folder
    desk.close()


def counts(desk: Desk) -> tuple[int, int]:
    with desk.read() as session:
        return (session.scalar(sa.select(sa.func.count()).select_from(Complaint)) or 0,
                session.scalar(sa.select(sa.func.count()).select_from(ChangeLog)) or 0)  # fmt: skip


def attempt(desk: Desk, handler: Actor, path: Path) -> None:
    """The property: a whole refusal (nothing written) or an honest per-row account."""
    before = counts(desk)
    try:
        result = import_file(desk, handler, path)
    except RuleViolation as refused:
        assert all(f"error.{e.key.removeprefix('error.')}" in catalogue("zh")
                   for e in refused.errors), refused.keys()  # fmt: skip
        assert counts(desk) == before
        return
    complaints, _ = counts(desk)
    assert complaints == before[0] + len(result.imported)
    for problem in result.problems:
        assert problem.message and not problem.message.startswith("error."), problem


cell = st.text(st.characters(exclude_categories=("Cs",)), max_size=12) | st.sampled_from(
    ['"', '""', '"a,b"', "\r\n", "\x00", "\ufeff", "‮", "１３８", *FORMULAS]
)
ragged = st.lists(st.lists(cell, max_size=20), max_size=8).map(
    lambda rows: "\r\n".join([HEADER, *(",".join(r) for r in rows)])
)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


csv_bytes = st.one_of(
    st.binary(max_size=400),
    st.builds(lambda b: b"\xef\xbb\xbf" + b, st.binary(max_size=200)),
    st.builds(_encode, ragged, st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])),
    st.builds(lambda cut: GOOD_AND_BAD[:cut].encode(), st.integers(0, len(GOOD_AND_BAD))),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_bytes)
def test_any_csv_bytes_are_refused_whole_or_accounted_row_by_row(hostile, raw: bytes) -> None:
    desk, handler, folder = hostile
    path = folder / "fuzz.csv"
    path.write_bytes(raw)
    attempt(desk, handler, path)


def _xlsx_bytes() -> bytes:
    book = Workbook()
    sheet = book.active
    for line in GOOD_AND_BAD.strip().splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = _xlsx_bytes()


def _damage_zip(cut: int, flip: int) -> bytes:
    raw = bytearray(XLSX[: max(cut, 1)])
    if raw:
        raw[flip % len(raw)] ^= 0xFF
    return bytes(raw)


def _rewrite_sheet(text: bytes) -> bytes:
    """A valid zip whose sheet XML is damaged: openpyxl opens it and fails while reading."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(XLSX)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + text
            dst.writestr(item, data)
    return out.getvalue()


xlsx_bytes = st.one_of(
    st.binary(max_size=300),
    st.builds(_damage_zip, st.integers(0, len(XLSX)), st.integers(0, 10**6)),
    st.builds(_rewrite_sheet, st.binary(max_size=40)),
    st.just(GOOD_AND_BAD.encode()),  # a CSV renamed .xlsx
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xlsx_bytes)
def test_an_xlsx_that_is_not_one_is_refused_whole(hostile, raw: bytes) -> None:
    desk, handler, folder = hostile
    path = folder / "fuzz.xlsx"
    path.write_bytes(raw)
    attempt(desk, handler, path)


def test_a_sheet_damaged_inside_a_sound_zip_is_refused_whole(hostile) -> None:
    desk, handler, folder = hostile
    path = folder / "half.xlsx"
    path.write_bytes(_rewrite_sheet(b"<row r="))
    before = counts(desk)
    with pytest.raises(RuleViolation) as refused:
        import_file(desk, handler, path)
    assert refused.value.keys() == {"error.import.read"}
    assert counts(desk) == before


def test_formula_text_is_stored_as_typed_never_evaluated(hostile) -> None:
    desk, handler, folder = hostile
    out = io.StringIO()
    writer = csv.writer(out)  # quoted where a cell holds a comma, as Excel writes it
    writer.writerow(HEADER.split(","))
    for n, f in enumerate(FORMULAS):
        cells = ROW.format(name="N", n=n, content="C", ext=f"FX-{n}").split(",")
        cells[2] = cells[5] = f
        writer.writerow(cells)
    path = folder / "formulas.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    result = import_file(desk, handler, path)
    assert len(result.imported) == len(FORMULAS), result.problems
    with desk.read() as session:
        stored = dict(session.execute(
            sa.select(Complaint.customer_name, Complaint.content)
            .where(Complaint.customer_name.in_(FORMULAS))
        ).all())  # fmt: skip
    assert stored == {f: f for f in FORMULAS}


def test_xlsx_formula_cells_are_not_evaluated(hostile) -> None:
    desk, handler, folder = hostile
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(ROW.format(name="X", n=90, content="c", ext="XF-1").split(","))
    sheet["C2"] = "=1+1"  # a real formula cell, never calculated by Excel: no cached value
    sheet.append(ROW.format(name="X", n=91, content="c", ext="XF-2").split(","))
    sheet["C3"].value, sheet["C3"].data_type = "=cmd|' /C calc'!A0", "s"  # text that looks so
    path = folder / "formulas.xlsx"
    book.save(path)
    result = import_file(desk, handler, path)
    assert [line for line, _ in result.imported] == [3]
    assert [(p.line, p.column) for p in result.problems] == [(2, "客户姓名")]  # empty, not 2
    with desk.read() as session:
        names = set(session.scalars(sa.select(Complaint.customer_name)))
    assert "=cmd|' /C calc'!A0" in names and "2" not in names


def test_huge_cells_and_many_columns(hostile) -> None:
    desk, handler, folder = hostile
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    extra = [f"列{i}" for i in range(2000)]
    sheet.append(HEADER.split(",") + extra)
    sheet.append(ROW.format(name="甲", n=80, content="长" * 32_000, ext="BIG-1").split(",")
                 + ["x"] * 2000)  # fmt: skip
    sheet.append(ROW.format(name="乙", n=81, content="正常", ext="BIG-2").split(","))
    path = folder / "wide.xlsx"
    book.save(path)
    result = import_file(desk, handler, path)
    assert len(result.ignored_columns) == 2000
    assert [line for line, _ in result.imported] == [3]
    assert [(p.line, p.column) for p in result.problems] == [(2, "投诉内容")]
    assert "2000" in result.problems[0].message  # the limit, in words
