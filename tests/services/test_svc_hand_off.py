"""当事人回避 hand-offs (issue 20): each its own record, claimed by the desk that takes it, never
lost to a second Ctrl+T, a second desk or an autosave after the save."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.services.desk import Actor, Desk
from deskapp.services.drafts import (
    desk_holder,
    discard_hand_off,
    hand_off,
    keep_hand_off,
    load_draft,
    open_to,
    save_draft,
    take_hand_off,
    waiting_hand_offs,
)
from deskapp.services.intake import take_complaint

FORM = "intake"


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def recused(desk: Desk, accused: Actor, name: str) -> str:
    return valid_form(desk, customer_name=name, accused_staff_id=accused.id).to_json()


def test_several_hand_offs_wait_each_its_own_record(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    zhang = actors["1001"]
    save_draft(desk, zhang.id, FORM, recused(desk, zhang, "客户甲"))
    hand_off(desk, FORM, recused(desk, zhang, "客户甲"), zhang)
    assert load_draft(desk, zhang.id, FORM) is None  # the own draft went with it
    clock.advance(timedelta(minutes=5))
    hand_off(desk, FORM, recused(desk, zhang, "客户乙"), zhang)
    waiting = waiting_hand_offs(desk, FORM)
    customers = [json.loads(h.data)["customer_name"] for h in waiting]
    assert customers == ["客户甲", "客户乙"]  # the oldest first, neither overwritten
    assert all(h.by_name == "张敏" for h in waiting)
    assert [open_to(h, zhang.id) for h in waiting] == [False, False]
    assert [open_to(h, actors["1002"].id) for h in waiting] == [True, True]


def test_a_hand_off_keeps_the_time_the_customer_was_at_the_counter(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    zhang, liu = actors["1001"], actors["1002"]
    data = json.loads(recused(desk, zhang, "周红"))
    data["received_at"] = ""
    handed = hand_off(desk, FORM, json.dumps(data, ensure_ascii=False), zhang)
    clock.advance(timedelta(hours=2))
    taken = take_hand_off(desk, FORM, handed.key, liu, desk_holder("a"))
    from deskapp.services.intake import IntakeForm

    saved = take_complaint(desk, liu, IntakeForm.from_json(taken.data))
    assert saved.received_at == handed.at  # not the colleague's save two hours later


def test_a_second_desk_is_told_in_words_that_it_is_taken(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    zhang, liu, chen = actors["1001"], actors["1002"], actors["3001"]
    handed = hand_off(desk, FORM, recused(desk, zhang, "周红"), zhang)
    take_hand_off(desk, FORM, handed.key, liu, desk_holder("desk-a"))
    with pytest.raises(RuleViolation) as refused:
        take_hand_off(desk, FORM, handed.key, chen, desk_holder("desk-b"))
    [error] = refused.value.errors
    assert error.key == "error.handoff.taken"
    assert error.params == {"name": "刘洋", "work_no": "1002"}
    assert not open_to(waiting_hand_offs(desk, FORM)[0], chen.id)


def test_the_claim_of_a_desk_that_has_ended_is_void(desk: Desk, actors: dict[str, Actor]) -> None:
    zhang, liu, chen = actors["1001"], actors["1002"], actors["3001"]
    handed = hand_off(desk, FORM, recused(desk, zhang, "周红"), zhang)
    ended = subprocess.Popen(["true"])
    ended.wait()
    take_hand_off(desk, FORM, handed.key, liu, f"{ended.pid}:gone")
    taken = take_hand_off(desk, FORM, handed.key, chen, desk_holder("b"))
    assert json.loads(taken.data)["customer_name"] == "周红"


def test_an_autosave_after_the_save_brings_no_ghost_back(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """The colleague's desk saved it; this desk's late autosave writes to its own draft, never
    a hand-off that would be offered to the next colleague as a complaint still to record."""
    zhang, liu = actors["1001"], actors["1002"]
    handed = hand_off(desk, FORM, recused(desk, zhang, "周红"), zhang)
    taken = take_hand_off(desk, FORM, handed.key, liu, desk_holder("a"))
    from deskapp.services.intake import IntakeForm

    take_complaint(desk, liu, IntakeForm.from_json(taken.data))
    # Saved, but the desk stopped before it discarded the hand-off: it is not offered again.
    assert waiting_hand_offs(desk, FORM) == []
    discard_hand_off(desk, FORM, handed.key)
    keep_hand_off(desk, FORM, taken, taken.data, release=False, fallback_staff=liu.id)
    assert waiting_hand_offs(desk, FORM) == []
    assert load_draft(desk, liu.id, FORM) is None  # saved already: no draft of it either
    with pytest.raises(RuleViolation) as refused:
        take_hand_off(desk, FORM, handed.key, actors["3001"], desk_holder("b"))
    assert refused.value.keys() == {"error.handoff.gone"}


def test_a_released_hand_off_waits_for_the_next_colleague(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    zhang, liu, chen = actors["1001"], actors["1002"], actors["3001"]
    handed = hand_off(desk, FORM, recused(desk, zhang, "周红"), zhang)
    taken = take_hand_off(desk, FORM, handed.key, liu, desk_holder("a"))
    typed = json.loads(taken.data)
    typed["demand"] = "书面道歉"
    keep_hand_off(desk, FORM, taken, json.dumps(typed, ensure_ascii=False), release=True,
                  fallback_staff=liu.id)  # fmt: skip
    [waiting] = waiting_hand_offs(desk, FORM)
    assert waiting.taken_by is None and waiting.by_name == "张敏"
    assert json.loads(waiting.data)["demand"] == "书面道歉"
    assert open_to(waiting, chen.id)


def test_a_taken_hand_off_handed_on_again_is_one_record(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """刘洋 took 张敏's hand-off and finds it is about him too: handed on, it is one hand-off,
    not his claimed copy left behind as well."""
    zhang, liu = actors["1001"], actors["1002"]
    handed = hand_off(desk, FORM, recused(desk, zhang, "周红"), zhang)
    taken = take_hand_off(desk, FORM, handed.key, liu, desk_holder("a"))
    hand_off(desk, FORM, taken.data, liu, replaces=taken.key)
    [waiting] = waiting_hand_offs(desk, FORM)
    assert waiting.by_name == "刘洋" and waiting.taken_by is None
