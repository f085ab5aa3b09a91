"""Taking a complaint with the keyboard only, and every refusal of the intake form.

Each refusal test checks both halves of the promise: the reason is shown in words under the
field concerned, and nothing was written to the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from textual.widgets import Input, TextArea
from ui_helpers import (
    all_complaints,
    assert_error_next_to,
    build_app,
    choose,
    count_complaints,
    drafts_in,
    error_of,
    focus_by_tab,
    settle,
    sign_in,
    type_complaint,
    type_text,
)

from deskapp.i18n import t
from deskapp.screens.app import DeskApp
from deskapp.screens.intake import DRAFT_DELAY, IntakeScreen
from deskapp.screens.signin import SignInScreen
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.screens.widgets.hand_off import DiscardHandOffScreen, HandOffScreen
from deskapp.services.desk import Actor, Desk
from deskapp.services.search import search
from deskapp.store.models import Complaint, Refund

pytestmark = pytest.mark.ui

SIZE = (100, 30)


def refunds_in(desk: Desk) -> list[Refund]:
    with desk.read() as session:
        return list(session.scalars(sa.select(Refund)))


def nothing_written(desk: Desk) -> bool:
    return count_complaints(desk) == 0 and not refunds_in(desk)


async def test_type_a_whole_complaint_and_save_with_ctrl_s(
    app: DeskApp, desk: Desk, actors: dict[str, Actor]
) -> None:
    expected_cause = desk.refdata.causes.find("信号", limit=2)[1]
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await type_text(pilot, "李建国")
        await pilot.press("tab")
        await type_text(pilot, "138 1234 1234")
        await pilot.press("tab")
        await type_text(pilot, "0755-23456789")
        await pilot.press("tab")
        await type_text(pilot, "家里客厅和卧室没有信号,\n打电话要跑到阳台。")
        await pilot.press("tab")
        await type_text(pilot, "尽快解决室内信号")
        await pilot.press("tab")
        await type_text(pilot, "信号")  # Chinese; ↓ into the matches, ↓ to the second, Enter
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        assert app.focused is not None and app.focused.id == "channel"
        await choose(pilot, "channel", "10")  # 10086下单
        await focus_by_tab(pilot, "promised_reply_at")
        await type_text(pilot, "2026-11-25 16:30")
        await settle(pilot)
        assert not error_of(app, "promised_reply_at")

        await pilot.press("ctrl+s")
        await settle(pilot)

        # The form is cleared for the next customer and the ticket number is announced.
        assert app.screen.query_one("#customer_name", Input).value == ""
        assert app.focused is not None and app.focused.id == "customer_name"
        [saved] = all_complaints(desk)
        announced = t("intake.saved_open", ticket=saved.ticket_no)
        assert any(n.message == announced for n in notifications(app))

    assert saved.ticket_no == "GZ01-T01-20261124-0001"
    assert saved.customer_name == "李建国"
    assert saved.contact_phone == "13812341234"
    assert saved.phone_last4 == "1234"
    assert saved.service_number == "0755-23456789"
    assert saved.content == "家里客厅和卧室没有信号,\n打电话要跑到阳台。"
    assert saved.demand == "尽快解决室内信号"
    assert saved.cause_code == expected_cause.code
    assert saved.channel == "hotline"
    assert saved.severity == "general"
    assert saved.status == "open" and not saved.solved_on_spot
    # 16:30 in Shanghai is 08:30 UTC.
    assert saved.promised_reply_at == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    assert saved.first_responder_id == saved.owner_id == actors["1001"].id
    # The same record through the search service, as the search screen reads it.
    page = search(desk, "1234")
    assert [row.ticket_no for row in page.rows] == [saved.ticket_no]
    assert not drafts_in(desk)  # a saved form leaves no draft behind


async def test_solved_on_spot_with_outcome_and_satisfaction(app: DeskApp, desk: Desk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, cause="xh", promise=None)
        await focus_by_tab(pilot, "solved_on_spot")
        await pilot.press("space")
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "outcome"  # the promise is hidden
        await type_text(pilot, "开通VoLTE")
        await choose(pilot, "satisfaction", "满")
        await pilot.press("ctrl+s")
        await settle(pilot)
    [saved] = all_complaints(desk)
    assert saved.solved_on_spot and saved.status == "closed"
    assert saved.outcome == "开通VoLTE"
    assert saved.satisfaction == "satisfied"
    assert saved.promised_reply_at is None


async def test_missing_outcome_when_solved_on_spot_is_refused(app: DeskApp, desk: Desk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, promise=None)
        await focus_by_tab(pilot, "solved_on_spot")
        await pilot.press("space")
        await choose(pilot, "satisfaction", "满")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_error_next_to(app, "outcome", "outcome", t("error.required"))
        assert app.focused is not None and app.focused.id == "outcome"  # taken to the problem
        assert t("intake.errors_count", count=1) in str(
            app.screen.query_one("#form-summary").render()
        )
        assert nothing_written(desk)


async def _type_recused_complaint(pilot) -> None:
    """张敏 (1001) takes a complaint about herself and is refused (当事人回避)."""
    await sign_in(pilot, "1001", "1111")
    await type_complaint(pilot, name="周红", content="张敏态度差", demand="道歉")
    await choose(pilot, "accused_staff", "1001")  # 张敏 herself


async def _hand_off(pilot) -> None:
    await pilot.press("ctrl+t")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)  # asked first
    await pilot.press("y")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SignInScreen)


async def test_recusal_refused_then_handed_to_a_colleague(
    app: DeskApp, desk: Desk, actors: dict[str, Actor]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _type_recused_complaint(pilot)
        # Refused as soon as it is picked, and again on Ctrl+S.
        assert_error_next_to(app, "accused_staff", "accused_staff", "当事人回避")
        notice = str(app.screen.query_one("#recusal-notice").render())
        assert "Ctrl+T" in notice and "当事人回避" not in notice  # its point said once
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_error_next_to(app, "accused_staff", "accused_staff", "当事人回避")
        assert nothing_written(desk)

        # Ctrl+T asks, then leaves the form for a colleague and signs out.
        await _hand_off(pilot)
        assert app.actor is None
        assert nothing_written(desk)

        await sign_in(pilot, "1002", "2222")
        # Said as a hand-off under recusal, by whom: not the generic "draft found".
        assert isinstance(app.screen, HandOffScreen)
        body = str(app.screen.query_one("#handoff-body").render())
        assert "当事人回避" in body and "张敏" in body and "1001" in body and "周红" in body
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one("#customer_name", Input).value == "周红"
        assert app.screen.query_one("#content", TextArea).text == "张敏态度差"
        assert not error_of(app, "accused_staff")  # 刘洋 may take it
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, HandOffScreen)  # nothing left to offer

    [saved] = all_complaints(desk)
    assert saved.customer_name == "周红"
    assert saved.accused_staff_id == actors["1001"].id
    assert saved.first_responder_id == actors["1002"].id
    assert not drafts_in(desk)


async def test_ctrl_t_asks_before_signing_out(app: DeskApp, desk: Desk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _type_recused_complaint(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen) and app.actor is not None
        assert app.screen.query_one("#customer_name", Input).value == "周红"


async def test_a_hand_off_is_not_discarded_without_a_second_confirmation(
    make_app: Callable[[], DeskApp], desk: Desk
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _type_recused_complaint(pilot)
        await _hand_off(pilot)
        await sign_in(pilot, "1002", "2222")
        assert isinstance(app.screen, HandOffScreen)
        await pilot.press("n", "d", "y")  # letters typed ahead: none of them answers it
        await settle(pilot)
        assert isinstance(app.screen, HandOffScreen)
        await pilot.press("ctrl+d")  # discard asks again, "keep" under the cursor
        await settle(pilot)
        assert isinstance(app.screen, DiscardHandOffScreen)
        await pilot.press("y", "d", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HandOffScreen)
        await pilot.press("escape")  # later: kept
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert [d.staff_id.split(":")[0] for d in drafts_in(desk)] == ["handoff"]
        assert app.screen.query_one("#customer_name", Input).value == ""

        # Signing out and in again offers it again; only Ctrl+D then Ctrl+D discards it.
        await pilot.press("f8")
        await sign_in(pilot, "1002", "2222")
        assert isinstance(app.screen, HandOffScreen)
        await pilot.press("ctrl+d")
        await settle(pilot)
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
    assert not drafts_in(desk) and count_complaints(desk) == 0


async def test_a_taken_hand_off_left_unsaved_stays_a_hand_off(
    make_app: Callable[[], DeskApp], desk: Desk
) -> None:
    """刘洋 takes it and signs out before saving: it waits for the next colleague, still
    saying that 张敏 handed it over."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _type_recused_complaint(pilot)
        await _hand_off(pilot)
        await sign_in(pilot, "1002", "2222")
        await pilot.press("enter")
        await settle(pilot)
        await focus_by_tab(pilot, "demand")
        await type_text(pilot, "书面道歉")
        await pilot.press("f8")
        await settle(pilot)
        assert [d.staff_id.split(":")[0] for d in drafts_in(desk)] == ["handoff"]
        await sign_in(pilot, "1002", "2222")
        assert isinstance(app.screen, HandOffScreen)
        assert "张敏" in str(app.screen.query_one("#handoff-body").render())
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#demand", Input).value.endswith("书面道歉")


async def test_ctrl_t_does_nothing_without_recusal(app: DeskApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_text(pilot, "李建国")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen) and app.actor is not None


async def fill_refund(pilot, charged: str, should: str, amount: str = "") -> None:
    await focus_by_tab(pilot, "refund_enabled")
    await pilot.press("space")
    await pilot.press("tab")  # the error type first, from (无): 计费不准确, a double kind
    assert pilot.app.focused.id == "refund-error_type"
    codes = list(pilot.app.desk.refdata.refund_errors)
    await pilot.press("enter", *["down"] * (codes.index("billing_inaccurate") + 1), "enter")
    await settle(pilot)
    await pilot.press("tab")
    assert pilot.app.focused.id == "refund-charged"
    await type_text(pilot, charged)
    await pilot.press("tab")
    await type_text(pilot, should)
    await pilot.press("tab")
    await type_text(pilot, amount)
    await settle(pilot)


async def test_unverified_refund_is_refused(app: DeskApp, desk: Desk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, content="多扣费", demand="退还", cause="myf")
        await fill_refund(pilot, "30", "20")
        rule = str(app.screen.query_one("#refund-rule").render())
        assert "20.00" in rule  # 2 × (30 − 20), shown before saving
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_error_next_to(app, "refund_verified", "refund-verified", "先查证后退费")
        assert nothing_written(desk)


async def test_over_compensation_needs_a_managers_approval(
    app: DeskApp, desk: Desk, actors: dict[str, Actor]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, content="多扣费", demand="退还", cause="myf")
        await fill_refund(pilot, "30", "20", "50")  # the rule gives 20.00
        await focus_by_tab(pilot, "refund-verified")
        await pilot.press("space")
        await settle(pilot)
        assert app.screen.query_one("#approval-row").display
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_error_next_to(app, "refund_approver", "refund-approver_work_no", "不允许过度赔付")
        assert_error_next_to(app, "refund_approval_reason", "refund-approval_reason", "理由")
        assert nothing_written(desk)

        # The duty manager approves at the counter with her own PIN: now it saves.
        await focus_by_tab(pilot, "refund-approver_work_no")
        await type_text(pilot, "2001")
        await pilot.press("tab")
        await type_text(pilot, "8888")
        await pilot.press("tab")
        await type_text(pilot, "多次往返")
        await pilot.press("ctrl+s")
        await settle(pilot)

    [saved] = all_complaints(desk)
    [refund] = refunds_in(desk)
    assert refund.complaint_id == saved.id
    assert (refund.amount_fen, refund.rule_amount_fen) == (5000, 2000)
    assert refund.approved_by == actors["2001"].id
    assert refund.approval_reason == "多次往返"
    assert Decimal(refund.charged_fen) / 100 == Decimal("30")


async def test_a_refusal_only_the_save_knows_stays_until_its_field_is_changed(
    app: DeskApp, desk: Desk
) -> None:
    """A wrong approver PIN is known only when the save checks it: its words stay at the
    approver's field while the handler types elsewhere (the check of every key used to wipe
    them), and go once the PIN is typed again."""
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, content="多扣费", demand="退还", cause="myf")
        await fill_refund(pilot, "30", "20", "50")
        await focus_by_tab(pilot, "refund-verified")
        await pilot.press("space")
        await focus_by_tab(pilot, "refund-approver_work_no")
        await type_text(pilot, "2001")
        await pilot.press("tab")
        await type_text(pilot, "0000")  # not her PIN
        await pilot.press("tab")
        await type_text(pilot, "多次往返")
        await pilot.press("ctrl+s")
        await settle(pilot)
        refused = str(app.screen.query_one("#error-refund_approver").render())
        assert refused and "不允许过度赔付" not in refused
        await focus_by_tab(pilot, "refund-approval_reason")
        await type_text(pilot, "两次")  # the reason, typed on: the refusal still stands
        await settle(pilot)
        assert_error_next_to(app, "refund_approver", "refund-approver_work_no", refused)
        await focus_by_tab(pilot, "refund-approver_pin")
        await pilot.press("backspace")
        await settle(pilot)
        assert refused not in error_of(app, "refund_approver")
        assert nothing_written(desk)


async def test_second_ctrl_s_makes_no_second_ticket(app: DeskApp, desk: Desk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot)
        await pilot.press("ctrl+s", "ctrl+s")  # a double press while the first is writing
        await settle(pilot)
        assert count_complaints(desk) == 1
        await pilot.press("ctrl+s")  # and again on the cleared form
        await settle(pilot)
        assert count_complaints(desk) == 1
        assert error_of(app, "customer_name")  # the blank form is refused, not saved


async def test_escape_on_a_filled_form_asks_before_discarding(app: DeskApp, desk: Desk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_text(pilot, "李建国")
        await pilot.press("tab")
        await type_text(pilot, "13812341234")
        await settle(pilot, DRAFT_DELAY + 0.2)  # the draft is written
        assert len(drafts_in(desk)) == 1

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep it
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one("#customer_name", Input).value == "李建国"

        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")  # discard it
        await settle(pilot)
        assert app.screen.query_one("#customer_name", Input).value == ""
        assert app.screen.query_one("#contact_phone", Input).value == ""
        assert not drafts_in(desk) and nothing_written(desk)

        await pilot.press("escape")  # a blank form is simply blank: no question
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)


async def test_draft_survives_a_killed_desk(
    app: DeskApp, desk: Desk, reopen_desk: Callable[[], Desk]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_text(pilot, "王秀英")
        await pilot.press("tab")
        await type_text(pilot, "13912345678")
        await focus_by_tab(pilot, "content")
        await type_text(pilot, "宽带断线。")
        await pilot.press("tab")
        await type_text(pilot, "上门检修")
        await pilot.press("tab")
        await type_text(pilot, "kd")
        await pilot.press("enter")
        await settle(pilot, DRAFT_DELAY + 0.2)  # the draft timer fires, the draft is written
    # The app is gone without saving or signing out, as when the terminal is closed.
    assert len(drafts_in(desk)) == 1

    second = build_app(reopen_desk())
    async with second.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(second.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        q = second.screen.query_one
        assert q("#customer_name", Input).value == "王秀英"
        assert q("#contact_phone", Input).value == "13912345678"
        assert q("#content", TextArea).text == "宽带断线。"
        assert q("#demand", Input).value == "上门检修"
        assert q("#cause").code == desk.refdata.causes.find("kd", limit=1)[0].code
        await focus_by_tab(pilot, "promised_reply_at")
        await type_text(pilot, "16:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
    [saved] = all_complaints(desk)
    assert saved.customer_name == "王秀英" and saved.demand == "上门检修"
    with desk.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1
    assert not drafts_in(desk)


async def test_escape_in_the_cause_picker_closes_the_matches_first(app: DeskApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_text(pilot, "李四")
        await focus_by_tab(pilot, "cause-query")
        await type_text(pilot, "xh")
        await settle(pilot)
        matches = app.screen.query_one("#cause-matches")
        assert matches.display
        await pilot.press("escape")
        await settle(pilot)
        assert not matches.display
        assert isinstance(app.screen, IntakeScreen)  # no "discard the form?" question
        assert app.focused is not None and app.focused.id == "cause-query"
        await pilot.press("escape")  # now Esc is the form's: a name is typed, so it asks
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)


async def test_external_channel_raises_the_severity(app: DeskApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await choose(pilot, "channel", "消")  # 消保委: a consumer association is 重大
        assert app.screen.query_one("#severity").value == "major"
        assert not app.screen.query_one("#field-severity_reason").display
        await choose(pilot, "severity", "一")  # below the floor: refused, whatever the reason
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_error_next_to(app, "severity", "severity", "不能低于此级别")


async def test_a_claimed_escalation_at_intake_raises_the_severity_and_starts_its_clock(
    app: DeskApp, desk: Desk
) -> None:
    """声称升级 on the intake form: the customer says they will go to the media. The severity
    rises to the floor that means (重大), the hidden-risk box is ticked, and the ticket starts
    on its hidden-risk clock (30 minutes, until the duty manager has it)."""
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot)
        await choose(pilot, "claimed_to", "媒")
        assert app.screen.query_one("#severity").value == "major"
        assert app.screen.query_one("#hidden_risk").value is True
        assert not app.screen.query_one("#field-severity_reason").display
        await pilot.press("ctrl+s")
        await settle(pilot)
    [saved] = all_complaints(desk)
    assert (saved.claimed_to, saved.hidden_risk, saved.severity) == ("media", True, "major")
    assert saved.next_clock == "hidden_risk"
    assert saved.next_due_at == datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


async def test_hidden_risk_ticked_at_intake_starts_its_clock(app: DeskApp, desk: Desk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot)
        await focus_by_tab(pilot, "hidden_risk")
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await settle(pilot)
    [saved] = all_complaints(desk)
    assert (saved.hidden_risk, saved.claimed_to, saved.severity) == (True, "", "general")
    assert saved.next_clock == "hidden_risk"


async def test_a_major_complaint_solved_on_the_spot_is_refused_in_words(
    app: DeskApp, desk: Desk
) -> None:
    """A 重大 complaint (the regulator passed it on) ticked 'solved on the spot' is not closed
    at the counter: the outcome says it must go up the chain first; nothing is written."""
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, promise=None)
        await choose(pilot, "channel", "通")  # 通管局/工信部: 重大
        await focus_by_tab(pilot, "solved_on_spot")
        await pilot.press("space")
        await pilot.press("tab")
        await type_text(pilot, "已当场解释")
        await choose(pilot, "satisfaction", "满")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_error_next_to(app, "outcome", "outcome", "不能现场结案")
        assert app.screen.query_one("#outcome", Input).value == "已当场解释"
    assert nothing_written(desk)


async def choose_refund_type(pilot, app: DeskApp, code: str) -> None:
    """Ctrl+R, then the error type chosen with the arrows from (无) (keyboard only)."""
    from textual.widgets import Select

    await pilot.press("ctrl+r")
    await settle(pilot)
    assert app.focused is not None and app.focused.id == "refund-error_type"
    assert app.screen.query_one("#refund-error_type", Select).value is Select.NULL  # (无)
    codes = list(app.desk.refdata.refund_errors)
    await pilot.press("enter", *["down"] * (codes.index(code) + 1), "enter")
    await settle(pilot)
    assert app.screen.query_one("#refund-error_type", Select).value == code


async def test_the_refund_at_intake_takes_its_error_type_and_shows_the_amount(
    app: DeskApp, desk: Desk
) -> None:
    """Issue 17: Ctrl+R opens the refund on its error type; a kind that is not one of the six
    refunds the difference (30 − 20 = 10.00), shown before saving, and that is what is stored."""
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, content="优惠未生效多扣费", demand="退还", cause="myf")
        await choose_refund_type(pilot, app, "promotion_not_applied")
        await pilot.press("tab")
        await type_text(pilot, "30")
        await pilot.press("tab")
        await type_text(pilot, "20")
        await settle(pilot)
        rule = str(app.screen.query_one("#refund-rule").render())
        assert "10.00" in rule and "差额" in rule  # the difference, not 2 × it
        await focus_by_tab(pilot, "refund-verified")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
    [refund] = refunds_in(desk)
    assert (refund.error_type, refund.amount_fen, refund.rule_amount_fen) == (
        "promotion_not_applied", 1000, 1000)  # fmt: skip


async def test_the_refund_at_intake_needs_its_error_type_chosen(app: DeskApp, desk: Desk) -> None:
    """Issue 17 (attacker): no default type (it doubled by mistake): Ctrl+R starts at (无) and
    saving without a choice is refused at the field, nothing written, the amounts kept."""
    from textual.widgets import Select

    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, content="优惠未生效多扣费", demand="退还", cause="myf")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.query_one("#refund-error_type", Select).value is Select.NULL
        await pilot.press("tab")
        await type_text(pilot, "30")
        await pilot.press("tab")
        await type_text(pilot, "20")
        await focus_by_tab(pilot, "refund-verified")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert_error_next_to(app, "refund_error_type", "refund-error_type", "差错类型")
        assert app.screen.query_one("#refund-charged", Input).value == "30"
    assert nothing_written(desk)


async def test_more_than_the_difference_at_intake_asks_a_manager(app: DeskApp, desk: Desk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, content="优惠未生效多扣费", demand="退还", cause="myf")
        await choose_refund_type(pilot, app, "other")
        await pilot.press("tab")
        await type_text(pilot, "30")
        await pilot.press("tab")
        await type_text(pilot, "20")
        await pilot.press("tab")
        await type_text(pilot, "20")  # the rule gives 10.00 for this kind
        await focus_by_tab(pilot, "refund-verified")
        await pilot.press("space")
        await settle(pilot)
        assert app.screen.query_one("#approval-row").display
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_error_next_to(app, "refund_approver", "refund-approver_work_no", "不允许过度赔付")
        assert nothing_written(desk)


async def test_a_draft_discarded_while_the_store_is_held_is_deleted_once_it_is_free(
    app: DeskApp, desk: Desk, actors: dict[str, Actor]
) -> None:
    """The attack on fix22e: N to the draft while another program held the store blanked the
    form, said "the draft could not be saved" and kept the draft, offered again at the next
    sign-in. The discard is said in its own words and made once the store is free."""
    import json

    from faults import write_lock_held

    from deskapp.screens.widgets.draft_keeper import DISCARD_RETRY
    from deskapp.services.drafts import save_draft

    save_draft(desk, actors["1001"].id, "intake",
               json.dumps({"customer_name": "王秀英"}, ensure_ascii=False))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        with write_lock_held(desk):
            await pilot.press("n")
            await settle(pilot, 0.5)
            said = [n.message for n in notifications(app)]
            assert any("丢弃的草稿暂未删除" in m for m in said), said
            assert not any("草稿未能自动保存" in m for m in said), said
        await settle(pilot, DISCARD_RETRY + 0.5)
        assert not drafts_in(desk)
        assert app.is_running
