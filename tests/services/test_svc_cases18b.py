"""Issue 18, the re-check of the morning meeting's page: a case whose ticket is 张伟's, with an
account number typed with separators, an address in Chinese numerals, the given name alone and
an obfuscated e-mail in the complaint, the outcome and the lesson. The exported page holds
none of them, and the case library's search does not find the case by any of them (it
searches the masked texts), while the lesson's own words still find it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.services import followup
from deskapp.services.cases import case_page, export_cases, find_cases, mark_case
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint

PERSONAL = (
    "张伟", "伟", "13812345678", "6222", "3456", "幸福路", "十八号", "三号楼", "五〇一",
    "zhangwei", "qq", "gzkd8812ab", "GZKD",
)  # fmt: skip


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def test_the_page_and_the_search_leave_out_what_the_recheck_found(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    handler, manager = actors["1001"], actors["2001"]
    ticket = take_complaint(desk, handler, valid_form(
        desk, customer_name="张伟", contact_phone="13812345678", service_number="GZKD8812AB",
        content="伟说宽带网速慢,家住幸福路十八号三号楼二单元五〇一,扣款卡6222 0210 0112 3456",
        demand="退还多扣的费用,结果发到zhangwei at qq dot com"))  # fmt: skip
    followup.close(desk, handler, ticket.id, outcome="已退款到卡6222-0210-0112-3456,小伟满意",
                   facts=closing_facts(desk, ticket.id))  # fmt: skip
    lesson = "伟先生的邮箱zhangwei＠qq．com、zhangwei#qq.com 不该写进工单;先核实网速"
    mark_case(desk, manager, ticket.id, lesson, "营业厅核实后当场处理")
    page = export_cases(desk, manager, tmp_path / "out").read_text(encoding="utf-8")
    assert "先核实网速" in page and "网速慢" in page and "[地址]" in page and "[邮箱]" in page
    for personal in PERSONAL:
        assert personal not in page, personal
    for personal in PERSONAL:
        assert find_cases(desk, words=personal) == [], personal
        assert case_page(desk, words=personal).rows == [], personal
    assert [c.ticket_no for c in find_cases(desk, words="核实网速")] == [ticket.ticket_no]
