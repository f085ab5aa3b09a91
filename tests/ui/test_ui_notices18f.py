"""Issue 18, the attack on it: in the first seconds after sign-in the desk's notices (a handover
waiting, extensions, deadlines, the sync) came as toasts over a question's body and buttons.
No toast lies over a question or dialog now: the notices are held beneath it, said in a line
at its foot, and shown whole once it is answered."""

from __future__ import annotations

import pytest
from followup_helpers import make_app
from test_ui_counter_fix20 import _handed_over
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from ui_helpers import NARROW, WIDE, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.screens.app import DeskApp
from deskapp.screens.intake import IntakeScreen
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.screens.widgets.held_notices import HeldNotices
from deskapp.services.desk import Actor, Desk

pytestmark = pytest.mark.ui

HANDOVER = "份交接等您接收"


def _covering(app: DeskApp, box: Widget) -> set[str]:
    """What is drawn on top anywhere in `box`'s region, other than the box and what is in it."""
    region = box.region
    found = set()
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            widget, _ = app.screen.get_widget_at(x, y)
            if widget is not box and box not in widget.ancestors:
                found.add(type(widget).__name__)
    return found


def _toasts_shown(app: DeskApp) -> str:
    return " ".join(str(toast.render()) for toast in app.screen.query("Toast"))


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])
async def test_notices_after_sign_in_never_cover_a_question(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, size: tuple[int, int]
) -> None:
    _handed_over(desk, actors, clock)
    app = make_app(desk)
    async with app.run_test(size=size, notifications=True) as pilot:
        await sign_in(pilot, "1002", "2222")
        assert HANDOVER in _toasts_shown(app)  # said at sign-in, as before
        # Two more notices of the first seconds, then a question: Esc on a typed form.
        app.notify("1 份延期申请待审批:20261207-0008(F4 待跟进中标有 ⧗ 的工单,Ctrl+R 切到"
                   "全厅,选中后按 s 审批)", severity="warning", timeout=30)  # fmt: skip
        await type_text(pilot, "王先生")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        app.notify("正在与营业厅同步…", timeout=3)  # one more while the question is open
        await settle(pilot)
        dialog = app.screen.query_one(Vertical)
        assert not _covering(app, dialog)  # the question's body and buttons all visible
        line = app.screen.query_one(HeldNotices)
        said = str(line.render())
        assert "3" in said and "正在与营业厅同步" in said  # how many, and the newest
        assert not _covering(app, line)
        assert not line.region.overlaps(dialog.region)
        told = " ".join(str(n.message) for n in notifications(app))
        assert HANDOVER in told and "延期申请" in told  # held, not lost

        await pilot.press("n")  # answered: the form kept, the notices shown whole
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        shown = _toasts_shown(app)
        assert HANDOVER in shown and "延期申请" in shown and "正在与营业厅同步" in shown
        assert not app.screen.query(HeldNotices)


async def test_a_notice_held_under_a_question_is_shown_its_time_after(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    """A notice's time does not run out beneath a question: shown after it for what it had
    left when the question came (at least 8 s)."""
    app = make_app(desk)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await sign_in(pilot)
        await type_text(pilot, "王先生")
        await pilot.press("escape")
        await settle(pilot)
        app.notify("一条通知", timeout=0.3)
        await settle(pilot, 0.5)  # longer than its time: held, not expired
        assert isinstance(app.screen, ModalScreen)
        assert any(n.message == "一条通知" for n in notifications(app))
        await pilot.press("n")
        await settle(pilot)
        shown = [n for n in notifications(app) if n.message == "一条通知"]
        assert shown and shown[0].time_left > 7
        assert "一条通知" in _toasts_shown(app)
