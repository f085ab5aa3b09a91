"""Issue 18 (case18e): the morning meeting's page leaves personal data out by construction. It
never prints what was typed on the ticket (content, demand, outcome, severity reason); it
prints the ticket's facts and the manager's summary and lesson, which are refused at their
field when they hold personal data (marked or edited), and checked again when the page is made
(a case stored before the check is withheld, the library marks it). The search matches only
the labels, the summary and the lesson: a customer's name or number finds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import PermissionRefused
from deskapp.i18n import error_text
from deskapp.services import followup
from deskapp.services.cases import (
    CaseEditedMeanwhile,
    case_flags,
    case_page,
    check_markable,
    edit_case,
    export_cases,
    find_cases,
    mark_case,
    retire_case,
)
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.store.models import Complaint, Refusal, TeachingCase

# What the attacks found on the old page, all typed on one ticket of 王女士.
CONTENT = ("联系人王芳,姓名：王芳,户主王芳,客户王芳再次来电,他老婆李梅也来了,出生于1985年3月2日,"
           "住富力中心2301房,电话139~8765~4321,QQ 12345678,住石牌村45号,马上要处理")  # fmt: skip
DEMAND = "退费到卡6222 0210 0112 3456,结果发到wangfang(a)qq.com,宽带账号GZKD 9912 AB"
OUTCOME = "已回电尾号是：4321,Wang Fang 满意,说明了规则"
PERSONAL = ("王芳", "芳", "李梅", "1985", "2301", "富力", "9876", "4321", "12345678", "石牌村",
            "6222", "3456", "wangfang", "GZKD", "9912", "Wang", "13812345678", "gzkd8812",
            "张敏", "王女士")  # fmt: skip
SUMMARY = "客户来厅反映宽带网速慢,多次报障未解决。装维老师上门测速后更换光猫,马上恢复正常。"
LESSON = "报障两次以上先派装维上门测速,不要只在电话里解释"


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def _closed(desk: Desk, actors: dict[str, Actor], **form: str) -> str:
    handler = actors["1001"]
    values = {"customer_name": "王女士", "contact_phone": "13812345678",
              "service_number": "GZKD8812AB", "content": CONTENT, "demand": DEMAND,
              **form}  # fmt: skip
    ticket = take_complaint(desk, handler, valid_form(desk, **values))
    followup.close(desk, handler, ticket.id, outcome=OUTCOME, facts=closing_facts(desk, ticket.id))
    return ticket.id


def test_the_page_of_a_ticket_full_of_personal_data_holds_none_of_it(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    ticket = _closed(desk, actors)
    mark_case(desk, actors["2001"], ticket, LESSON, SUMMARY)
    page = export_cases(desk, actors["2001"], tmp_path).read_text(encoding="utf-8")
    for personal in PERSONAL:
        assert personal not in page, personal
    for typed in ("网速慢" + "," + "多次", "马上恢复正常", "装维老师", "先派装维上门测速"):
        assert typed in page  # the manager's texts as written: nothing over-masked
    assert "说明了规则" not in page and "退费到卡" not in page  # the ticket's texts: never
    assert "案情概述:" in page and "经验教训:" in page and "渠道:" in page and "受理:" in page
    [view] = find_cases(desk)
    assert view.ticket_no not in page  # the ticket number is for the screen, never the page


@pytest.mark.parametrize(
    ("summary", "found", "at"),
    [("客户王芳再次来电,网速慢", "王芳", 3), ("联系人王芳来电", "王芳", 4),
     ("他老婆李梅也来了", "李梅", 4), ("客户出生于1985年3月2日", "1985年3月2日", 6),
     ("富力中心2301房", "2301房", 5), ("王女士很着急", "王女士", 1),
     ("客户说139 8765 4321也能联系", "139 8765 4321", 4)],
)  # fmt: skip
def test_marking_with_personal_data_is_refused_in_words_at_the_field(
    desk: Desk, actors: dict[str, Actor], summary: str, found: str, at: int
) -> None:
    ticket = _closed(desk, actors)
    with pytest.raises(RuleViolation) as refused:
        mark_case(desk, actors["2001"], ticket, LESSON, summary)
    [error] = refused.value.errors
    assert (error.field, error.key) == ("summary", "error.case.personal_data")
    assert (error.params["found"], error.params["at"]) == (found, at)
    assert summary[at - 1 :].startswith(found)
    assert find_cases(desk) == []  # nothing stored


def test_the_refusal_names_what_and_where_in_chinese(desk: Desk, actors: dict[str, Actor]) -> None:
    ticket = _closed(desk, actors)
    with pytest.raises(RuleViolation) as refused:
        mark_case(desk, actors["2001"], ticket, "联系尾号4321的客户", "客户王芳再次来电")
    words = {e.field: error_text(e) for e in refused.value.errors}
    assert words["summary"] == (
        "案情概述第3字起的“王芳”像是客户的姓名：\n案例页会给全厅看，请改写（如写“客户”）"
    )
    assert words["lesson"].startswith("经验教训第5字起的“4321”像是客户的号码尾数")


def test_both_texts_are_required(desk: Desk, actors: dict[str, Actor]) -> None:
    ticket = _closed(desk, actors)
    with pytest.raises(RuleViolation) as refused:
        mark_case(desk, actors["2001"], ticket, " ", "")
    assert {(e.field, e.key) for e in refused.value.errors} == {
        ("summary", "error.required"),
        ("lesson", "error.required"),
    }


def test_a_manager_edits_a_case_a_handler_is_refused_and_audited(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    ticket = _closed(desk, actors)
    case = mark_case(desk, actors["2001"], ticket, LESSON, SUMMARY).id
    with desk.read() as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(Refusal))
    with pytest.raises(PermissionRefused):
        edit_case(desk, actors["1001"], case, "改过的概述", "改过的教训")
    with desk.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Refusal)) == before + 1
    with pytest.raises(RuleViolation) as refused:  # checked as when marked
        edit_case(desk, actors["3001"], case, "户主王芳来电", LESSON)
    assert refused.value.errors[0].field == "summary"
    edit_case(desk, actors["3001"], case, "宽带掉线,上门换光猫后恢复", "先上门测速")
    [view] = find_cases(desk)
    assert (view.summary, view.lesson) == ("宽带掉线,上门换光猫后恢复", "先上门测速")
    retire_case(desk, actors["3001"], case)
    with pytest.raises(RuleViolation) as retired:
        edit_case(desk, actors["3001"], case, "再改", "再改")
    assert retired.value.errors[0].key == "error.case.unknown"


def test_a_stored_text_with_personal_data_is_withheld_at_render_and_an_old_case_says_so(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    """Marked before the check, or synced from an older terminal: the page re-checks."""
    ticket = _closed(desk, actors)
    case = mark_case(desk, actors["2001"], ticket, LESSON, SUMMARY).id
    with desk.write(actors["2001"].id) as session:
        stored = session.get(TeachingCase, case)
        assert stored is not None
        stored.summary, stored.lesson = "", "联系人王芳的事要记住"
    [view] = find_cases(desk)
    assert view.withheld
    page = export_cases(desk, actors["2001"], tmp_path).read_text(encoding="utf-8")
    assert "王芳" not in page
    assert "（此段含疑似个人信息，未列入；请经理修改此案例）" in page
    assert "（未写案情概述）" in page
    assert find_cases(desk, words="王芳") == [] and find_cases(desk, words="记住") == []


def test_the_search_matches_labels_summary_and_lesson_never_the_ticket(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    ticket = _closed(desk, actors)
    mark_case(desk, actors["2001"], ticket, LESSON, SUMMARY)
    for personal in (*PERSONAL, "说明了规则", "退费到卡"):
        assert find_cases(desk, words=personal) == [], personal
        assert case_page(desk, words=personal).rows == [], personal
    for words in ("光猫", "装维上门测速", "室内无信号", "网络质量"):  # summary, lesson, labels
        assert len(find_cases(desk, words=words)) == 1, words


@pytest.mark.parametrize(
    ("severity", "claimed_to", "escalated"),
    [("general", "", False), ("serious", "", True), ("major", "", True),
     ("general", "media", True)],
)  # fmt: skip
def test_the_page_says_escalated_as_the_indicator_counts_it(
    desk: Desk, actors: dict[str, Actor], severity: str, claimed_to: str, escalated: bool
) -> None:
    """升级投诉 on the page is the indicator's (domain/indicators.py `escalated_by_customer`):
    the customer took it higher (严重 or 重大) or says they will (声称升级); not any ticket
    above 一般. (The ticket's facts set on a copy: closing a 严重 one needs the branch's levels.)"""
    ticket = _closed(desk, actors)
    with desk.read() as session:
        complaint = session.get(Complaint, ticket)
        assert complaint is not None
        session.expunge(complaint)
    complaint.severity, complaint.claimed_to = severity, claimed_to
    assert ("escalated" in case_flags(desk, complaint)) is escalated
    assert ("claimed" in case_flags(desk, complaint)) is bool(claimed_to)


# ------------------------------------ case18f: what the attack on case18e got past the check


def _plain_closed(desk: Desk, actors: dict[str, Actor], *, note: str = "", **form: str) -> str:
    """A closed ticket of 褚女士 whose texts hold no name, with a contact logged (`note`)."""
    handler = actors["1001"]
    values = {"customer_name": "褚女士", "contact_phone": "13500003002",
              "content": "宽带晚上经常掉线", "demand": "尽快修好", **form}  # fmt: skip
    ticket = take_complaint(desk, handler, valid_form(desk, **values))
    if note:
        followup.log_contact(desk, handler, ticket.id, reached=True, note=note)
    followup.close(desk, handler, ticket.id, outcome="已修复", facts=closing_facts(desk, ticket.id))
    return ticket.id


@pytest.mark.parametrize(
    "summary",
    ["当天褚秀英在窗口等了很久", "号码以3002结尾的客户", "135****3002", "号码3002的客户",
     "冼女士陪同来厅", "客户的老伴李秀兰陪同来厅", "1975年3月2日出生", "住在富力中心2301"],
)  # fmt: skip
def test_the_attack_s_leaks_are_refused_at_the_field(
    desk: Desk, actors: dict[str, Actor], summary: str
) -> None:
    ticket = _plain_closed(desk, actors)
    with pytest.raises(RuleViolation) as refused:
        mark_case(desk, actors["2001"], ticket, LESSON, summary)
    assert [(e.field, e.key) for e in refused.value.errors] == [
        ("summary", "error.case.personal_data")
    ]


def test_a_name_a_follow_up_gave_is_refused_in_any_form(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """The contact's note named 李秀兰: 秀兰 alone is refused (the events are read)."""
    ticket = _plain_closed(desk, actors, note="客户不在,老伴李秀兰接的电话")
    with pytest.raises(RuleViolation) as refused:
        mark_case(desk, actors["2001"], ticket, LESSON, "秀兰后来转告客户,客户满意")
    assert refused.value.errors[0].params["found"] == "秀兰"
    other = _plain_closed(desk, actors, contact_phone="13500003003")
    mark_case(desk, actors["2001"], other, LESSON, "秀兰后来转告客户,客户满意")


@pytest.mark.parametrize(
    ("summary", "found"),
    [("营业员刘洋态度生硬", "刘洋"), ("刘洋态度生硬", "刘洋"), ("当时刘经理接待", "刘经理"),
     ("营业员张敏当场道歉", "张敏")],
)  # fmt: skip
def test_a_staff_member_s_name_is_refused_with_the_post_suggested(
    desk: Desk, actors: dict[str, Actor], summary: str, found: str
) -> None:
    """刘洋 is the accused, 张敏 a colleague of the hall's staff table."""
    ticket = _plain_closed(desk, actors, accused_staff_id=actors["1002"].id)
    with pytest.raises(RuleViolation) as refused:
        mark_case(desk, actors["2001"], ticket, LESSON, summary)
    [error] = refused.value.errors
    assert (error.field, error.key, error.params["found"]) == (
        "summary", "error.case.staff_name", found)  # fmt: skip
    words = error_text(error)
    assert "员工的姓名" in words and "请写岗位" in words and "“营业员”" in words
    assert "客户" not in words  # not "营业员客户"


def test_the_page_withholds_a_staff_member_s_name_stored_before_the_check(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    ticket = _plain_closed(desk, actors, accused_staff_id=actors["1002"].id)
    case = mark_case(desk, actors["2001"], ticket, LESSON, SUMMARY).id
    with desk.write(actors["2001"].id) as session:
        stored = session.get(TeachingCase, case)
        assert stored is not None
        stored.lesson = "营业员刘洋态度生硬"
    [view] = find_cases(desk)
    assert not view.lesson_ok
    assert "刘洋" not in export_cases(desk, actors["2001"], tmp_path).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "plain",
    ["光猫HG8145V5老化,更换后恢复", "2号楼营业厅排队较长", "小区5栋信号差", "高峰时段来厅",
     "客户王卡套餐到期", "营业员解释说规则"],
)  # fmt: skip
def test_ordinary_text_is_saved(desk: Desk, actors: dict[str, Actor], plain: str) -> None:
    ticket = _plain_closed(desk, actors)
    mark_case(desk, actors["2001"], ticket, LESSON, plain)
    assert [v.summary for v in find_cases(desk)] == [plain]


def test_a_tab_pasted_in_the_lesson_is_kept_as_spaces(desk: Desk, actors: dict[str, Actor]) -> None:
    ticket = _plain_closed(desk, actors)
    case = mark_case(desk, actors["2001"], ticket, "先测速\t再上门\n不要只电话解释", SUMMARY)
    assert case.lesson == "先测速    再上门\n不要只电话解释"
    edit_case(desk, actors["2001"], case.id, "网速慢\t已解决", "先测速")
    assert [v.summary for v in find_cases(desk)] == ["网速慢    已解决"]


def test_a_ticket_already_a_case_or_still_open_is_refused_before_the_texts(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    ticket = _plain_closed(desk, actors)
    check_markable(desk, actors["2001"], ticket)  # closed, not a case: the dialog opens
    mark_case(desk, actors["2001"], ticket, LESSON, SUMMARY)
    with pytest.raises(RuleViolation) as refused:
        check_markable(desk, actors["2001"], ticket)
    assert refused.value.errors[0].key == "error.case.already_marked"
    open_ticket = take_complaint(desk, actors["1001"], valid_form(desk)).id
    with pytest.raises(RuleViolation) as refused:
        check_markable(desk, actors["2001"], open_ticket)
    assert refused.value.errors[0].key == "error.case.not_closed"
    with pytest.raises(PermissionRefused):
        check_markable(desk, actors["1001"], ticket)


# ------------------------------------------- the message names jieba's whole name (case18g)


@pytest.mark.parametrize(
    ("summary", "found"),
    [("宋佳佳带着宝宝来厅办理", "宋佳佳"), ("她老公陈志刚来厅办理", "陈志刚"),
     ("赵国强多次来厅办理", "赵国强"), ("林志强来厅说网速慢", "林志强")],
)  # fmt: skip
def test_the_refusal_names_the_whole_name_jieba_reads(
    desk: Desk, actors: dict[str, Actor], summary: str, found: str
) -> None:
    """Not 宝宝 or 老公 (kin words), not 赵国 or 志强 (part of the name): the manager rewrote
    宝宝 as 孩子 and 宋佳佳 was saved."""
    ticket = _closed(desk, actors)
    with pytest.raises(RuleViolation) as refused:
        mark_case(desk, actors["2001"], ticket, LESSON, summary)
    [error] = refused.value.errors
    assert error.params["found"] == found
    assert error.params["others"] == 0


def test_the_refusal_names_up_to_three_findings_and_refuses_while_any_is_left(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    ticket = _closed(desk, actors)
    summary = "客户王芳再次来电,他老婆李梅也来了,尾号4321,住富力中心2301房"
    with pytest.raises(RuleViolation) as refused:
        mark_case(desk, actors["2001"], ticket, LESSON, summary)
    [error] = refused.value.errors
    words = error_text(error)
    assert "“王芳”" in words and "另有 4 处：“李梅”“4321”" in words  # and 富力中心, 2301房
    with pytest.raises(RuleViolation):  # the first rewritten, the others still refuse
        mark_case(desk, actors["2001"], ticket, LESSON, summary.replace("王芳", ""))
    assert find_cases(desk) == []


def test_a_name_the_desk_knows_from_the_customer_s_other_records_is_refused(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """The attack on case18g: 何浩然 known only from the ticket's text where jieba does not
    read a name (客户何浩然来电: 何 and 浩然), from the watch list's entry of the same number,
    and from the same customer's other ticket: each is refused in the case's summary."""
    from deskapp.services.customer import WatchForm, save_watch_entry

    manager = actors["2001"]
    said = _closed(desk, actors, customer_name="何女士", contact_phone="13700001234",
                   content="客户何浩然来电反映宽带网速很慢", demand="尽快处理")  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        mark_case(desk, manager, said, LESSON, "后来何浩然对处理结果表示满意")
    assert "何浩然" in error_text(refused.value.errors[0])
    review = (desk.clock.now().date().replace(year=desk.clock.now().year + 1)).isoformat()
    save_watch_entry(desk, manager, WatchForm(customer="13700005678", customer_name="蒋文静",
                                              advice="先听完再解释", review_on=review))  # fmt: skip
    _closed(desk, actors, customer_name="客户", contact_phone="13700009999",
            content="客户上官洋来电说网速慢", demand="尽快处理")  # fmt: skip
    listed = _closed(desk, actors, customer_name="蒋女士", contact_phone="13700005678",
                     content="宽带又断线了", demand="尽快处理")  # fmt: skip
    again = _closed(desk, actors, customer_name="上官女士", contact_phone="13700009999",
                    content="宽带又断线了", demand="尽快处理")  # fmt: skip
    for ticket, summary, name in ((listed, "装维上门后蒋文静表示满意", "蒋文静"),
                                  (again, "当天上官洋在窗口等了两个小时", "上官洋")):  # fmt: skip
        with pytest.raises(RuleViolation) as refused:
            mark_case(desk, manager, ticket, LESSON, summary)
        assert name in error_text(refused.value.errors[0]), ticket
    mark_case(desk, manager, again, LESSON, SUMMARY)  # without the name: saved


def test_the_second_of_two_managers_editing_a_case_is_refused_and_overwrites_nothing(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """Attack on 18: two managers with E open on one case; the second save wrote over the first."""
    case = mark_case(desk, actors["2001"], _closed(desk, actors), LESSON, SUMMARY).id
    read = (SUMMARY, LESSON)  # what both dialogs opened with
    edit_case(desk, actors["2001"], case, SUMMARY + "已道歉", LESSON, seen=read)
    with pytest.raises(CaseEditedMeanwhile) as both:  # both changed the summary
        edit_case(desk, actors["3001"], case, SUMMARY + "已退费", LESSON, seen=read)
    assert [(e.field, e.key) for e in both.value.errors] == [("summary", "error.case.theirs")]
    assert both.value.current == (SUMMARY + "已道歉", LESSON) and both.value.taken == ()
    with pytest.raises(CaseEditedMeanwhile) as other:  # only the other changed the summary
        edit_case(desk, actors["3001"], case, SUMMARY, "先上门测速", seen=read)
    assert other.value.taken == ("summary",)
    [view] = find_cases(desk)
    assert (view.summary, view.lesson) == (SUMMARY + "已道歉", LESSON)  # nothing overwritten
    edit_case(desk, actors["3001"], case, SUMMARY + "已道歉", "先上门测速",
              seen=other.value.current)  # fmt: skip
    [view] = find_cases(desk)
    assert (view.summary, view.lesson) == (SUMMARY + "已道歉", "先上门测速")
