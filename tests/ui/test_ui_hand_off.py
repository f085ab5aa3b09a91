"""当事人回避 at the counter (issue 20): a handed-off complaint is never lost. Several wait at
once, each its own record, said above the form; the hand-off dialog never comes up by itself
after a save and no letter typed ahead answers it; Ctrl+T on a store that refuses the write
keeps the form and says so; a hand-off taken at another desk is said in words."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from faults import READ_ONLY, store_limited, write_lock_held
from textual.widgets import Input, Static
from ui_helpers import (
    all_complaints,
    choose,
    drafts_in,
    settle,
    sign_in,
    type_complaint,
    type_text,
)

from deskapp.i18n import t
from deskapp.screens.app import DeskApp
from deskapp.screens.intake import FORM_KEY, IntakeScreen
from deskapp.screens.signin import SignInScreen
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.screens.widgets.hand_off import HandOffScreen
from deskapp.services.desk import Actor, Desk
from deskapp.services.drafts import desk_holder, take_hand_off, waiting_hand_offs

pytestmark = pytest.mark.ui

SIZE = (100, 30)


async def recused_form(pilot, customer: str) -> None:
    """张敏 (1001) signs in and types a complaint about herself (当事人回避)."""
    await sign_in(pilot, "1001", "1111")
    await type_complaint(pilot, name=customer, content="张敏态度差", demand="道歉")
    await choose(pilot, "accused_staff", "1001")


async def ctrl_t_yes(pilot) -> None:
    await pilot.press("ctrl+t")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await pilot.press("y")
    await settle(pilot)


def waiting_line(app: DeskApp) -> str:
    notice = app.screen.query_one("#handoff-waiting", Static)
    return str(notice.render()) if notice.display else ""


def customer(app: DeskApp) -> str:
    return app.screen.query_one("#customer_name", Input).value


@pytest.mark.heavy
async def test_two_hand_offs_both_wait_and_none_pops_up_over_the_next_typing(
    app: DeskApp, desk: Desk, actors: dict[str, Actor]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await recused_form(pilot, "客户甲")
        await ctrl_t_yes(pilot)
        assert isinstance(app.screen, SignInScreen)

        # 张敏 again, a second customer about her: the first hand-off is said, not replaced.
        await recused_form(pilot, "客户乙")
        assert t("handoff.waiting_others", count=1) in waiting_line(app)
        await ctrl_t_yes(pilot)
        assert len(waiting_hand_offs(desk, FORM_KEY)) == 2

        await sign_in(pilot, "1002", "2222")
        assert isinstance(app.screen, HandOffScreen)
        body = str(app.screen.query_one("#handoff-body").render())
        assert "客户甲" in body and t("handoff.others", count=1) in body
        await pilot.press("enter")  # take it (the focused button)
        await settle(pilot)
        assert customer(app) == "客户甲"
        await pilot.press("ctrl+s")
        await settle(pilot)

        # Saved: the second is said above the blank form, not put up over it.
        assert isinstance(app.screen, IntakeScreen)
        assert t("handoff.waiting_mine", count=1) in waiting_line(app)
        await type_text(pilot, "abc")
        await pilot.press("escape", "y")  # clear the form
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await type_text(pilot, "wdyz")  # typed ahead for the next customer
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen) and customer(app) == "wdyz"
        assert len(waiting_hand_offs(desk, FORM_KEY)) == 1

        # Ctrl+G takes them there once the form is blank.
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)  # the form is not blank: said, not lost
        assert customer(app) == "wdyz"
        assert t("handoff.form_not_blank") in [n.message for n in notifications(app)]
        await pilot.press("escape", "y")
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, HandOffScreen)
        assert "客户乙" in str(app.screen.query_one("#handoff-body").render())
        await pilot.press("enter")
        await settle(pilot)
        assert customer(app) == "客户乙"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert waiting_line(app) == ""

    saved = all_complaints(desk)
    assert sorted(c.customer_name for c in saved) == ["客户乙", "客户甲"]
    assert {c.first_responder_id for c in saved} == {actors["1002"].id}
    assert not [d for d in drafts_in(desk) if d.staff_id.startswith("handoff")]


REFUSING_STORES: dict[str, tuple[Callable[[Desk], AbstractContextManager[None]], str]] = {
    "locked": (write_lock_held, "error.store.busy"),
    "read_only": (lambda desk: store_limited(desk, READ_ONLY), "error.store.readonly"),
}


@pytest.mark.parametrize("fault", REFUSING_STORES)
async def test_ctrl_t_on_a_store_that_refuses_keeps_the_form_and_says_so(
    make_app: Callable[[], DeskApp], desk: Desk, fault: str
) -> None:
    app = make_app()
    refusing, key = REFUSING_STORES[fault]
    async with app.run_test(size=SIZE) as pilot:
        await recused_form(pilot, "周红")
        await settle(pilot, 1.0)  # her own draft written
        with refusing(desk):
            await ctrl_t_yes(pilot)
            # Still signed in, the form as typed, the reason in words.
            assert isinstance(app.screen, IntakeScreen) and app.actor is not None
            assert customer(app) == "周红"
            shown = str(app.screen.query_one("#store-failure", Static).render())
            assert t(key).split(",")[0] in shown
        assert not waiting_hand_offs(desk, FORM_KEY)
        # Once the store takes writes again, Ctrl+T hands it over.
        await ctrl_t_yes(pilot)
        assert isinstance(app.screen, SignInScreen)
    [waiting] = waiting_hand_offs(desk, FORM_KEY)
    assert "周红" in waiting.data


async def test_a_hand_off_taken_at_another_desk_is_said_in_words(
    app: DeskApp, desk: Desk, actors: dict[str, Actor]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await recused_form(pilot, "周红")
        await ctrl_t_yes(pilot)
        await sign_in(pilot, "1002", "2222")
        assert isinstance(app.screen, HandOffScreen)
        # Meanwhile 陈静 takes it at the other desk on this store.
        [waiting] = waiting_hand_offs(desk, FORM_KEY)
        take_hand_off(desk, FORM_KEY, waiting.key, actors["3001"], desk_holder("other-desk"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert customer(app) == ""  # not filled: no second ticket, no ghost
        said = t("error.handoff.taken", name="陈静", work_no="3001")
        assert said in str(app.screen.query_one("#store-failure", Static).render())
        await type_text(pilot, "李四")
        await settle(pilot, 1.0)  # the autosave goes to 刘洋's own draft
        [still] = waiting_hand_offs(desk, FORM_KEY)
        assert (still.taken_by or {}).get("id") == actors["3001"].id
        assert "李四" not in still.data
