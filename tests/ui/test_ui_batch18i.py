"""batch18i's findings, driven by keys: a batch close with a 3,000-character outcome refused in
the dialog at the field before anything is stored, and a stored outcome no ticket took offered
to be corrected; dialog check boxes that show whether they are ticked; the case library's
manager keys said to a handler."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from textual.widgets import DataTable, TextArea
from ui_helpers import WIDE, build_app, error_of, paste_text, pick_in_list, settle, sign_in

from deskapp.domain.timefmt import format_local
from deskapp.services.batches import BatchForm, link_to_batch, open_batch
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.models import BatchIncident, Complaint

pytestmark = pytest.mark.ui

LONG = "基站已恢复" * 600  # 3,000 characters, as the tester pasted


def _outage(desk: Desk, actors: dict[str, Actor], tickets: int = 2) -> BatchIncident:
    batch = open_batch(
        desk, actors["2001"], BatchForm(title="城东基站停电", cause_code="NET.OUTAGE")
    )
    tomorrow = format_local(desk.clock.now() + timedelta(days=1), desk.tz)
    for i in range(tickets):
        form = IntakeForm(customer_name="李女士", contact_phone=f"1381234{i:04d}",
                          content="家里突然没有信号", demand="尽快恢复",
                          cause_code="NET.OUTAGE.AREA", promised_reply_at=tomorrow)  # fmt: skip
        link_to_batch(desk, actors["1002"], take_complaint(desk, actors["1002"], form).id, batch.id)
    return batch


async def _close_dialog(app: Any, pilot: Any, batch: BatchIncident) -> None:
    await sign_in(pilot, "2001", "8888")
    await pilot.press("f11")
    await settle(pilot)
    screen = app.screen
    table = screen.query_one("#batch-table", DataTable)
    table.move_cursor(row=[v.batch.id for v in screen.views].index(batch.id))
    await pilot.press("enter")
    await settle(pilot)


async def _department(pilot: Any, app: Any) -> None:
    app.screen.query_one("#f-responsible_kind").focus()
    await pick_in_list(pilot, "down")  # a department
    await pilot.press("tab", "enter", "down", "enter")  # the first department


def _stored(desk: Desk, batch_id: str) -> tuple[BatchIncident, set[str]]:
    with desk.read() as s:
        batch = s.get(BatchIncident, batch_id)
        statuses = set(s.scalars(sa.select(Complaint.status).where(Complaint.batch_id == batch_id)))
    assert batch is not None
    return batch, statuses


async def test_a_3000_character_outcome_is_refused_at_the_field_and_nothing_is_stored(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """batch18i A: the dialog closed, the 3,000 characters were stored on the batch and every
    later close was refused for them. Now said at the field, the dialog stays with the text,
    nothing stored; shortened, the close goes through."""
    batch = _outage(desk, actors)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _close_dialog(app, pilot, batch)
        area = app.screen.query_one("#f-outcome", TextArea)
        area.focus()
        await paste_text(pilot, LONG)
        await _department(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "太长:3000 字,最多 2000 字" in error_of(app, "outcome")
        assert app.screen.query_one("#f-outcome", TextArea).text == LONG  # nothing lost
        stored, statuses = _stored(desk, batch.id)
        assert (stored.outcome, stored.party, stored.status) == ("", "", "open")
        app.screen.query_one("#f-outcome", TextArea).load_text("基站已恢复供电")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await settle(pilot)
    stored, statuses = _stored(desk, batch.id)
    assert (stored.outcome, stored.status, statuses) == ("基站已恢复供电", "closed", {"closed"})


async def test_a_stored_outcome_no_ticket_took_is_offered_in_its_field_to_be_corrected(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """batch18i A: an outcome stored by the close the old check let through (3,000
    characters, no ticket closed) was shown as 已定,沿用 with no field, and refused forever.
    No ticket took it: the dialog offers it and the party in their fields, and the corrected
    ones close the tickets."""
    batch = _outage(desk, actors)
    with desk.write(actors["2001"].id) as session:
        found = session.get(BatchIncident, batch.id)
        assert found is not None
        found.outcome = LONG
        found.party = ('{"responsible": "department", "department": "network", "staff": "",'
                       ' "note": "", "finding": ""}')  # fmt: skip
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _close_dialog(app, pilot, batch)
        area = app.screen.query_one("#f-outcome", TextArea)
        assert area.text == LONG  # offered, as stored
        assert app.screen.query_one("#f-responsible_department").value == "network"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "太长:3000 字" in error_of(app, "outcome")
        area.load_text("基站已恢复")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await settle(pilot)
    stored, statuses = _stored(desk, batch.id)
    assert (stored.outcome, stored.status, statuses) == ("基站已恢复", "closed", {"closed"})


async def test_a_dialog_check_box_shows_whether_it_is_ticked(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """batch18i C: the new-batch dialog's 营销案预案 showed ▐X▌ unticked (and was saved
    campaign=0), as every dialog's check box did: Textual's draws X either way. Every form's
    check box is field_widget's Check now: ▐ ▌ unticked, ▐✓▌ ticked, as at intake."""
    from textual.widgets import Checkbox

    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f11")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        box = app.screen.query_one("#f-campaign", Checkbox)
        unticked = str(box.render())
        assert "▐ ▌" in unticked and "X" not in unticked
        box.focus()
        await pilot.press("space")
        await settle(pilot)
        assert box.value is True
        ticked = str(box.render())
        assert "▐✓▌" in ticked and ticked != unticked


@pytest.mark.parametrize(("key", "action"), [("ctrl+e", "导出案例"), ("ctrl+d", "撤销案例"),
                                             ("e", "修改案例")])  # fmt: skip
async def test_a_handler_pressing_a_managers_key_in_the_case_library_is_told_whose_it_is(
    desk: Desk, actors: dict[str, Actor], key: str, action: str
) -> None:
    """batch18i D: Ctrl+E, Ctrl+D and E in the case library (Ctrl+\\) did nothing for a
    handler, where F10 and F11 say whose they are. Said the same way (DeskApp.run_action,
    the screen's ROLE_ACTIONS); nothing opened, the case still in the library."""
    from deskapp.screens.cases import CasesScreen
    from deskapp.screens.textual_private import notifications
    from deskapp.services import followup
    from deskapp.services.cases import find_cases, mark_case
    from deskapp.services.demo import closing_facts

    ticket = take_complaint(desk, actors["1001"], IntakeForm(
        customer_name="王女士", contact_phone="13700000001", content="套餐说明不清,很不满",
        demand="尽快处理", cause_code="TARIFF.PLAN.UNCLEAR",
        promised_reply_at=format_local(desk.clock.now() + timedelta(days=1), desk.tz)))  # fmt: skip
    followup.close(desk, actors["1001"], ticket.id, outcome="已当场处理",
                   facts=closing_facts(desk, ticket.id))  # fmt: skip
    mark_case(desk, actors["2001"], ticket.id, "先讲清资费", "套餐说明不清")
    app = build_app(desk)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await sign_in(pilot)  # 1001, a handler
        await pilot.press("ctrl+backslash")
        await settle(pilot)
        library = app.screen
        assert isinstance(library, CasesScreen)
        library.query_one("#cases-table").focus()
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        assert app.screen is library  # no dialog, no question
        told = " ".join(str(n.message) for n in notifications(app))
        assert f"{action}只有值班经理、厅经理能操作" in told, told
        assert "当前登录的是投诉处理员" in told, told
    assert len(find_cases(desk)) == 1
