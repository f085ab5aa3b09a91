"""Exports of the report, opened again and read back: xlsx (openpyxl), csv (utf-8-sig), json;
and the `deskapp report` command that writes them. Data set: test_svc_reports.py."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from test_svc_reports import data_dir, dataset, desk  # noqa: F401  (fixtures)

from deskapp.cli import main
from deskapp.domain.indicators import month_of
from deskapp.services import exports
from deskapp.services.desk import Desk
from deskapp.services.reports import Report, ReportRequest, build_report

TABLE_TITLES = ["指标", "控制量", "原因TOP10", "服务过程", "趋势", "已结案投诉级别统计表",
                "班组结案汇总", "班组结案清单", "退费", "重启工单原因", "及时率",
                "重复投诉分级", "批量投诉"]  # fmt: skip


@pytest.fixture
def report(desk: Desk, dataset: dict) -> Report:  # noqa: F811
    return build_report(desk, ReportRequest(month_of(date(2026, 11, 1))))


def test_xlsx_has_a_sheet_per_table_with_formats_and_a_frozen_header(
    report: Report, tmp_path: Path
) -> None:
    path = exports.write_xlsx(report, tmp_path / "r.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["说明", *TABLE_TITLES]
    note = book["说明"]
    assert note["A1"].value == report.title
    bases = {row[0]: row[1] for row in note.iter_rows(min_row=6, values_only=True)}
    assert bases["指标"].startswith("统计期 2026-11-01 至 2026-11-30")
    for table in report.tables:
        sheet = book[table.title]
        assert sheet["A1"].value == table.title
        assert sheet["A2"].value == table.basis  # what it counts, under the title
        assert [c.value for c in sheet[3]] == [c.title for c in table.columns]
        assert sheet.freeze_panes == "A4"
        assert sheet.max_row == 3 + len(table.rows)
    ind = book["指标"]
    rows = {row[0].value: row for row in ind.iter_rows(min_row=4)}
    assert rows["投诉量(受理)"][1].value == 9 and rows["投诉量(受理)"][1].number_format == "#,##0"
    on_spot = rows["现场解决率"][1]
    # T1, T2, T7 of the 9 received (test_svc_reports.test_rates_for_the_month).
    assert on_spot.value == pytest.approx(3 / 9) and on_spot.number_format == "0.00%"
    assert rows["每万客户投诉量"][1].number_format == "0.00"
    assert rows["超时工单·天"][1].number_format == "0.0"
    assert rows["及时率"][7].value.startswith("结案量中")  # the basis column
    levels = book["已结案投诉级别统计表"]
    total = [c.value for c in levels[4 + 3]]
    assert total[0] == "合计" and total[1] == 7 and levels.cell(7, 1).font.b
    assert levels.cell(7, 7).value == pytest.approx(4 / 6)
    assert levels.cell(7, 7).number_format == "0.00%"
    listing = book["班组结案清单"]
    assert listing.cell(4, 1).value == "一班" and listing.cell(4, 3).value.startswith("GZ01-T01-")


def test_xlsx_marks_figures_over_the_limit_in_red(desk: Desk, dataset: dict,  # noqa: F811
                                                  tmp_path: Path) -> None:  # fmt: skip
    over = build_report(desk, ReportRequest(month_of(date(2026, 11, 1)), control=5))
    path = exports.write_xlsx(over, tmp_path / "over.xlsx", only="control")
    sheet = load_workbook(path)["控制量"]
    flag = sheet.cell(4, 8)
    assert flag.value == "▲超控制" and flag.font.color.rgb.endswith("C00000")
    assert sheet.cell(4, 7).value == pytest.approx(9 / 5)


def test_csv_is_utf8_with_bom_and_reads_back(report: Report, tmp_path: Path) -> None:
    path = exports.write_csv(report, tmp_path / "r.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel shows the Chinese
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == [report.title]
    sections = [i for i, line in enumerate(lines) if line and line[0].startswith("【")]
    assert [lines[i][0] for i in sections] == [f"【{title}】" for title in TABLE_TITLES]
    first = sections[0]
    assert lines[first + 1][0] == "统计口径" and lines[first + 1][1].startswith("统计期")
    assert lines[first + 2][:4] == ["指标", "数值", "分子", "分母"]
    by_name = {line[0]: line for line in lines[first + 3 : first + 3 + 14]}
    assert by_name["现场解决率"][1:4] == ["33.33%", "3", "9"]  # 3 / 9
    assert by_name["每万客户投诉量"][1] == "1.88"
    assert by_name["投诉满意率"][1:4] == ["83.33%", "5", "6"]


def test_csv_of_one_table(report: Report) -> None:
    text = exports.csv_text(report, only="causes")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[5][0] == "【原因TOP10】" and lines[7] == ["排名", "投诉原因", "原因代码", "件数",
                                                       "占比"]  # fmt: skip
    assert lines[8] == ["1", "网络质量 › 覆盖 › 室内无信号", "NET.COVER.INDOOR", "4", "44.44%"]


def test_json_reads_back_with_numbers_as_numbers(report: Report, tmp_path: Path) -> None:
    data = json.loads(exports.write_json(report, tmp_path / "r.json").read_text("utf-8"))
    assert data["period"]["kind"] == "month" and data["period"]["first"] == "2026-11-01"
    assert data["scope"]["code"] == "GZ01" and data["scope"]["customers"] == 48_000
    f = data["figures"]
    assert f["received"] == 9 and f["closed"] == 7
    assert f["timeliness_rate"] == {"num": 4, "den": 6, "value": pytest.approx(4 / 6)}
    assert f["overdue_ticket_days"] == pytest.approx(37.680556, abs=1e-6)
    assert [tb["title"] for tb in data["tables"]] == TABLE_TITLES
    levels = next(tb for tb in data["tables"] if tb["key"] == "levels")
    assert levels["basis"].startswith("结案时间在统计期")
    assert levels["rows"][-1]["level"] == "合计" and levels["rows"][-1]["closed"] == 7
    assert data["trend"]["received"][1] == 1  # 11-02


def test_text_report_aligns_chinese(report: Report) -> None:
    text = exports.text_report(report, only="levels")
    assert "【已结案投诉级别统计表】" in text and "合计" in text


# ----------------------------------------------------------------------------- the command


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def cli_args(desk: Desk) -> list[str]:  # noqa: F811
    return ["--db", str(desk.engine.url.database), "--data-dir", str(desk.refdata.data_dir)]


def test_report_command_writes_each_format(desk: Desk, dataset: dict,  # noqa: F811
                                           tmp_path: Path) -> None:  # fmt: skip
    base = [*cli_args(desk), "report", "--period", "month", "--from", "2026-11"]
    for fmt in ("xlsx", "csv", "json", "table"):
        out = tmp_path / f"r.{fmt}"
        result = run(*base, "--format", fmt, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert out.exists() and str(out) in result.output
    assert load_workbook(tmp_path / "r.xlsx").sheetnames[1] == "指标"
    data = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert data["figures"]["received"] == 9
    printed = run(*base, "--table", "indicators")
    assert printed.exit_code == 0 and "每万客户投诉量" in printed.output
    week = run(*cli_args(desk), "report", "--period", "week", "--from", "2026-11-18",
               "--format", "json", "--table", "closed_list")  # fmt: skip
    rows = json.loads(week.output)["tables"][0]["rows"]
    assert [r["team"] for r in rows] == ["一班"]
    area = run(*base, "--scope", "area", "--format", "csv", "--table", "control",
               "--customers", "84000")  # fmt: skip
    assert "合计 GZTH 天河片区,84000,10" in area.output


def test_report_command_refuses_bad_arguments_in_words(desk: Desk, dataset: dict) -> None:  # noqa: F811
    result = run(*cli_args(desk), "report", "--period", "range", "--from", "2026-11-01")
    assert result.exit_code == 2 and "区间报表须给出截止日期" in result.output
    result = run(*cli_args(desk), "report", "--scope", "area", "--area", "XX")
    assert result.exit_code == 2 and "没有找到片区" in result.output


def test_an_excel_export_whose_temporary_folder_fills_up_names_its_file(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture
) -> None:
    """The Excel writer builds its sheets in the system's temporary folder before the file is
    written: with that disk full (a real 1 MB tmpfs, filled; one disk for everything, as on a
    counter PC) the error names the file the export was for (before: no file at all, and the
    desk said 「无法写入 (No space left on device)」), nothing is left, and the writer's
    half-built sheets print nothing later."""
    import errno
    import gc
    import tempfile

    from mounts import fill, tmpfs

    table = report.tables[0]  # long enough that the writer must spill a sheet to its disk
    table.rows.extend([table.rows[0]] * 5000 if table.rows else [])
    assert len(table.rows) > 1000
    target = tmp_path / "out" / "r.xlsx"
    with tmpfs(tmp_path / "small", 1024) as disk:
        monkeypatch.setattr(tempfile, "tempdir", str(disk))
        fill(disk)
        with pytest.raises(OSError) as raised:
            exports.write_xlsx(report, target)
        assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(target)
        assert not target.exists() and not list(target.parent.glob("*"))
        gc.collect()
    assert "Traceback" not in capfd.readouterr().err
