"""导入: CSV and XLSX files in the documented layout (docs/import.md): bad rows reported with
their line numbers while the good rows import, a repeated import adding nothing, GBK files,
the change log, and the follow-up clocks of what arrives open."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import Workbook
from svc_forms import staffed_desk

from deskapp.cli import main
from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer import COLUMNS, import_file, import_id, importing_actor
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent

HEADER = "受理时间,渠道,客户姓名,联系电话,业务号码,投诉内容,客户诉求,投诉类别,投诉级别,营业厅,状态,结案时间,处理结果,满意度,现场解决,外部工单号"  # noqa: E501

GOOD_AND_BAD = f"""{HEADER}
2026-11-20 09:15,10086下单,李建国,13812341234,,家里没有信号,尽快修好,网络质量›覆盖›室内无信号,一般,GZ01,处理中,,,,,HL-001
2026-10-03 09:15:30,10086,王芳,139-0000-1111,,被开通彩铃,退订,NEWBIZ.SUBSCRIBE.UNCONSENTED,,,已结案,2026-10-04 10:00,已退订,满意,否,HL-002
2026-13-01 10:00,现场,赵六,13900002222,,内容,诉求,NET.COVER.INDOOR,,,,,,,,HL-003
2026-10-06 10:15,媒体,孙七,1390000,,媒体曝光,道歉,NET.COVER.INDOOR,一般,,已结案,2026-10-01 10:00,,,,HL-004
2026-11-01 08:00,外星,周八,13900003333,,内容,诉求,网络质量›信号›外太空,,XX99,已回访,,,很好,也许,HL-005
2026-11-02 11:00,现场,吴九,13900004444,,排队太久,多开窗口,HALL.ATTITUDE.RUDE,,,已回访,2026-11-02 11:30,已道歉,基本满意,,HL-006
2026-11-20 09:15,10086下单,李建国,13812341234,,家里没有信号,尽快修好,网络质量›覆盖›室内无信号,一般,GZ01,处理中,,,,,HL-001
2026-11-05 10:00,现场,郑十,13900005555,,当场解决,好的,NET.COVER.INDOOR,,,已结案,2026-11-05 10:05,已处理,满意,是,
"""  # noqa: E501


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def count(desk: Desk, model=Complaint) -> int:
    with desk.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_good_rows_import_and_bad_rows_are_reported_by_line(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    result = import_file(desk, handler, write(tmp_path, GOOD_AND_BAD))
    assert result.encoding == "utf-8" and result.rows == 8
    # Lines 2, 3, 7 and 9 are good; line 8 repeats line 2 (same source ticket HL-001).
    assert [line for line, _ in sorted(result.imported)] == [2, 3, 7, 9]
    assert result.skipped == [(8, "与第 2 行是同一张工单,跳过")]
    assert result.bad_lines == [4, 5, 6]
    reasons = {(p.line, p.column): p.message for p in result.problems}
    assert "时间“2026-13-01 10:00”格式有误" in reasons[(4, "受理时间")]
    assert "号码有误" in reasons[(5, "联系电话")]
    assert "不能低于此级别" in reasons[(5, "投诉级别")]  # 媒体 means 重大, whatever the reason
    assert reasons[(5, "结案时间")] == "结案时间早于受理时间"
    assert reasons[(5, "处理结果")] == "已结案的工单须有处理结果"
    assert "无法识别“外星”" in reasons[(6, "渠道")]
    assert "外太空" in reasons[(6, "投诉类别")]
    assert "XX99" in reasons[(6, "营业厅")]
    assert "无法识别“很好”" in reasons[(6, "满意度")]
    assert "无法识别“也许”" in reasons[(6, "现场解决")]
    assert reasons[(6, "结案时间")] == "已结案的工单须有结案时间"
    assert count(desk) == 4


def test_the_same_file_again_creates_nothing(desk: Desk, handler: Actor, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_AND_BAD)
    first = import_file(desk, handler, path)
    changes = count(desk, ChangeLog)
    again = import_file(desk, handler, path)
    assert again.imported == []
    tickets = dict(first.imported)
    assert sorted(again.skipped) == [
        (2, f"已导入过({tickets[2]}),跳过"), (3, f"已导入过({tickets[3]}),跳过"),
        (7, f"已导入过({tickets[7]}),跳过"), (8, "与第 2 行是同一张工单,跳过"),
        (9, f"已导入过({tickets[9]}),跳过"),
    ]  # fmt: skip
    assert count(desk) == 4 and count(desk, ChangeLog) == changes  # not one write


def test_imported_records_are_honest_and_change_logged(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    result = import_file(desk, handler, write(tmp_path, GOOD_AND_BAD), source="10086")
    tickets = dict(result.imported)
    with desk.read() as session:

        def get(line: int) -> Complaint:
            return session.scalars(
                sa.select(Complaint).where(Complaint.ticket_no == tickets[line])
            ).one()

        opened, closed, visited, on_spot = get(2), get(3), get(7), get(9)
        # Line 2 arrives open: registered now (the frozen 11-24 10:00), on the clocks.
        assert opened.status == "open" and opened.registered_at == datetime(
            2026, 11, 24, 2, tzinfo=UTC
        )
        assert opened.received_at == datetime(2026, 11, 20, 1, 15, tzinfo=UTC)
        assert opened.next_due_at is not None and opened.next_clock == "dispatch"
        assert opened.first_responder_id == handler.id == opened.owner_id
        assert opened.id == import_id("10086", "HL-001", ())
        # Line 3 arrives closed: keeps its own past; due its return visit like any closed one.
        assert closed.status == "closed" and closed.registered_at == closed.received_at
        assert closed.ticket_no.startswith("GZ01-T01-20261003-")
        assert closed.closed_at == datetime(2026, 10, 4, 2, 0, tzinfo=UTC)
        assert closed.contact_phone == "13900001111" and closed.satisfaction == "satisfied"
        assert closed.next_clock == "return_visit"
        # Line 7 was visited in the old system; it and the one solved on the spot are customer
        # complaints: only their monthly care follow-ups are left (issue 16).
        assert visited.status == "visited" and visited.next_clock == "care_follow_up"
        assert on_spot.solved_on_spot and on_spot.next_clock == "care_follow_up"
        events = session.scalars(
            sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == closed.id)
            .order_by(ComplaintEvent.at)
        ).all()  # fmt: skip
        assert [e.kind for e in events] == ["registered", "closed"]
        data = json.loads(events[0].data)
        assert data["imported"] and data["source"] == "10086" and data["external_no"] == "HL-002"
        assert data["line"] == 3 and data["imported_status"] == "closed"
        assert "外部工单号 HL-002" in events[0].note
        logged = session.scalars(sa.select(ChangeLog).where(ChangeLog.entity_id == closed.id)).all()
        assert [c.op for c in logged] == ["insert"] and logged[0].actor_id == handler.id


def test_repeat_complaints_are_linked_as_at_intake(desk: Desk, handler: Actor,
                                                   tmp_path: Path) -> None:  # fmt: skip
    text = f"""{HEADER}
2026-11-10 10:00,10086,甲,13812340000,,第二次,诉求,NET.COVER.INDOOR,,,已结案,2026-11-10 12:00,好,满意,,B
2026-11-01 10:00,10086,甲,13812340000,,第一次,诉求,NET.COVER.INDOOR,,,已结案,2026-11-01 12:00,好,满意,,A
2026-09-01 10:00,10086,甲,13812340000,,很久以前,诉求,NET.COVER.INDOOR,,,已结案,2026-09-01 12:00,好,满意,,Z
"""  # noqa: E501
    result = import_file(desk, handler, write(tmp_path, text), batch=1)
    tickets = dict(result.imported)
    with desk.read() as session:
        rows = {c.ticket_no: c for c in session.scalars(sa.select(Complaint))}
    # File order is not time order: rows are written oldest first, so B finds A.
    b, a, z = rows[tickets[2]], rows[tickets[3]], rows[tickets[4]]
    assert b.is_repeat and b.repeat_of_id == a.id
    assert not a.is_repeat  # Z is more than 30 days before A
    assert not z.is_repeat


def test_gbk_csv_is_detected(desk: Desk, handler: Actor, tmp_path: Path) -> None:
    gbk_text = GOOD_AND_BAD.replace("›", "/")  # GBK has no ›: Excel users type / or >
    path = write(tmp_path, gbk_text, encoding="gbk")
    result = import_file(desk, handler, path)
    assert result.encoding == "gbk" and len(result.imported) == 4
    bom = write(tmp_path, GOOD_AND_BAD, name="bom.csv", encoding="utf-8-sig")
    again = import_file(desk, handler, bom)
    assert again.encoding == "utf-8-sig" and again.imported == []  # the same rows


def test_undecodable_or_headless_files_are_refused_clearly(desk: Desk, handler: Actor,
                                                          tmp_path: Path) -> None:  # fmt: skip
    utf16 = write(tmp_path, GOOD_AND_BAD, name="u16.csv", encoding="utf-16")
    with pytest.raises(RuleViolation) as refused:
        import_file(desk, handler, utf16)
    assert refused.value.keys() == {"error.import.encoding"}
    big5 = write(tmp_path, "受理時間,渠道\n2026-11-01 10:00,現場\n", name="b5.csv", encoding="big5")
    with pytest.raises(RuleViolation) as refused:
        import_file(desk, handler, big5)
    assert refused.value.keys() == {"error.import.encoding"}
    missing = write(tmp_path, "受理时间,渠道\n2026-11-01 10:00,现场\n", name="cols.csv")
    with pytest.raises(RuleViolation) as refused:
        import_file(desk, handler, missing)
    assert refused.value.errors[0].key == "error.import.columns_missing"
    assert "客户姓名" in refused.value.errors[0].params["columns"]
    with pytest.raises(RuleViolation) as refused:
        import_file(desk, handler, write(tmp_path, "x", name="a.doc"))
    assert refused.value.keys() == {"error.import.file_format"}


def test_xlsx_with_excel_dates_and_numbers(desk: Desk, handler: Actor, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "工单"
    sheet.append([c.header for c in COLUMNS])
    row = {c.field: None for c in COLUMNS}
    row.update(received_at=datetime(2026, 11, 18, 14, 30), channel="10086下单",
               customer_name="冯女士", contact_phone=13912345678, content="流量被多扣",
               category="TARIFF.PLAN.UNCLEAR", status="已结案",
               closed_at=datetime(2026, 11, 19, 9, 0), outcome="已退费", satisfaction="满意",
               external_no="HL-X1", owner_work_no="1002")  # fmt: skip
    sheet.append([row[c.field] for c in COLUMNS])
    bad = dict(row, external_no="HL-X2", owner_work_no="9999", contact_phone="abc")
    sheet.append([bad[c.field] for c in COLUMNS])
    path = tmp_path / "hotline.xlsx"
    book.save(path)
    result = import_file(desk, handler, path)
    assert result.encoding == "xlsx" and len(result.imported) == 1
    assert {(p.line, p.column) for p in result.problems} == {(3, "处理人工号"), (3, "联系电话")}
    with desk.read() as session:
        c = session.scalars(sa.select(Complaint)).one()
    assert c.received_at == datetime(2026, 11, 18, 6, 30, tzinfo=UTC)  # Shanghai → UTC
    assert c.contact_phone == "13912345678" and c.owner_id != handler.id


def test_dry_run_writes_nothing(desk: Desk, handler: Actor, tmp_path: Path) -> None:
    result = import_file(desk, handler, write(tmp_path, GOOD_AND_BAD), dry_run=True)
    assert result.bad_lines == [4, 5, 6] and result.imported == []
    assert count(desk) == 0


def test_rows_without_an_external_number_are_still_imported_once(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    no_numbers = "\n".join(line.rsplit(",", 1)[0] for line in GOOD_AND_BAD.splitlines())
    no_numbers = no_numbers.replace(",外部工单号", "")
    path = write(tmp_path, no_numbers + "\n")
    first = import_file(desk, handler, path)
    second = import_file(desk, handler, path)
    assert len(first.imported) == 4 and second.imported == [] and count(desk) == 4


def test_importing_actor_must_be_active_staff(desk: Desk) -> None:
    assert importing_actor(desk, "1001", "1111").name == "张敏"
    with pytest.raises(RuleViolation) as refused:
        importing_actor(desk, "0000", "1111")
    # Unknown work numbers get a wrong PIN's answer: the import does not say who exists.
    assert refused.value.keys() == {"error.signin.wrong"}


def test_import_command_reports_lines_and_exit_status(desk: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_AND_BAD)
    args = ["--db", str(desk.engine.url.database), "import", str(path), "--as", "1001"]
    result = CliRunner().invoke(main, args, input="1111\n", catch_exceptions=False)
    assert result.exit_code == 1  # some rows were refused; the good ones are in
    assert "第 4 行 [受理时间]" in result.output and "第 5 行 [联系电话]" in result.output
    assert "新增 4 件" in result.output and "有误 3 行" in result.output
    again = CliRunner().invoke(main, [*args, "-v"], input="1111\n", catch_exceptions=False)
    assert "新增 0 件" in again.output and "第 2 行:已导入过" in again.output
    unreadable = write(tmp_path, GOOD_AND_BAD, name="u16.csv", encoding="utf-16")
    refused = CliRunner().invoke(main, [*args[:3], str(unreadable), "--as", "1001"], input="1111\n")
    assert refused.exit_code == 2 and "无法识别文件编码" in refused.output


# --- Who imports, whose rows, which rows: refusals leave nothing written ----------------------


def store_rows(desk: Desk) -> tuple[int, int, int]:
    """Complaints, their events, and the changes logged other than the attempt's own audit
    (a wrong PIN is a sign-in event, a refusal a refusal row: both are meant to be written)."""
    with desk.read() as session:
        logged = session.scalar(
            sa.select(sa.func.count()).where(ChangeLog.entity.not_in(("signin_event", "refusal")))
        )
    return count(desk), count(desk, ComplaintEvent), logged


def failures(desk: Desk, work_no: str) -> int:
    """Wrong PINs counted toward the lock (the store holds no success in these tests)."""
    from deskapp.store.models import SigninEvent

    with desk.read() as session:
        return session.scalar(
            sa.select(sa.func.count()).where(
                SigninEvent.work_no == work_no, SigninEvent.kind == "failed"
            )
        )


def test_an_import_needs_the_importers_pin_or_a_hall_managers(desk: Desk) -> None:
    before = store_rows(desk)
    with pytest.raises(RuleViolation) as refused:
        importing_actor(desk, "1001", "0000")
    assert refused.value.keys() == {"error.signin.wrong"}
    assert failures(desk, "1001") == 1  # counted toward the lock like a sign-in
    with pytest.raises(RuleViolation) as refused:
        importing_actor(desk, "1001", "")
    assert refused.value.keys() == {"error.signin.wrong"}
    # a duty manager cannot vouch for someone else's import; a hall manager can
    with pytest.raises(RuleViolation) as refused:
        importing_actor(desk, "1001", "8888", vouched_by="2001")
    assert refused.value.keys() == {"error.import.not_hall_manager"}
    with pytest.raises(RuleViolation) as refused:
        importing_actor(desk, "1001", "1111", vouched_by="3001")  # the handler's PIN, not hers
    assert refused.value.keys() == {"error.signin.wrong"}
    assert failures(desk, "3001") == 1
    assert importing_actor(desk, "1001", "9999", vouched_by="3001").name == "张敏"
    assert store_rows(desk) == before


def test_the_import_command_asks_for_the_pin_without_echoing_it(desk: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_AND_BAD)
    args = ["--db", str(desk.engine.url.database), "import", str(path), "--as", "1001"]
    before = store_rows(desk)
    refused = CliRunner().invoke(main, args, input="7531\n")
    assert refused.exit_code == 2
    assert "1001 的 PIN" in refused.output and "工号或PIN不正确" in refused.output
    assert "7531" not in refused.output
    assert store_rows(desk) == before  # nothing read, nothing written
    vouched = CliRunner().invoke(main, [*args, "--manager", "3001"], input="9999\n")
    assert "厅经理 3001 的 PIN" in vouched.output and "9999" not in vouched.output
    assert vouched.exit_code == 1 and "新增 4 件" in vouched.output
    with desk.read() as session:
        actors = set(session.scalars(sa.select(ChangeLog.actor_id).distinct()))
    assert actors - {"system:test", "system:signin"} == {importing_actor(desk, "1001", "1111").id}


OTHER_HALL = f"""{HEADER}
2026-11-20 09:15,10086下单,李建国,13812341234,,家里没有信号,尽快修好,NET.COVER.INDOOR,一般,GZ02,处理中,,,,,HL-201
2026-11-20 09:20,10086下单,王芳,13812345678,,宽带断线,尽快修好,NET.COVER.INDOOR,一般,gz01,处理中,,,,,HL-202
"""  # noqa: E501


def test_rows_of_another_hall_are_refused_not_booked(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    before = store_rows(desk)
    result = import_file(desk, handler, write(tmp_path, OTHER_HALL))
    assert result.bad_lines == [2]
    (problem,) = result.problems
    assert problem.column == "营业厅" and "GZ02 不是本终端所在的 GZ01" in problem.message
    assert [line for line, _ in result.imported] == [3]
    with desk.read() as session:
        halls = set(session.scalars(sa.select(Complaint.hall_code)))
    assert halls == {"GZ01"}
    assert count(desk) == before[0] + 1


CHANGED = f"""{HEADER}
2026-11-20 09:15,10086下单,李建华,13812341234,,家里和办公室都没有信号,尽快修好,NET.COVER.INDOOR,一般,GZ01,处理中,,,,,HL-001
2026-11-20 09:15,10086下单,李建国,13812341234,,家里没有信号,尽快修好,NET.COVER.INDOOR,一般,GZ01,处理中,,,,,HL-001
"""  # noqa: E501


def test_a_row_reusing_an_external_number_with_other_content_is_reported(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    first = import_file(desk, handler, write(tmp_path, GOOD_AND_BAD))
    ticket = dict(first.imported)[2]
    before = store_rows(desk)
    # line 2: HL-001 again, another name and content; line 3: HL-002 exactly as before
    again = "\n".join([HEADER, CHANGED.splitlines()[1], GOOD_AND_BAD.splitlines()[2]]) + "\n"
    result = import_file(desk, handler, write(tmp_path, again, name="changed.csv"))
    assert result.imported == []
    assert {(p.line, p.column) for p in result.problems} == {(2, "客户姓名"), (2, "投诉内容")}
    assert all(f"外部工单号 HL-001 已导入为 {ticket}" in p.message for p in result.problems)
    assert result.skipped == [(3, f"已导入过({dict(first.imported)[3]}),跳过")]
    assert store_rows(desk) == before


def test_an_external_number_twice_in_one_file_with_other_content_is_reported(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    result = import_file(desk, handler, write(tmp_path, CHANGED))
    assert [line for line, _ in result.imported] == [2]
    assert {(p.line, p.column) for p in result.problems} == {(3, "客户姓名"), (3, "投诉内容")}
    assert "与第 2 行相同" in result.problems[0].message
    assert result.skipped == []


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    desk: Desk, handler: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import deskapp.services.importer as importer

    path = write(tmp_path, GOOD_AND_BAD)
    size = path.stat().st_size

    def must_not_read(*args, **kwargs):
        raise AssertionError("the file was read")

    before = store_rows(desk)
    with monkeypatch.context() as patched:
        patched.setattr(importer, "read_rows", must_not_read)
        with pytest.raises(RuleViolation) as refused:
            import_file(desk, handler, path, max_bytes=size - 1)
    assert refused.value.keys() == {"error.import.too_large"}
    assert store_rows(desk) == before
    assert len(import_file(desk, handler, path, max_bytes=size).imported) == 4


def test_the_import_command_refuses_a_file_over_the_halls_limit(desk: Desk, tmp_path: Path) -> None:
    import shutil

    from deskapp.refdata import RefData

    data = tmp_path / "data"
    shutil.copytree(RefData().data_dir, data)
    hall = data / "hall.toml"
    hall.write_text(hall.read_text().replace("max_file_mb = 50", "max_file_mb = 1"))
    line = GOOD_AND_BAD.splitlines()[1] + "\n"
    big = write(tmp_path, HEADER + "\n" + line * (1_100_000 // len(line.encode()) + 1))
    before = store_rows(desk)
    args = ["--db", str(desk.engine.url.database), "--data-dir", str(data), "import", str(big),
            "--as", "1001"]  # fmt: skip
    refused = CliRunner().invoke(main, args, input="1111\n")
    assert refused.exit_code == 2
    assert "超过导入上限 1.0 MB" in refused.output
    assert store_rows(desk) == before


def test_the_import_command_reports_other_halls_and_changed_rows_by_line(
    desk: Desk, tmp_path: Path
) -> None:
    db = str(desk.engine.url.database)
    first = CliRunner().invoke(main, ["--db", db, "import", str(write(tmp_path, GOOD_AND_BAD)),
                                      "--as", "1001"], input="1111\n")  # fmt: skip
    assert first.exit_code == 1
    before = store_rows(desk)
    rows = [HEADER, CHANGED.splitlines()[1], OTHER_HALL.splitlines()[1]]
    path = write(tmp_path, "\n".join(rows) + "\n", name="second.csv")
    result = CliRunner().invoke(main, ["--db", db, "import", str(path), "--as", "1001"],
                                input="1111\n")  # fmt: skip
    assert result.exit_code == 1
    assert "第 2 行 [客户姓名]" in result.output and "外部工单号 HL-001 已导入为" in result.output
    assert "第 3 行 [营业厅]" in result.output and "GZ02 不是本终端所在的 GZ01" in result.output
    assert "新增 0 件" in result.output
    assert store_rows(desk) == before


def test_the_checked_rows_wait_on_disk_owner_only_and_are_gone_after(
    desk: Desk, handler: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are held in a private file beside the store until written (not in memory)."""
    import stat

    import deskapp.services.importer as importer

    folder = Path(str(desk.engine.url.database)).parent
    seen: list[int] = []
    real_add = importer._Spool.add

    def add(self, row):
        seen.append(stat.S_IMODE(self.path.stat().st_mode))
        return real_add(self, row)

    monkeypatch.setattr(importer._Spool, "add", add)
    result = import_file(desk, handler, write(tmp_path, GOOD_AND_BAD))
    assert len(result.imported) == 4 and seen and set(seen) == {0o600}
    assert not list(folder.glob(".import-*"))
    # an import that fails half-way through the file leaves no rows behind either
    real_parse, calls = importer._Parser.parse, []

    def parse(self, line, cells):
        calls.append(line)
        if len(calls) == 3:
            raise OSError("the disk went away")
        return real_parse(self, line, cells)

    monkeypatch.setattr(importer._Parser, "parse", parse)
    with pytest.raises(OSError):
        import_file(desk, handler, write(tmp_path, GOOD_AND_BAD, name="again.csv"))
    assert len(calls) == 3 and not list(folder.glob(".import-*"))


def test_a_spool_left_by_a_killed_import_is_deleted_by_the_next(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    """An import killed mid-way never deletes its spool (customer data): the next import deletes
    the spools of processes that are gone, and keeps one of a process still running."""
    import subprocess
    import sys

    folder = Path(str(desk.engine.url.database)).parent
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    left = folder / f".import-{gone}-abc123.tmp"
    left.write_bytes(b"rows of a killed import")
    running = folder / f".import-{os.getpid()}-def456.tmp"  # (this process: still running)
    running.write_bytes(b"rows of an import under way")
    result = import_file(desk, handler, write(tmp_path, GOOD_AND_BAD))
    assert len(result.imported) == 4
    assert not left.exists() and running.exists()
