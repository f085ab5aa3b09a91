"""Issue 18, what an independent attacker still got past the morning meeting's page and the
case search: a ticket of 李女士 whose texts hold her full name (客户李红反映), a phone with
tildes, a QQ number, a village address, an e-mail written (a), a number's tail and a spaced
account. The exported page holds none of them, and the case library's search (on the masked
texts) finds the case by none of them, while the lesson's own words still find it."""

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

PERSONAL = ("李红", "红", "13987654321", "9876", "4321", "12345678", "石牌村", "45号", "zhangwei",
            "GZKD", "9912", "Hong")  # fmt: skip


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def test_the_page_and_the_search_leave_out_what_the_attacker_found(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    handler, manager = actors["1001"], actors["2001"]
    ticket = take_complaint(desk, handler, valid_form(
        desk, customer_name="李女士", contact_phone="13812345678", service_number="GZKD8812AB",
        content="客户李红反映宽带网速慢,李红说另一个电话139~8765~4321,QQ 12345678,住石牌村45号",
        demand="退费,结果发到zhangwei(a)qq.com,宽带账号GZKD 9912 AB"))  # fmt: skip
    followup.close(desk, handler, ticket.id, outcome="已回电尾号是：4321,Li Hong 满意",
                   facts=closing_facts(desk, ticket.id))  # fmt: skip
    mark_case(desk, manager, ticket.id, "李红的号码139|8765|4321不该写进工单;先核实网速", "营业厅核实后当场处理")
    page = export_cases(desk, manager, tmp_path / "out").read_text(encoding="utf-8")
    assert "先核实网速" in page and "网速慢" in page and "[地址]" in page and "[邮箱]" in page
    for personal in PERSONAL:
        assert personal not in page, personal
    for personal in PERSONAL:
        assert find_cases(desk, words=personal) == [], personal
        assert case_page(desk, words=personal).rows == [], personal
    assert [c.ticket_no for c in find_cases(desk, words="核实网速")] == [ticket.ticket_no]
