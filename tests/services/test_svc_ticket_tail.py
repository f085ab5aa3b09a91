"""Finding a ticket by the tail of its number (issue 20): "0003" (a recent ticket's sequence)
and "20261124-0003" (its day and sequence), besides the last four digits of a phone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.services.desk import Desk
from deskapp.services.intake import take_complaint
from deskapp.services.search import TAIL_DAYS, QueryKind, search
from deskapp.services.staff import actor_of, list_staff


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def _take(desk: Desk, name: str, phone: str) -> str:
    handler = actor_of(next(s for s in list_staff(desk) if s.work_no == "1001"))
    form = valid_form(desk, customer_name=name, contact_phone=phone)
    return take_complaint(desk, handler, form).ticket_no


def test_the_tail_of_a_ticket_number_finds_it(desk: Desk) -> None:
    numbers = [_take(desk, n, p) for n, p in (("甲", "13800000001"), ("乙", "13800000002"),
                                              ("丙", "13800000003"))]  # fmt: skip
    third = numbers[2]
    assert third.endswith("-0003")
    page = search(desk, "0003")
    assert page.kind is QueryKind.LAST4
    assert [r.ticket_no for r in page.rows] == [third]
    dated = third.split("-", 2)[2]  # "20261124-0003"
    assert [r.ticket_no for r in search(desk, dated).rows] == [third]
    # The last four digits of a phone still find their customer.
    assert [r.customer_name for r in search(desk, "0002").rows] == ["乙"]


def test_a_bare_sequence_looks_back_a_month_only(desk: Desk, clock: FrozenClock) -> None:
    old = _take(desk, "甲", "13800000009")
    clock.advance(timedelta(days=TAIL_DAYS + 2))
    assert search(desk, "0001").rows == []
    assert [r.ticket_no for r in search(desk, old.split("-", 2)[2]).rows] == [old]
