"""fix18h: 当事人回避 counts the complaint being typed: the watch entry is hidden from the
handler intake's form names as the accused, before anything is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from svc_forms import staffed_desk

from deskapp.clock import FrozenClock
from deskapp.domain.watch import watch_hidden_from
from deskapp.services.customer import (
    WatchForm,
    customer_history,
    save_watch_entry,
    watch_for_customer,
)
from deskapp.services.desk import Actor, Desk

PHONE = "13812345678"


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def test_the_forms_accused_counts_in_the_rule() -> None:
    assert watch_hidden_from("a", [], on_form="a")
    assert not watch_hidden_from("a", [], on_form="b")
    assert not watch_hidden_from("a", [None])


def test_the_forms_accused_does_not_see_the_entry_nor_in_the_history(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    form = WatchForm(customer=PHONE, kind="difficult", advice="先听完", review_on="2026-12-31")
    save_watch_entry(desk, actors["2001"], form)
    me = actors["1002"]
    assert watch_for_customer(desk, me, PHONE) is not None
    assert watch_for_customer(desk, me, PHONE, accused=actors["1001"].id) is not None
    assert watch_for_customer(desk, me, PHONE, accused=me.id) is None
    page = customer_history(desk, me, PHONE, accused=me.id)
    assert page is not None and page.watch is None
    page = customer_history(desk, me, PHONE)
    assert page is not None and page.watch is not None
