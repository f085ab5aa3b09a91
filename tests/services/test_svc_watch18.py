"""Issue 18, the watch list's 当事人回避 on the managers' own list (F10) and its export: a duty
or hall manager whom one of the customer's complaints accuses does not see the entry there
either, as intake does not show it to them (deskapp/domain/watch.py:watch_hidden_from)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.services.customer import WatchForm, export_watch_list, save_watch_entry, watch_list
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def _entry(customer: str) -> WatchForm:
    return WatchForm(customer=customer, kind="difficult", customer_name="李女士",
                     advice="先听完再解释", review_on="2026-12-31")  # fmt: skip


def test_the_accused_manager_sees_neither_the_entry_nor_its_export_row(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    duty, hall = actors["2001"], actors["3001"]
    save_watch_entry(desk, hall, _entry("13812345678"))
    save_watch_entry(desk, hall, _entry("13900002222"))
    # The first customer complains about the duty manager (by contact phone), and a third
    # number's complaint accuses them by its service number.
    take_complaint(desk, actors["1001"], valid_form(desk, accused_staff_id=duty.id))
    take_complaint(desk, actors["1001"], valid_form(
        desk, contact_phone="13700003333", service_number="13900002222",
        accused_staff_id=hall.id))  # fmt: skip
    assert [v.customer_key for v in watch_list(desk, duty)] == ["13900002222"]
    assert [v.customer_key for v in watch_list(desk, hall)] == ["13812345678"]
    rows = list(csv.reader(export_watch_list(desk, duty, tmp_path / "duty").open(
        encoding="utf-8-sig", newline="")))  # fmt: skip
    assert [r[0] for r in rows[1:]] == ["13900002222"]
    assert len(watch_list(desk, duty, retired=True)) == 1  # retired ones included: still hidden
