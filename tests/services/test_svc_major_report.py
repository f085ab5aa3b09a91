"""《重大投诉处理申报表》: the major-complaint report form (deskapp.services.major_report), built
from a real store and exported as a printable HTML file that is read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Channel, Severity
from deskapp.services import followup as fu
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.services.major_report import MajorReport, build_major_report, export_major_report

TITLE = "重大投诉处理申报表"
NASTY = "<script>alert(\"x\")</script> & '引号' <b>粗体</b>"


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


class _Cells(HTMLParser):
    """The text of the page's title, heading and table cells, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.texts: dict[str, list[str]] = {"title": [], "h1": [], "h2": [], "th": [], "td": []}
        self.rows: list[list[str]] = []
        self.seen: set[str] = set()  # every element that opened

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.seen.add(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in self.texts:
            self.texts[tag].append("")
            if tag in ("th", "td"):
                self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        while self.tags and self.tags.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        for tag in reversed(self.tags):
            if tag in self.texts:
                self.texts[tag][-1] += data
                if tag in ("th", "td"):
                    self.rows[-1][-1] += data
                return


def read_back(path: Path) -> _Cells:
    parser = _Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture
def major(desk: Desk, clock: FrozenClock, actors: dict[str, Actor]) -> str:
    """A media complaint (重大 by its channel) escalated handler → duty manager → hall manager."""
    me = actors["1001"]
    form = valid_form(
        desk,
        channel=Channel.MEDIA.value,
        severity=Severity.MAJOR.value,
        customer_name="周先生",
        content="报社记者来电:" + NASTY,
        demand="公开道歉 & 赔偿",
    )
    cid = take_complaint(desk, me, form).id
    clock.advance(timedelta(minutes=3))
    fu.escalate(desk, me, cid, note="媒体投诉,立即上报值班经理")
    clock.advance(timedelta(minutes=4))
    fu.escalate(desk, actors["2001"], cid, note="上报厅经理 <紧急>")
    return cid


def test_the_report_holds_the_complaint_and_its_history(
    desk: Desk, major: str, actors: dict[str, Actor]
) -> None:
    report = build_major_report(desk, major, actors["3001"])
    fields = dict(report.fields)
    assert report.ticket_no == "GZ01-T01-20261124-0001"
    assert fields["投诉编号"] == report.ticket_no
    assert fields["客户姓名"] == "周先生"
    assert fields["联系电话"] == "13812345678"
    assert fields["投诉渠道"] == "媒体"
    assert fields["投诉级别"] == "重大"
    assert fields["投诉内容"] == "报社记者来电:" + NASTY
    assert fields["客户诉求"] == "公开道歉 & 赔偿"
    assert fields["首问责任人"] == "张敏"
    assert fields["当前上报层级"] == "厅经理"  # two levels up the chain
    assert fields["受理时间"] == "2026-11-24 10:00"
    assert fields["申报单位"] == "GZ01"
    assert [(when, what, who) for when, what, who, _ in report.history] == [
        ("2026-11-24 10:00", "登记受理", "张敏"),
        ("2026-11-24 10:00", "承诺回复时间", "张敏"),
        ("2026-11-24 10:03", "逐级上报", "张敏"),
        ("2026-11-24 10:07", "逐级上报", "王芳"),
    ]
    assert report.history[-1][3] == "上报厅经理 <紧急>"
    assert (report.filled_by, report.filled_at) == ("3001 陈静", "2026-11-24 10:07")


def test_the_report_is_exported_as_a_printable_file_and_reads_back(
    desk: Desk, major: str, actors: dict[str, Actor], tmp_path: Path
) -> None:
    report = build_major_report(desk, major, actors["3001"])
    out = tmp_path / "exports"
    path = export_major_report(report, out, desk, actors["3001"])
    assert path.parent == out and path.is_file()
    assert path.suffix == ".html"
    assert report.ticket_no in path.name

    page = read_back(path)
    assert page.texts["title"] == [TITLE]
    assert page.texts["h1"] == [TITLE]
    form = {row[0]: row[1] for row in page.rows if len(row) == 2}
    assert form["投诉编号"] == "GZ01-T01-20261124-0001"
    assert form["客户姓名"] == "周先生"
    assert form["投诉内容"] == "报社记者来电:" + NASTY  # read back exactly as typed
    assert form["客户诉求"] == "公开道歉 & 赔偿"
    assert form["填报人"] == "3001 陈静"
    assert "审核意见及签字" in form  # a row left for the signature
    grids = [row for row in page.rows if len(row) == 4]
    # Each level's opinion up to the one a 重大 complaint must reach, none given yet.
    levels = ["投诉处理员", "值班经理", "厅经理", "客服质量监控经理", "客户服务部负责人"]
    assert grids[0] == ["层级", "签字人", "签字时间", "意见"]
    assert grids[1:6] == [[name, "", "", ""] for name in levels]
    history = grids[6:]
    assert history[0] == ["时间", "事项", "经办人", "说明"]
    # The history as built (printing it is recorded after the file is written).
    assert history[1:] == [list(entry) for entry in report.history]
    assert [row[1] for row in history[1:]].count("逐级上报") == 2
    printed = build_major_report(desk, major, actors["3001"]).history[-1]
    assert printed[1:3] == ("申报表已打印", "陈静")


def test_html_in_the_content_is_escaped_not_rendered(
    desk: Desk, major: str, actors: dict[str, Actor], tmp_path: Path
) -> None:
    path = export_major_report(
        build_major_report(desk, major, actors["1001"]), tmp_path, desk, actors["1001"]
    )
    text = path.read_text(encoding="utf-8")
    assert "<script>" not in text and "<b>粗体" not in text and "<紧急>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;引号&#x27;" in text
    assert "&lt;紧急&gt;" in text
    page = read_back(path)
    # Only the page's own elements: nothing typed by a person became markup.
    page_elements = "html head meta title style body h1 h2 table tr th td"
    assert page.seen == set(page_elements.split())


def test_a_file_name_from_an_odd_ticket_number_stays_in_the_directory(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    report = MajorReport("../../etc/x<>", [("投诉编号", "x")], [], "1001 张敏", "2026-11-24 10:00")
    path = export_major_report(report, tmp_path, desk, actors["1001"])
    assert path.parent == tmp_path
    assert path.is_file()


def test_an_unknown_complaint_has_no_report(desk: Desk, actors: dict[str, Actor]) -> None:
    with pytest.raises(KeyError):
        build_major_report(desk, "no-such-id", actors["1001"])
