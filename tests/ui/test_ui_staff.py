"""员工管理 (F12) driven with keys: the hall manager adds a member (an error at its field keeps
what was typed), changes a role, deactivates, resets a PIN, unlocks a locked work number and
sees the wrong PINs; other roles neither see nor open it (key, footer, help, palette).
Snapshots at 100×30 and 80×24."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot
from ui_helpers import NARROW, WIDE, build_app, screen_text, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.screens.help import screen_keys
from deskapp.screens.staff import StaffScreen
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.services import staff as staff_service
from deskapp.services.desk import Desk
from deskapp.services.pins import verify_pin
from deskapp.services.staff import list_staff

SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])
PINS = {"1001": "1111", "1002": "2222", "2001": "8888", "3001": "9999"}


def member(desk: Desk, work_no: str):
    return next((s for s in list_staff(desk, active_only=False) if s.work_no == work_no), None)


def lock(desk: Desk, work_no: str) -> None:
    for _ in range(5):
        with pytest.raises(RuleViolation):
            staff_service.sign_in(desk, work_no, "0000")


async def open_staff(pilot: Pilot) -> None:
    await sign_in(pilot, "3001", PINS["3001"])
    await pilot.press("f12")
    await settle(pilot)
    assert isinstance(pilot.app.screen, StaffScreen)


async def to_row(pilot: Pilot, work_no: str) -> None:
    """Move the list's cursor to the member, with the arrow keys."""
    screen = pilot.app.screen
    assert isinstance(screen, StaffScreen)
    await pilot.press("home")
    for _ in range(len(screen.members)):
        if screen._selected() is not None and screen._selected().work_no == work_no:
            return
        await pilot.press("down")
    raise AssertionError(f"{work_no} not in the list")


@pytest.mark.ui
async def test_the_hall_manager_adds_a_member_with_keys(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_staff(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        await type_text(pilot, "1001")  # taken
        await pilot.press("tab")
        await type_text(pilot, "赵丽")
        await pilot.press("tab", "tab")  # the role stays 投诉处理员
        await type_text(pilot, "4321")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Refused at the field, in words; nothing typed is lost.
        assert isinstance(app.screen, ActionDialog)
        assert "工号 1001 已存在" in screen_text(app)
        assert app.screen.values()["name"] == "赵丽" and app.screen.values()["pin"] == "4321"
        assert app.focused is not None and app.focused.id == "f-work_no"
        app.focused.value = ""  # type: ignore[attr-defined]
        await type_text(pilot, "1003")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, StaffScreen)
        assert "4321" not in screen_text(app)  # the PIN was never shown
        assert "1003" in screen_text(app) and "赵丽" in screen_text(app)
    added = member(desk, "1003")
    assert added is not None and added.role == "handler"
    assert staff_service.sign_in(desk, "1003", "4321").name == "赵丽"


@pytest.mark.ui
async def test_role_deactivate_reset_and_unlock_with_keys(desk: Desk, clock: FrozenClock) -> None:
    lock(desk, "1001")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_staff(pilot)
        text = screen_text(app)
        assert "锁定至" in text and "PIN错误" in text  # the lock and the wrong PINs are seen

        await to_row(pilot, "1001")
        await pilot.press("ctrl+u")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "锁定至" not in screen_text(app)

        await to_row(pilot, "1002")
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("enter")
        await type_text(pilot, "值")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)

        await to_row(pilot, "1002")
        await pilot.press("ctrl+k")
        await settle(pilot)
        await type_text(pilot, "135790")
        await pilot.press("ctrl+s")
        await settle(pilot)

        await to_row(pilot, "1002")
        await pilot.press("ctrl+d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "停用" in screen_text(app)

        await to_row(pilot, "3001")  # the last hall manager: refused in words, kept
        await pilot.press("ctrl+d", "y")
        await settle(pilot)
        assert "最后一位在岗的厅经理" in " ".join(n.message for n in notifications(app))
    assert staff_service.sign_in(desk, "1001", PINS["1001"]).work_no == "1001"
    changed = member(desk, "1002")
    assert changed.role == "duty_manager" and not changed.active
    assert verify_pin("135790", changed.pin_hash)
    assert member(desk, "3001").active


@pytest.mark.ui
@pytest.mark.parametrize("work_no", ["1001", "2001"])
async def test_other_roles_neither_see_nor_open_the_staff_screen(desk: Desk, work_no: str) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, work_no, PINS[work_no])
        before = type(app.screen)
        await pilot.press("f12")
        await settle(pilot)
        assert type(app.screen) is before and not isinstance(app.screen, StaffScreen)
        assert "员工管理" not in [d for _, d in screen_keys(app, app.screen)]  # help, palette
        assert "员工管理" not in screen_text(app)  # footer
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "员工")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, StaffScreen)


@pytest.mark.ui
async def test_the_hall_manager_opens_it_from_the_palette(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "3001", PINS["3001"])
        assert "员工管理" in [d for _, d in screen_keys(app, app.screen)]
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "员工管理")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StaffScreen)


@pytest.mark.snapshot
class TestStaffSnapshots:
    @SIZES
    def test_staff_screen(
        self, snap_compare, desk: Desk, clock: FrozenClock, size: tuple[int, int]
    ) -> None:
        lock(desk, "1002")
        clock.advance(timedelta(minutes=1))

        async def staff(pilot: Pilot) -> None:
            await open_staff(pilot)

        assert snap_compare(build_app(desk), terminal_size=size, run_before=staff)

    @SIZES
    def test_add_dialog(self, snap_compare, desk: Desk, size: tuple[int, int]) -> None:
        async def adding(pilot: Pilot) -> None:
            await open_staff(pilot)
            await pilot.press("ctrl+n")
            await settle(pilot)

        assert snap_compare(build_app(desk), terminal_size=size, run_before=adding)
