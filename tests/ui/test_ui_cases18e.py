"""Issue 18 (case18e), the case's two texts on screen, the real app driven by keys: K's dialog
has the summary (案情概述) before the lesson, Tab between them, Ctrl+S saves; personal data is
refused in words under its field, the dialog kept as typed; E in the case library edits the
case under the cursor in the same dialog (a manager's key), and Esc asks before dropping what
was typed; a stored text with personal data is marked in the library and withheld. Snapshots
of the refused dialog and of the library at 100×30 and 80×24."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from followup_helpers import error_under
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TextArea
from ui_helpers import NARROW, WIDE, build_app, screen_text, settle, sign_in, type_text

from deskapp.domain.timefmt import format_local
from deskapp.screens.cases import CasesScreen
from deskapp.screens.detail import DetailScreen
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.services import followup
from deskapp.services.cases import edit_case, find_cases, mark_case
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.models import TeachingCase

pytestmark = pytest.mark.ui
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def _closed(desk: Desk, actors: dict[str, Actor]) -> str:
    handler = actors["1001"]
    ticket = take_complaint(desk, handler, IntakeForm(
        customer_name="王女士", contact_phone="13700000001",
        content="联系人王芳反映套餐说明不清,很不满", demand="尽快处理",
        cause_code="TARIFF.PLAN.UNCLEAR",
        promised_reply_at=format_local(desk.clock.now() + timedelta(days=1), desk.tz),
    ))  # fmt: skip
    followup.close(
        desk, handler, ticket.id, outcome="已当场处理", facts=closing_facts(desk, ticket.id)
    )
    return ticket.id


async def _k(pilot: Pilot, ticket_id: str) -> ActionDialog:
    await sign_in(pilot, "2001", "8888")
    pilot.app.push_screen(DetailScreen(ticket_id))
    await settle(pilot)
    await pilot.press("k")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ActionDialog)
    return dialog


async def test_k_takes_the_summary_and_the_lesson_and_refuses_a_name_at_its_field(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    ticket_id = _closed(desk, actors)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        dialog = await _k(pilot, ticket_id)
        assert app.focused is dialog.query_one("#f-summary")  # the summary first
        assert "认不出" in screen_text(app)  # the intro says what the check cannot know
        await type_text(pilot, "客户王芳再次来电说套餐不清")
        await pilot.press("tab")
        await type_text(pilot, "先讲清资费再办理")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog  # refused: the dialog stays, as typed
        said = error_under(app, "summary")
        assert "案情概述第3字起的“王芳”像是客户的姓名" in said and "请改写" in said
        assert error_under(app, "lesson") == ""
        assert dialog.query_one("#f-summary", TextArea).text == "客户王芳再次来电说套餐不清"
        assert dialog.query_one("#f-lesson", TextArea).text == "先讲清资费再办理"
        assert app.focused is dialog.query_one("#f-summary")  # straight to what to correct
        dialog.query_one("#f-summary", TextArea).load_text("客户再次来电说套餐不清")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
    [case] = find_cases(desk)
    assert (case.summary, case.lesson) == ("客户再次来电说套餐不清", "先讲清资费再办理")


async def _library(pilot: Pilot, work_no: str = "2001", pin: str = "8888") -> None:
    await sign_in(pilot, work_no, pin)
    await pilot.press("ctrl+backslash")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CasesScreen)


async def test_e_edits_the_case_under_the_cursor_and_esc_asks_first(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    mark_case(desk, actors["2001"], _closed(desk, actors), "先讲清资费", "套餐说明不清")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _library(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog) and "修改案例" in screen_text(app)
        summary = dialog.query_one("#f-summary", TextArea)
        assert summary.text == "套餐说明不清"  # opened with what is stored
        assert dialog.query_one("#f-lesson", TextArea).text == "先讲清资费"
        await pilot.press("end")
        await type_text(pilot, ",已道歉")
        await pilot.press("escape")  # typed: asked first; N goes back with it kept
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is dialog and summary.text == "套餐说明不清,已道歉"
        await pilot.press("tab")
        await type_text(pilot, ",户主王芳")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "像是客户的姓名" in error_under(app, "lesson")
        dialog.query_one("#f-lesson", TextArea).load_text("先讲清资费再办理")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
        assert "先讲清资费再办理" in screen_text(app)
    [case] = find_cases(desk)
    assert (case.summary, case.lesson) == ("套餐说明不清,已道歉", "先讲清资费再办理")


async def test_e_is_not_a_handler_s_key(desk: Desk, actors: dict[str, Actor]) -> None:
    mark_case(desk, actors["2001"], _closed(desk, actors), "先讲清资费", "套餐说明不清")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _library(pilot, "1001", "1111")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)


async def test_a_stored_text_with_personal_data_is_marked_and_withheld(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """A case marked before the check (or synced from an older terminal)."""
    case_id = mark_case(desk, actors["2001"], _closed(desk, actors), "先讲清资费", "套餐不清").id
    with desk.write(actors["2001"].id) as session:
        stored = session.get(TeachingCase, case_id)
        assert stored is not None
        stored.summary, stored.lesson = "", "联系人王芳的事要记住"
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _library(pilot, "1001", "1111")
        shown = screen_text(app)
        assert "⚠含个人信息" in shown and "王芳" not in shown
        detail = str(app.screen.query_one("#cases-detail", Static).render())
        assert "（未写案情概述）" in detail and "（此段含疑似个人信息" in detail
        assert app.screen.query_one("#cases-table", DataTable).row_count == 1
    with desk.read() as s:
        assert s.scalars(sa.select(TeachingCase)).one().lesson == "联系人王芳的事要记住"


@SIZES
def test_snapshot_k_refused_at_the_summary(
    snap_compare, desk: Desk, actors: dict[str, Actor], size: tuple[int, int]
) -> None:
    ticket_id = _closed(desk, actors)

    async def refused(pilot: Pilot) -> None:
        dialog = await _k(pilot, ticket_id)
        dialog.query_one("#f-summary", TextArea).load_text("客户王芳再次来电说套餐不清")
        dialog.query_one("#f-lesson", TextArea).load_text("先讲清资费再办理")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=size, run_before=refused)


@pytest.mark.parametrize("already", [True, False], ids=["a_case", "still_open"])
async def test_k_refuses_a_ticket_already_a_case_or_still_open_at_once(
    desk: Desk, actors: dict[str, Actor], already: bool
) -> None:
    """case18f: said in words at once, no dialog opened, nothing to type in vain."""
    if already:
        ticket_id = _closed(desk, actors)
        mark_case(desk, actors["2001"], ticket_id, "先讲清资费再办理", "客户来厅反映套餐说明不清")
    else:
        ticket_id = take_complaint(desk, actors["1001"], IntakeForm(
            customer_name="王女士", contact_phone="13700000002", content="套餐说明不清",
            demand="尽快处理", cause_code="TARIFF.PLAN.UNCLEAR",
            promised_reply_at=format_local(desk.clock.now() + timedelta(days=1), desk.tz),
        )).id  # fmt: skip
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        app.push_screen(DetailScreen(ticket_id))
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)  # no dialog
        told = " ".join(str(n.message) for n in notifications(app))
        expected = "该投诉已列为案例" if already else "只有已结案的投诉可以列为案例"
        assert expected in told, told


async def test_e_after_another_manager_s_edit_is_refused_in_words_keeping_the_text(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """Attack on 18: the second of two managers editing one case wrote over the first."""
    case = mark_case(desk, actors["2001"], _closed(desk, actors), "先讲清资费", "套餐说明不清")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _library(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        # Another manager, at another desk on this store, changes the summary meanwhile.
        edit_case(desk, actors["3001"], case.id, "套餐说明不清,已退费", "先讲清资费")
        await pilot.press("tab", "end")
        await type_text(pilot, "再办理")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog  # refused, nothing written
        assert "已被另一位经理修改" in error_under(app, "summary")
        summary = dialog.query_one("#f-summary", TextArea)
        assert summary.text == "套餐说明不清,已退费"  # theirs taken: it was left as read
        assert dialog.query_one("#f-lesson", TextArea).text == "先讲清资费再办理"  # mine kept
        [view] = find_cases(desk)
        assert view.lesson == "先讲清资费"
        await pilot.press("ctrl+s")  # merged: saved over the version now shown
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
    [view] = find_cases(desk)
    assert (view.summary, view.lesson) == ("套餐说明不清,已退费", "先讲清资费再办理")
