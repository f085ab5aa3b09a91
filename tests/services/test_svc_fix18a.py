"""fix18a, through the services: a service number is one customer whatever its letter case
(the watch list, its 当事人回避, the repeat rule, the history); the accused manager adding the
hidden number is refused without learning that it is listed, and nothing is written; a
manager retires a case (a handler refused, nothing written), and a retired ticket may be
marked again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import PermissionRefused
from deskapp.domain.phone import parse_service_number
from deskapp.services import followup
from deskapp.services.cases import case_page, mark_case, retire_case
from deskapp.services.customer import (
    WatchForm,
    customer_history,
    save_watch_entry,
    watch_for_customer,
    watch_list,
)
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import find_repeat_candidates, take_complaint
from deskapp.store.models import ChangeLog, TeachingCase, WatchEntry


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def _changes(desk: Desk) -> int:
    with desk.read() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(ChangeLog)) or 0)


def _entry(customer: str) -> WatchForm:
    return WatchForm(customer=customer, kind="difficult", advice="先听完再解释",
                     review_on="2026-12-31")  # fmt: skip


def test_a_service_number_is_kept_in_one_case_however_typed() -> None:
    assert parse_service_number("GZKD7777AB") == "gzkd7777ab"
    assert parse_service_number(" gzKD7777ab ") == "gzkd7777ab"
    assert (
        parse_service_number("ＧＺＫＤ７７７７ＡＢ") == "gzkd7777ab"
    )  # full-width, as an IME types
    assert parse_service_number("0755-82345678") == "0755-82345678"


def test_a_service_number_in_another_case_is_the_same_customer(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    duty, hall, handler = actors["2001"], actors["3001"], actors["1001"]
    first = take_complaint(desk, handler, valid_form(
        desk, contact_phone="13700001111", service_number="gzkd7777ab",
        accused_staff_id=duty.id))  # fmt: skip
    entry = save_watch_entry(desk, hall, _entry("GZKD7777AB"))
    with desk.read() as s:
        stored = s.get(WatchEntry, entry.id)
        assert stored is not None and stored.customer_key == "gzkd7777ab"
    # 当事人回避 holds across the case: the accused manager sees it nowhere.
    assert watch_for_customer(desk, duty, "GZKD7777AB") is None
    assert entry.id not in {v.id for v in watch_list(desk, duty)}
    # The handler typing it in either case gets the alert.
    for typed in ("gzkd7777ab", "GZKD7777AB"):
        seen = watch_for_customer(desk, handler, typed)
        assert seen is not None and seen.id == entry.id
    # The repeat rule and the history find the earlier ticket by the other case.
    candidates = find_repeat_candidates(desk, "13600002222", service_number="GZKD7777AB")
    assert first.id in {c.id for c in candidates}
    page = customer_history(desk, handler, "GZKD7777AB")
    assert page is not None and page.tickets == 1


def test_the_accused_manager_adding_the_hidden_number_is_refused_without_learning_it_is_listed(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    duty, hall, handler = actors["2001"], actors["3001"], actors["1001"]
    take_complaint(desk, handler, valid_form(desk, contact_phone="13700004444",
                                             accused_staff_id=duty.id))  # fmt: skip
    take_complaint(desk, handler, valid_form(desk, contact_phone="13700005555",
                                             accused_staff_id=duty.id))  # fmt: skip
    save_watch_entry(desk, hall, _entry("13700004444"))
    answers = []
    for number in ("13700004444", "13700005555"):  # listed, and not listed
        before = _changes(desk)
        with pytest.raises(RuleViolation) as refused:
            save_watch_entry(desk, duty, _entry(number))
        assert _changes(desk) == before  # refused: nothing written
        answers.append([(e.field, e.key) for e in refused.value.errors])
    # The same words whether or not the number is listed: the refusal reveals nothing.
    assert answers[0] == answers[1] == [("customer", "error.watch.recused")]
    # Another manager is still told the number is listed (they see the entry anyway).
    with pytest.raises(RuleViolation) as listed:
        save_watch_entry(desk, hall, _entry("13700004444"))
    assert listed.value.keys() == {"error.watch.already_listed"}


def _closed(desk: Desk, actors: dict[str, Actor]) -> str:
    handler = actors["1001"]
    ticket = take_complaint(desk, handler, valid_form(desk))
    followup.close(desk, handler, ticket.id, outcome="已处理", facts=closing_facts(desk, ticket.id))
    return ticket.id


def test_a_manager_retires_a_case_and_a_handler_cannot(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    ticket = _closed(desk, actors)
    case = mark_case(desk, actors["2001"], ticket, "先听完再解释", "营业厅核实后当场处理").id
    with pytest.raises(PermissionRefused):  # refused and audited (a refusal row), no change
        retire_case(desk, actors["1001"], case)
    with desk.read() as s:
        untouched = s.get(TeachingCase, case)
        assert untouched is not None and untouched.case_key == ticket
    assert [r.id for r in case_page(desk).rows] == [case]
    retire_case(desk, actors["3001"], case)
    assert case_page(desk).rows == []
    with desk.read() as s:
        row = s.get(TeachingCase, case)
        assert row is not None and row.case_key is None  # kept, out of the library
        assert row.retired_by == actors["3001"].id
    before = _changes(desk)
    with pytest.raises(RuleViolation) as again:  # retired already: refused, nothing written
        retire_case(desk, actors["3001"], case)
    assert again.value.keys() == {"error.case.unknown"} and _changes(desk) == before
    # The ticket may be marked again with a better lesson.
    new = mark_case(desk, actors["2001"], ticket, "先测速再解释", "营业厅核实后当场处理").id
    assert [r.id for r in case_page(desk).rows] == [new]


def test_an_import_keeps_the_row_ids_it_derived_before_numbers_were_lower_cased(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    """A row without an external number is identified by its content, the service number
    among it: as typed, as imports before fix18a read it, so a file imported then and again
    now is the same records; what is stored is lower-cased."""
    from deskapp.services.importer import import_file
    from deskapp.store.models import Complaint

    header = "受理时间,渠道,客户姓名,联系电话,业务号码,投诉内容,客户诉求,投诉类别,投诉级别"
    ids = []
    for n, typed in enumerate(("GZKD7777AB", "gzkd7777ab")):
        path = tmp_path / f"in{n}.csv"
        path.write_text(f"{header}\n2026-10-03 09:15:30,10086,王芳,13900001111,{typed},"
                        "被开通彩铃,退订,NEWBIZ.SUBSCRIBE.UNCONSENTED,一般\n",
                        encoding="utf-8")  # fmt: skip
        import_file(desk, actors["1001"], path)
        with desk.read() as s:
            found = list(s.scalars(sa.select(Complaint).order_by(Complaint.id)))
        ids = [c.id for c in found]
        assert {c.service_number for c in found} == {"gzkd7777ab"}
    assert len(ids) == 2  # the ids differ as they did before: derived from the typed number
