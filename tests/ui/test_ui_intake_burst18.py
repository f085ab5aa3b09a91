"""Keys arriving in one burst at intake (issue 18): a fast typist, a barcode scanner or a
terminal's one write of "zw<Tab>139<Tab>kd" sends keys quicker than the app handles them.
Every key lands in the field that is focused when it arrives: the Tabs are neither lost nor
applied late (the name was "zw139kd", or the phone took what belonged to the name).

The burst is posted as the terminal driver posts keys (`App.post_message` of each Key, no
pause between them), then the app settles."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from ui_helpers import WIDE, build_app, burst, sign_in

from deskapp.screens.intake import IntakeScreen
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui


def _value(pilot: Pilot, field: str) -> str:
    return pilot.app.screen.query_one(f"#{field}", Input).value


@pytest.mark.parametrize("repeat", [1, 3], ids=["once", "three-bursts"])
async def test_a_burst_of_keys_with_tabs_fills_each_field(desk: Desk, repeat: int) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.focused is not None and app.focused.id == "customer_name"
        for _ in range(repeat):  # (a field entered again is selected whole: typed over)
            await burst(pilot, "zw\t13918302\t983")
            assert _value(pilot, "customer_name") == "zw"
            assert _value(pilot, "contact_phone") == "13918302"
            assert _value(pilot, "service_number") == "983"
            await burst(pilot, "\x19\x19")  # back to the name, as shift+tab twice
            assert app.focused is not None and app.focused.id == "customer_name"
        assert app.is_running


async def test_chinese_characters_and_tabs_in_oneburst(desk: Desk) -> None:
    """A name of Chinese characters (as an input method commits them) then the phone."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await burst(pilot, "张伟\t13918302983")
        assert _value(pilot, "customer_name") == "张伟"
        assert _value(pilot, "contact_phone") == "13918302983"
