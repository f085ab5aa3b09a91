"""Run by tests/ui/test_ui_english.py in a process of its own with DESKAPP_LANG=en (screens
read their key labels when imported, so the language is chosen before the first import)."""

from __future__ import annotations

from ui_helpers import WIDE, build_app, settle, sign_in

from deskapp.i18n import language


def test_english_intake(snap_compare, desk) -> None:
    assert language() == "en"

    async def intake(pilot) -> None:
        await sign_in(pilot)
        await pilot.press("ctrl+s")  # every required field says what it needs, in English
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=WIDE, run_before=intake)
