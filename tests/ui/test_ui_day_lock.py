"""A follow-up action on a signed-off day, with keys: the dialog asks for the duty manager's
work number, PIN and a reason besides the action's own fields; refused in words at those
fields while they are missing or wrong (nothing written, nothing typed lost); saved as a late
change once given. On a day not signed off the dialog is as before (no approval fields)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from followup_helpers import dialog, error_under, log_count, make_app, open_queue, take
from ui_helpers import WIDE, settle, type_text

from deskapp.domain.timefmt import local_day
from deskapp.screens.queue import QueueScreen
from deskapp.services.desk import Actor, Desk
from deskapp.store.models import DayClose, LateChange

pytestmark = pytest.mark.ui


def sign_off_today(desk: Desk, manager: Actor) -> None:
    terminal = desk.terminal()
    with desk.write(manager.id) as session:
        session.add(DayClose(
            day=local_day(desk.clock.now(), desk.tz).isoformat(), hall_code=terminal.hall_code,
            terminal_code=terminal.terminal_code, signed_off_by=manager.id,
            signed_off_at=desk.clock.now(),
        ))  # fmt: skip


async def test_a_contact_on_a_signed_off_day_asks_for_the_duty_managers_approval(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    cid = take(desk, actors["1001"], "王先生", "13912345678")
    sign_off_today(desk, actors["2001"])
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        await pilot.press("c")
        await settle(pilot)
        form = dialog(app)
        assert {"late_approver", "late_pin", "late_reason"} <= set(form.values())
        await pilot.press("tab")
        await type_text(pilot, "已联系客户")
        before = log_count(desk)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_under(app, "late_reason")  # the reason is asked for, in words
        app.screen.query_one("#f-late_approver").focus()
        await type_text(pilot, "2001")
        await pilot.press("tab")
        await type_text(pilot, "0000")  # a wrong PIN
        await pilot.press("tab")
        await type_text(pilot, "客户来电补充")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "PIN不正确" in error_under(app, "late_approver")
        assert log_count(desk) == before + 1  # the wrong PIN counted (signin_event), no change
        assert dialog(app).values()["note"] == "已联系客户"  # nothing typed is lost
        app.screen.query_one("#f-late_pin").value = ""  # type: ignore[attr-defined]
        app.screen.query_one("#f-late_pin").focus()
        await type_text(pilot, "8888")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with desk.read() as session:
        [late] = session.scalars(sa.select(LateChange)).all()
    assert (late.entity_id, late.reason, late.approved_by) == (
        cid, "客户来电补充", actors["2001"].id)  # fmt: skip


async def test_on_an_open_day_the_dialog_has_no_approval_fields(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    take(desk, actors["1001"], "王先生", "13912345678")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert not {"late_approver", "late_pin", "late_reason"} & set(dialog(app).values())
