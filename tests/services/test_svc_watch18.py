"""Issue 18, the watch list's 当事人回避 on the managers' own list (F10) and its export: a duty
or hall manager whom one of the customer's complaints accuses does not see the entry there
either, as intake does not show it to them (deskapp/domain/watch.py:watch_hidden_from)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.timefmt import format_local
from deskapp.i18n import error_text
from deskapp.services.customer import (
    EditedMeanwhile,
    WatchForm,
    WatchView,
    export_watch_list,
    save_watch_entry,
    watch_list,
)
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.store.models import WatchEvent


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


# ------------------------------------------------ two managers changing one entry at once


def _as_read(view: WatchView, **typed: str) -> WatchForm:
    """The form a dialog opened on `view` sends, with the fields `typed` changed."""
    form = WatchForm(customer=view.customer_key, kind=view.kind,
                     customer_name=view.customer_name, advice=view.advice, solved=view.solved,
                     refused=view.refused, review_on=view.review_on)  # fmt: skip
    for name, value in typed.items():
        setattr(form, name, value)
    return form


def _events(desk: Desk) -> list[str]:
    with desk.read() as session:
        return list(session.scalars(sa.select(WatchEvent.changes).order_by(WatchEvent.at)))


@pytest.mark.parametrize("minutes", [7, 0], ids=["later", "same_instant"])
def test_the_second_change_of_one_entry_is_refused_and_overwrites_nothing(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, minutes: int
) -> None:
    """Desk A (王芳 2001) and desk B (3001) on one store both open the entry and change 处理建议:
    A saves, then B: B is refused in words (who, when), told A's text at the field, and
    nothing of A's is overwritten (the attack on 18: the last writer won silently). With the
    clock not moved between the two saves (`same_instant`), the values still tell."""
    save_watch_entry(desk, actors["3001"], _entry("13918302983"))
    other = Desk.open(Path(desk.path), clock=clock)
    try:
        seen_a = watch_list(desk, actors["2001"])[0]
        seen_b = watch_list(other, actors["3001"])[0]
        clock.advance(timedelta(minutes=minutes))
        save_watch_entry(desk, actors["2001"], _as_read(seen_a, advice="王芳:先安抚,再约回访"),
                         seen_a.id, seen=seen_a)  # fmt: skip
        before = _events(desk)
        with pytest.raises(EditedMeanwhile) as refused:
            save_watch_entry(other, actors["3001"], _as_read(seen_b, advice="B:直接转厅经理"),
                             seen_b.id, seen=seen_b)  # fmt: skip
        assert watch_list(desk, actors["3001"])[0].advice == "王芳:先安抚,再约回访"
        assert _events(desk) == before  # not audited as a change either: none was made
        words = {e.field: error_text(e) for e in refused.value.errors}
        at = format_local(clock.now(), desk.tz)
        assert words["entry"].startswith(f"该条目在您打开后已由 王芳(2001) 于 {at} 修改")
        assert "王芳:先安抚,再约回访" in words["advice"]
        assert set(words) == {"entry", "advice"} and refused.value.taken == ()
        # Merged and saved again from the version the refusal brought: it stands.
        merged = _as_read(seen_b, advice="王芳:先安抚,再约回访;B:必要时转厅经理")
        save_watch_entry(other, actors["3001"], merged, seen_b.id, seen=refused.value.current)
        assert watch_list(desk, actors["2001"])[0].advice == merged.advice
    finally:
        other.close()


def test_a_field_only_the_other_changed_is_taken_over_not_reverted(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    """A changes 处理建议, B (opened before) changes 两解: B is refused with A's advice named as
    taken over (the dialog puts it in), so B's next save does not put the old advice back."""
    save_watch_entry(desk, actors["3001"], _entry("13918302983"))
    seen = watch_list(desk, actors["3001"])[0]
    clock.advance(timedelta(minutes=3))
    save_watch_entry(desk, actors["2001"], _as_read(seen, advice="新建议"), seen.id, seen=seen)
    with pytest.raises(EditedMeanwhile) as refused:
        save_watch_entry(desk, actors["3001"], _as_read(seen, solved="已解释套餐资费"),
                         seen.id, seen=seen)  # fmt: skip
    assert refused.value.taken == ("advice",)
    assert refused.value.current.advice == "新建议"
    assert watch_list(desk, actors["3001"])[0].solved == ""
