"""The store full (or read-only) at the moment of Ctrl+S: the handler reads why next to Save,
every field stays as typed, and Ctrl+S once the store is back saves the same complaint."""

from __future__ import annotations

import pytest
from faults import DISK_FULL, READ_ONLY, store_limited
from textual.widgets import Input, Static, TextArea
from ui_helpers import all_complaints, build_app, settle, sign_in, type_complaint

from deskapp.i18n import t
from deskapp.screens.intake import IntakeScreen
from deskapp.screens.textual_private import notifications
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui
SIZE = (100, 30)


@pytest.mark.parametrize(
    ("pragma", "key"), [(DISK_FULL, "error.store.full"), (READ_ONLY, "error.store.readonly")]
)
async def test_save_on_a_full_or_read_only_store_keeps_the_form(
    desk: Desk, pragma: str, key: str
) -> None:
    app = build_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, name="周红", content="话费多扣二十元" * 30, demand="退费")
        with store_limited(desk, pragma):
            await pilot.press("ctrl+s")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, IntakeScreen)
            notice = screen.query_one("#store-failure", Static)
            assert notice.display and str(notice.render()) == t(key)
            assert t(key) in [n.message for n in notifications(app)]
            assert screen.query_one("#customer_name", Input).value == "周红"
            assert screen.query_one("#content", TextArea).text == "话费多扣二十元" * 30
            assert not screen.saving and not all_complaints(desk)

        await pilot.press("ctrl+s")  # the store takes writes again
        await settle(pilot)
        assert not app.screen.query_one("#store-failure", Static).display
        assert app.screen.query_one("#customer_name", Input).value == ""  # a fresh form
    [saved] = all_complaints(desk)
    assert saved.customer_name == "周红" and saved.demand == "退费"
