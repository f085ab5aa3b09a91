"""The intake form built beneath the sign-in screen (issue 22): while the PIN is typed the
form is composed in its own mode, never drawn; signing in switches to it. It is blank and
nobody's until someone signs in, then theirs (status line, draft); each sign-out builds a new
blank one for the next handler."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea
from ui_helpers import drafts_in, focus_by_tab, screen_text, settle, sign_in, type_text

from deskapp.i18n import t
from deskapp.screens.app import DeskApp
from deskapp.screens.intake import DRAFT_DELAY, IntakeScreen
from deskapp.screens.signin import SignInScreen
from deskapp.screens.textual_private import screen_stacks
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.screens.widgets.status_line import StatusLine

pytestmark = pytest.mark.ui
SIZE = (100, 30)


def _prepared(app: DeskApp) -> IntakeScreen:
    """The one intake form of the desk, which is not the screen shown."""
    forms = [s for s in screen_stacks(app) if isinstance(s, IntakeScreen)]
    assert len(forms) == 1
    assert forms[0] is not app.screen
    return forms[0]


def _blank(form: IntakeScreen) -> None:
    assert all(not i.value for i in form.query(Input)), [i.id for i in form.query(Input) if i.value]
    assert form.query_one("#content", TextArea).text == ""
    assert "张敏" not in str(form.query_one(StatusLine).render())
    assert "1001" not in str(form.query_one(StatusLine).render())


async def test_the_form_is_built_beneath_the_sign_in_and_shows_nothing(app: DeskApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and app.actor is None
        form = _prepared(app)
        assert form.is_mounted and form.query_one("#customer_name", Input).is_mounted
        _blank(form)
        # The sign-in screen is what is drawn, with the focus in its work number.
        assert app.focused is not None and app.focused.id == "work_no"
        shown = screen_text(app)
        assert t("signin.work_no") in shown and t("intake.customer_name") not in shown

        await sign_in(pilot, "1001", "1111")
        assert app.screen is form  # switched to, not built again
        status = str(form.query_one(StatusLine).render())
        assert "1001 张敏" in status
        assert app.focused is not None and app.focused.id == "customer_name"


async def test_sign_out_builds_a_new_blank_form_for_the_next_handler(app: DeskApp) -> None:
    desk = app.desk
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "1001", "1111")
        first = app.screen
        await type_text(pilot, "赵敏")
        await focus_by_tab(pilot, "content")
        await type_text(pilot, "话费多扣")
        await settle(pilot, DRAFT_DELAY + 0.2)

        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and app.actor is None
        assert len(drafts_in(desk)) == 1  # 张敏's form kept as her draft, not on the new one
        form = _prepared(app)
        assert form is not first
        _blank(form)

        # Another handler gets the blank form, with no offer of 张敏's draft.
        await sign_in(pilot, "1002", "2222")
        assert app.screen is form
        assert "1002 刘洋" in str(form.query_one(StatusLine).render())
        assert form.query_one("#customer_name", Input).value == ""
        await pilot.press("f8")
        await settle(pilot)

        # 张敏 signs in again: her own draft is offered and comes back.
        await sign_in(pilot, "1001", "1111")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one("#customer_name", Input).value == "赵敏"
        assert app.screen.query_one("#content", TextArea).text == "话费多扣"


async def test_the_form_checks_the_rules_only_for_someone_signed_in(app: DeskApp) -> None:
    """Changes the form's widgets post while it is built beneath the sign-in are checked
    once someone signs in (no error shown to nobody, none lost)."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = _prepared(app)
        assert form.validate() == []  # nobody signed in: nothing checked yet
        await sign_in(pilot, "1001", "1111")
        assert app.screen is form
        assert form.validate() != []  # a blank form misses what a complaint must have
