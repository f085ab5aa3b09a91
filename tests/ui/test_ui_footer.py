"""The footer rebuilds its keys only when what it shows changes, and always then: focus moving
between the intake form's fields leaves it alone, a key changed in the keymap shows at once,
and a screen shown again after another shows its own keys."""

from __future__ import annotations

import pytest
from ui_helpers import WIDE, build_app, settle, sign_in

from deskapp.i18n import t
from deskapp.screens.queue import QueueScreen
from deskapp.screens.textual_private import FooterKey
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.services.desk import Desk


def _keys(app) -> list[tuple[str, str]]:
    footer = app.screen.query_one(DeskFooter)
    return [(key.key, key.description) for key in footer.query(FooterKey)]


def _widget_ids(app) -> set[int]:
    return {id(key) for key in app.screen.query_one(DeskFooter).query(FooterKey)}


@pytest.mark.ui
async def test_focus_moving_inside_a_screen_does_not_rebuild_the_footer(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        shown, widgets = _keys(app), _widget_ids(app)
        assert ("ctrl+s", t("key.save")) in shown
        await pilot.press("tab", "tab")  # name → phone → service number: the same keys
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "service_number"
        assert _keys(app) == shown
        assert _widget_ids(app) == widgets  # the same key widgets: nothing rebuilt


@pytest.mark.ui
async def test_a_changed_key_and_another_screen_show_in_the_footer(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        intake_keys = _keys(app)
        app.update_keymap({"app.switch_mode_day_close": "f12"})
        await settle(pilot)
        assert ("f12", t("day.title")) in _keys(app)
        assert ("f9", t("day.title")) not in _keys(app)

        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        queue_keys = _keys(app)
        # The queue's own keys, Enter among them although the focused table has an Enter too.
        assert ("enter", t("key.detail")) in queue_keys
        assert ("ctrl+s", t("key.save")) not in queue_keys

        await pilot.press("f2")
        await settle(pilot)
        back = _keys(app)
        assert set(back) == set(intake_keys) - {("f9", t("day.title"))} | {("f12", t("day.title"))}


@pytest.mark.ui
async def test_f6_and_f7_switch_screens_from_the_content_field(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        app.screen.query_one("#content").focus()
        await settle(pilot)
        # The footer keeps both keys while the cursor is in the text (a TextArea hid them).
        assert {("f6", t("reports.title")), ("f7", t("opinion.title"))} <= set(_keys(app))
        await pilot.press("f7")
        await settle(pilot)
        assert type(app.screen).__name__ == "OpinionBookScreen"
