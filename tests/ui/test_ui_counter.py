"""Issue 20, the handler's minute at the counter: one decision of how a ticket's clock is
shown (paused on F5 as in F4), focus where the handler expects it, the handover and the
recusal hand-off visible when it matters. The hand-off itself is in test_ui_intake.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from followup_helpers import complaint, make_app, take
from ui_helpers import WIDE, screen_text, settle, sign_in

from deskapp.clock import FrozenClock
from deskapp.services import followup
from deskapp.services.desk import Actor, Desk
from screens.detail import DetailScreen
from screens.shift import ShiftScreen

pytestmark = pytest.mark.ui


def _paused_ticket(desk: Desk, handler: Actor, clock: FrozenClock) -> str:
    """A ticket left overdue for 9 days, then paused at the customer's request for two: the
    pause holds its clocks, yet the deadline it holds back is still behind "now" (F4 has
    always shown it as paused; F5 said "⚠ 超时 9天")."""
    cid = take(desk, handler, "周女士", "13700002222")
    followup.dispatch(desk, handler, cid, department="network", note="请核查")
    clock.advance(timedelta(days=9))
    followup.log_contact(desk, handler, cid, reached=True, note="客户出差")
    until = (desk.clock.now() + timedelta(days=2)).astimezone(desk.tz)
    followup.pause_clocks(desk, handler, cid, until=until.strftime("%Y-%m-%d %H:%M"),
                          reason="customer_request", note="客户要求后天再联系")  # fmt: skip
    stored = complaint(desk, cid)
    assert stored.paused_until is not None and stored.paused_until > desk.clock.now()
    assert stored.next_due_at is not None and stored.next_due_at < desk.clock.now()
    return cid


async def test_a_paused_ticket_shows_as_paused_on_f5_and_in_its_detail(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    cid = _paused_ticket(desk, actors["1001"], clock)
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        items = " ".join(str(s.render()) for s in app.screen.query(".item-line"))
        assert "‖ 暂停至" in items and "超时" not in items, items
        app.screen.app.push_screen(DetailScreen(cid))
        await settle(pilot)
        shown = screen_text(app)
        assert "‖ 暂停至" in shown and "⚠" not in shown
