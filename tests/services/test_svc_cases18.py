"""Issue 18, the case library (案例库) through the services: found by any of the cause tree's
first two levels and by words, a page at a time from SQL; an unknown category or words no
text could hold refused in words; the morning meeting's page exported by a manager only (a
handler refused, audited, no file written), to an unwritable folder as an OSError that
leaves nothing behind; and the demo's two cases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import PermissionRefused
from deskapp.services import followup
from deskapp.services.cases import (
    case_categories,
    case_page,
    export_cases,
    find_cases,
    mark_case,
    write_case_page,
)
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.store.models import Refusal

BILLING = "BILLINFO.ACCURACY.CALL_TIME"
WAITING = "HALL.WAITING.LONG"


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def _case(desk: Desk, actors: dict[str, Actor], cause: str, lesson: str, phone: str) -> str:
    handler = actors["1001"]
    ticket = take_complaint(desk, handler, valid_form(desk, cause_code=cause, contact_phone=phone))
    followup.close(desk, handler, ticket.id, outcome="已处理", facts=closing_facts(desk, ticket.id))
    mark_case(desk, actors["2001"], ticket.id, lesson, "营业厅核实后当场处理")
    return ticket.ticket_no


def test_cases_are_found_by_either_level_of_the_cause_tree_and_by_words(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    billing = _case(desk, actors, BILLING, "先查通话详单", "13700000001")
    waiting = _case(desk, actors, WAITING, "高峰期提前增开窗口", "13700000002")
    assert [c.ticket_no for c in case_page(desk, "BILLINFO").rows] == [billing]
    assert [c.ticket_no for c in case_page(desk, "BILLINFO.ACCURACY").rows] == [billing]
    assert case_page(desk, "BILLINFO.ROAMING").rows == []  # a sibling: not this one
    assert [c.ticket_no for c in case_page(desk, "HALL.WAITING").rows] == [waiting]
    assert [c.ticket_no for c in case_page(desk, words="窗口").rows] == [waiting]
    assert case_page(desk, "BILLINFO", words="窗口").rows == []
    # The screen's choices: every first level, with its second levels under it.
    codes = [code for _label, code in case_categories(desk)]
    assert "BILLINFO" in codes and "BILLINFO.ACCURACY" in codes
    assert codes.index("BILLINFO") < codes.index("BILLINFO.ACCURACY")
    assert all(code.count(".") <= 1 for code in codes)


def test_an_unknown_category_or_impossible_words_are_refused_in_words(desk: Desk) -> None:
    with pytest.raises(RuleViolation) as unknown:
        case_page(desk, "NOPE")
    assert unknown.value.errors[0].field == "category"
    assert unknown.value.errors[0].key == "error.case.unknown_category"
    with pytest.raises(RuleViolation) as surrogate:
        case_page(desk, words="\ud800")
    assert surrogate.value.errors[0].field == "words"


def test_the_list_is_read_a_page_at_a_time_newest_first(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    from datetime import timedelta

    numbers = []
    for i in range(5):
        numbers.append(_case(desk, actors, WAITING, f"教训 {i}", f"1370000001{i}"))
        clock.advance(timedelta(minutes=1))
    first = case_page(desk, offset=0, limit=2)
    assert [c.ticket_no for c in first.rows] == numbers[::-1][:2] and first.has_more
    last = case_page(desk, offset=4, limit=2)
    assert [c.ticket_no for c in last.rows] == numbers[:1] and not last.has_more
    assert last.offset == 4


def test_every_role_reads_the_cases_only_managers_export_the_page(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    _case(desk, actors, BILLING, "先查通话详单", "13700000001")
    assert len(case_page(desk).rows) == 1  # reading asks for no permission
    with desk.read() as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(Refusal))
    with pytest.raises(PermissionRefused):
        export_cases(desk, actors["1001"], tmp_path / "out")
    assert not (tmp_path / "out").exists()  # the refusal wrote nothing
    with desk.read() as s:
        refusals = s.scalars(sa.select(Refusal)).all()
    assert len(refusals) == before + 1
    assert [(r.permission, r.subject) for r in refusals if r.subject == "cases"] == [
        ("mark_case", "cases")
    ]
    page = export_cases(desk, actors["2001"], tmp_path / "out", "BILLINFO", "详单")
    assert "先查通话详单" in page.read_text(encoding="utf-8")
    assert "13700000001" not in page.read_text(encoding="utf-8")


def test_the_page_to_an_unwritable_folder_is_an_os_error_leaving_nothing(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    _case(desk, actors, BILLING, "先查通话详单", "13700000001")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(OSError):
        write_case_page(desk, blocked / "exports")
    assert blocked.read_text() == "not a folder"


def test_the_demo_has_two_cases_the_library_lists(tmp_path: Path) -> None:
    from deskapp.services.demo import build_demo

    build_demo(tmp_path / "demo.db", count=20)
    desk = Desk.open(tmp_path / "demo.db")
    try:
        cases = find_cases(desk)
        assert len(cases) == 2 and all(c.lesson for c in cases)
        assert case_page(desk).rows == cases
        # case18e: each with a summary written for the page, and the ticket's facts in words
        assert all(c.summary and not c.withheld for c in cases)
        page = write_case_page(desk, tmp_path / "page").read_text(encoding="utf-8")
        assert "案情概述:客户" in page and "标志:" in page and "用时:" in page
    finally:
        desk.close()


PRIVATE = ("顾先生宽带账号GZKD8812ab报障,邮箱gu.xiansheng@example.com,住天河路88号,"
           "也可联系 138-1234-5678 或幸福小区5栋2单元301室")  # fmt: skip


def _private_case(desk: Desk, actors: dict[str, Actor]) -> str:
    handler = actors["1001"]
    ticket = take_complaint(desk, handler, valid_form(
        desk, cause_code=BILLING, contact_phone="13812345678", service_number="gzkd8812AB",
        customer_name="顾先生", content=PRIVATE, demand="回电 13812345678"))  # fmt: skip
    followup.close(desk, handler, ticket.id, outcome="已向GZKD8812AB退费",
                   facts=closing_facts(desk, ticket.id))  # fmt: skip
    mark_case(desk, actors["2001"], ticket.id, "先查详单", "宽带报障,核实后退费")
    return ticket.ticket_no


@pytest.mark.parametrize("value", ["GZKD8812ab", "gzkd8812", "8812AB", "gu.xiansheng",
                                   "example.com", "天河路88号", "天河路", "13812345678",
                                   "5678", "幸福小区", "301室"])  # fmt: skip
def test_the_page_leaves_out_contact_numbers_emails_addresses_and_accounts_and_search_cannot_find_them(  # noqa: E501
    desk: Desk, actors: dict[str, Actor], tmp_path: Path, value: str
) -> None:
    """Nobody can check whether a given customer is a case: the words are searched in the
    labels, the summary and the lesson, never the ticket's texts (case18e)."""
    ticket_no = _private_case(desk, actors)
    [view] = find_cases(desk)
    shown = " ".join((view.summary, view.lesson))
    page = write_case_page(desk, tmp_path).read_text(encoding="utf-8")
    for text in (shown, page):
        assert value.casefold() not in text.casefold()
    assert find_cases(desk, words=value) == []
    assert case_page(desk, words=value).rows == []
    # The rest is still found by its words.
    assert [c.ticket_no for c in find_cases(desk, words="报障")] == [ticket_no]
    assert [c.ticket_no for c in case_page(desk, words="详单").rows] == [ticket_no]


def test_the_morning_page_is_private_and_a_second_export_is_kept_beside_the_first(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    _case(desk, actors, BILLING, "先查通话详单", "13700000001")
    first = export_cases(desk, actors["2001"], tmp_path)
    second = export_cases(desk, actors["2001"], tmp_path)
    assert first != second and first.exists() and second.exists()
    assert {p.stat().st_mode & 0o777 for p in (first, second)} == {0o600}
