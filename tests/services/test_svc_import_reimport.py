"""Importing again (docs/import.md, "Importing again"): a row with the external ticket number
of an imported one is compared on every column the import records (_COMPARED in
services/importer.py), against what the import said (not what the desk did since); the
external number is trimmed and upper-cased before it identifies a ticket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk

from deskapp.clock import FrozenClock
from deskapp.services import followup
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer import _COMPARED, BY_FIELD, import_file
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent

HEADER = "受理时间,渠道,客户姓名,联系电话,业务号码,投诉内容,客户诉求,投诉类别,投诉级别,营业厅,状态,结案时间,处理结果,满意度,现场解决,外部工单号"  # noqa: E501
CELLS = {  # one closed row, by header
    "受理时间": "2026-10-03 09:15:30", "渠道": "10086", "客户姓名": "王芳",
    "联系电话": "139-0000-1111", "业务号码": "13900001111", "投诉内容": "被开通彩铃",
    "客户诉求": "退订",
    "投诉类别": "NEWBIZ.SUBSCRIBE.UNCONSENTED", "投诉级别": "一般", "营业厅": "",
    "状态": "已结案", "结案时间": "2026-10-04 10:00", "处理结果": "已退订", "满意度": "满意",
    "现场解决": "否", "外部工单号": "HL-002",
}  # fmt: skip
# Another value for each compared column, the row still valid.
OTHER = {
    "received_at": "2026-10-03 09:20:00", "channel": "网上", "customer_name": "王小芳",
    "contact_phone": "13900001112", "service_number": "13900002222", "content": "被开通彩铃两次",
    "demand": "退订并退费", "severity": "严重", "status": "已回访",
    "closed_at": "2026-10-04 11:00", "outcome": "已退订并道歉", "satisfaction": "不满意",
}  # fmt: skip


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def csv(tmp_path: Path, *rows: dict[str, str], name: str = "in.csv") -> Path:
    lines = [HEADER] + [",".join(row[h] for h in HEADER.split(",")) for row in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def store_rows(desk: Desk) -> tuple[int, ...]:
    with desk.read() as s:
        return tuple(
            s.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Complaint, ComplaintEvent, ChangeLog)
        )


def test_every_compared_column_has_another_value_here() -> None:
    assert set(OTHER) == set(_COMPARED)


@pytest.mark.parametrize("column", list(OTHER))
def test_a_reimported_row_differing_in_any_compared_column_is_reported(
    desk: Desk, handler: Actor, tmp_path: Path, column: str
) -> None:
    first = import_file(desk, handler, csv(tmp_path, CELLS))
    assert not first.problems and len(first.imported) == 1
    before = store_rows(desk)
    header = BY_FIELD[column].header
    again = import_file(
        desk, handler, csv(tmp_path, {**CELLS, header: OTHER[column]}, name="b.csv")
    )
    assert again.imported == [] and again.skipped == []
    assert {(p.line, p.column) for p in again.problems} == {(2, header)}
    assert "外部工单号 HL-002 已导入为" in again.problems[0].message
    assert store_rows(desk) == before


def test_what_the_desk_changed_since_the_import_is_not_a_difference(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    """The import's own values are compared: a re-import after the desk changed the severity
    and reopened the ticket on a return visit is the same ticket, skipped."""
    path = csv(tmp_path, CELLS)
    [(_, ticket_no)] = import_file(desk, handler, path).imported
    with desk.read() as s:
        cid = s.scalar(sa.select(Complaint.id).where(Complaint.ticket_no == ticket_no))
    followup.change_severity(desk, handler, cid, severity="serious", reason="")
    followup.record_visit(desk, handler, cid, satisfaction="unsatisfied", reopen_cause="overdue")
    again = import_file(desk, handler, path)
    assert again.problems == [] and again.skipped == [(2, f"已导入过({ticket_no}),跳过")]


def test_an_external_number_is_trimmed_and_compared_whatever_its_case(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    [(_, ticket_no)] = import_file(desk, handler, csv(tmp_path, CELLS)).imported
    lower = {**CELLS, "外部工单号": " hl-002 "}
    again = import_file(desk, handler, csv(tmp_path, lower, name="b.csv"))
    assert again.imported == [] and again.skipped == [(2, f"已导入过({ticket_no}),跳过")]
    changed = {**lower, "满意度": "不满意"}
    both = import_file(desk, handler, csv(tmp_path, CELLS, changed, name="c.csv"))
    assert {(p.line, p.column) for p in both.problems} == {(3, "满意度")}


def test_a_dry_run_says_of_stored_rows_what_the_import_would(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    """A dry run after an import (or one stopped part way) counted the stored rows as new: it
    now says what the import would, a row skipped or its differing column, and writes
    nothing."""
    [(_, ticket_no)] = import_file(desk, handler, csv(tmp_path, CELLS)).imported
    before = store_rows(desk)
    other = {**CELLS, "外部工单号": "HL-003"}
    changed = {**CELLS, "外部工单号": "HL-002", "满意度": "不满意"}
    dry = import_file(desk, handler, csv(tmp_path, CELLS, other, name="b.csv"), dry_run=True)
    assert dry.skipped == [(2, f"已导入过({ticket_no}),跳过")] and dry.problems == []
    real = import_file(desk, handler, csv(tmp_path, CELLS, other, name="b.csv"))
    assert (real.skipped, len(real.imported)) == (dry.skipped, 1)
    conflict = import_file(desk, handler, csv(tmp_path, changed, name="c.csv"), dry_run=True)
    assert {(p.line, p.column) for p in conflict.problems} == {(2, "满意度")}
    assert store_rows(desk) != before  # (the real import in between wrote HL-003)
    after_real = store_rows(desk)
    import_file(desk, handler, csv(tmp_path, changed, other, name="d.csv"), dry_run=True)
    assert store_rows(desk) == after_real


def test_a_ctrl_c_right_after_a_chunk_s_commit_stops_with_that_chunk_counted(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    """The attack on fix22e: Ctrl+C between a chunk's commit and its count made `deskapp
    import` say fewer rows stored than there were ("nothing changed" after the first chunk).
    Here it comes in the commit's own hook: the import stops with every committed row
    counted."""
    import signal

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    rows = [
        {**CELLS, "外部工单号": f"HL-1{i:02d}", "联系电话": f"1390000{i:04d}"} for i in range(3)
    ]
    path = csv(tmp_path, *rows)
    counted: list[int] = []
    commits: list[int] = []

    def interrupt(_session: Session) -> None:
        commits.append(1)
        if len(commits) == 2:  # the first chunk's commit (the staff's read came before)
            signal.raise_signal(signal.SIGINT)

    before = store_rows(desk)[0]
    # Ctrl+C as Python has it in a command (a test worker of pytest-xdist ignores SIGINT).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    event.listen(Session, "after_commit", interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            import_file(desk, handler, path, batch=1,
                        progress=lambda phase, done, _total: counted.append(done)
                        if phase == "write" else None)  # fmt: skip
    finally:
        event.remove(Session, "after_commit", interrupt)
        signal.signal(signal.SIGINT, previous)
    stored = store_rows(desk)[0] - before
    assert stored >= 1 and counted[-1] == stored, (counted, stored)
