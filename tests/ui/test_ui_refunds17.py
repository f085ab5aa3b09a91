"""Issue 17 on screen: a refund recorded from the follow-up queue (F4, key y) when the
verification comes back, with keys only; beyond the rule a duty manager approving their own
refund is refused in words under the approver's field, nothing written, everything typed kept;
the refund paid (n) and the customer told (l); closing is refused while it is unpaid. Snapshots
of the refund dialog at 100×30 and 80×24.

Tickets are set up through the services at the frozen clock (Tue 2026-11-24 10:00)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from followup_helpers import (
    CLOSE_FACTS_KEYS,
    complaint,
    dialog,
    drop_dialog,
    error_under,
    general_error,
    last_event,
    make_app,
    open_queue,
    take,
)
from textual.pilot import Pilot
from ui_helpers import NARROW, WIDE, build_app, pick_in_list, settle, type_text

from deskapp.i18n import t
from deskapp.screens.queue import QueueScreen
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.store.models import Refund, RefundApproval

pytestmark = pytest.mark.ui
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def refunds(desk: Desk) -> list[Refund]:
    with desk.read() as session:
        return list(session.scalars(sa.select(Refund).order_by(Refund.id)))


def approvals(desk: Desk) -> list[str]:
    with desk.read() as session:
        return list(session.scalars(sa.select(RefundApproval.outcome)))


async def submit(pilot: Pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


async def fill_refund(pilot: Pilot, amount: str = "") -> None:
    """The refund dialog with keys: 话单错误, charged 30, should 20, the verified box, who
    verified it; `amount` typed when given (empty: by the rule)."""
    await pilot.press("y")
    await settle(pilot)
    await pick_in_list(pilot, "down")  # (无) → the first error type: 话单错误
    await pilot.press("tab")
    await type_text(pilot, "30")
    await pilot.press("tab")
    await type_text(pilot, "20")
    await pilot.press("tab")
    await type_text(pilot, amount)
    await pilot.press("tab", "tab", "space", "tab")  # past the method (账户充值), tick verified
    await type_text(pilot, "计费中心李工核实话单多计")


async def test_a_refund_from_the_queue_paid_told_then_closed(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    cid = take(desk, actors["1001"], "王先生", "13912345678")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        await fill_refund(pilot)
        await submit(pilot)
        assert isinstance(app.screen, QueueScreen), "the dialog stayed open"
        (refund,) = refunds(desk)
        # 话单错误 is a double kind: 2 × (30 − 20) = 20.00 yuan
        assert (refund.error_type, refund.amount_fen, refund.paid_at) == ("call_record", 2000,
                                                                           None)  # fmt: skip
        assert last_event(desk, cid)[0] == "refund"

        await pilot.press("x")  # closing while the refund is unpaid: refused in words
        await settle(pilot)
        await type_text(pilot, "已退费")
        await submit(pilot)
        assert t("error.refund.unpaid", count=1) in general_error(app)
        assert complaint(desk, cid).status == "open"
        await drop_dialog(pilot)  # typed: Esc asks, Y drops it

        await pilot.press("n")  # paid: the one refund, by account credit, its number
        await settle(pilot)
        # the refund is named as what it is: 话单错误 here, whatever its rule (not 双倍返还)
        labels = [str(w.render()) for w in app.screen.query("Field > Label")]
        assert "退费" in labels and not [x for x in labels if "双倍" in x], labels
        await pick_in_list(pilot, "down")
        await pilot.press("tab", "tab")
        await type_text(pilot, "CZ20261124001")
        await submit(pilot)
        (refund,) = refunds(desk)
        assert (refund.method, refund.paid_ref) == ("account_credit", "CZ20261124001")

        await pilot.press("l")  # the customer told
        await settle(pilot)
        await pick_in_list(pilot, "down")
        await pilot.press("tab")
        await type_text(pilot, "已电话告知客户退费20元到账")
        await submit(pilot)
        (refund,) = refunds(desk)
        assert refund.told_at is not None

        await pilot.press("x")
        await settle(pilot)
        await type_text(pilot, "已退费并告知客户")
        await pilot.press(*CLOSE_FACTS_KEYS)
        await submit(pilot)
        assert complaint(desk, cid).status == "closed"


async def test_a_duty_manager_approving_their_own_refund_is_refused_in_words(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    take(desk, actors["2001"], "李女士", "13600001111")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot, "2001", "8888")
        while not app.screen.rows:  # type: ignore[attr-defined]  # a manager opens on 督办
            await pilot.press("ctrl+r")  # to their own tickets
            await settle(pilot)
        await fill_refund(pilot, amount="50")  # beyond the rule's 20.00
        await pilot.press("tab")
        await type_text(pilot, "2001")
        await pilot.press("tab")
        await type_text(pilot, "8888")
        await pilot.press("tab")
        await type_text(pilot, "客户多次往返")
        await submit(pilot)
        box = dialog(app)
        assert t("error.refund.self_approval") in error_under(app, "refund_approver")
        assert refunds(desk) == [] and approvals(desk) == ["self"]  # refused, audited
        typed = box.values()
        assert (typed["refund_amount"], typed["refund_approval_reason"]) == ("50", "客户多次往返")
        assert "8888" not in str(app.screen.query("*").nodes)  # never the PIN in words

        # the hall manager approves instead: the same dialog saves
        box.query_one("#f-refund_approver").value = "3001"  # type: ignore[attr-defined]
        box.query_one("#f-refund_approver_pin").value = "9999"  # type: ignore[attr-defined]
        await submit(pilot)
        assert isinstance(app.screen, QueueScreen)
        (refund,) = refunds(desk)
        assert (refund.amount_fen, refund.approved_by) == (5000, actors["3001"].id)
        assert sorted(approvals(desk)) == ["approved", "self"]


async def refund_dialog(pilot: Pilot) -> None:
    await open_queue(pilot)
    await fill_refund(pilot, amount="50")
    await submit(pilot)  # beyond the rule, no approver: the errors under their fields


class TestRefundDialogSnapshots:
    @SIZES
    def test_refund_dialog_errors(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], size: tuple[int, int]
    ) -> None:
        take(desk, actors["1001"], "王先生", "13912345678")
        assert snap_compare(build_app(desk), terminal_size=size, run_before=refund_dialog)


async def test_a_return_visit_with_its_attempts_and_questions(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """回访 (issue 17) with keys: 满意, the unreached attempts, the three questions, the
    suggestion."""
    import json

    from deskapp.services import followup

    me = actors["1001"]
    cid = take(desk, me, "赵女士", "13700003333")
    followup.close(desk, me, cid, outcome="已调整基站天线", facts=closing_facts(desk, cid))
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pick_in_list(pilot, "down")  # (无) → 满意
        await pilot.press("tab", "tab", "tab")  # no score, no exception, to the note
        await type_text(pilot, "客户认可处理结果")
        await pilot.press("tab")
        await type_text(pilot, "11-24 08:40, 11-24 09:10")
        await pilot.press("tab", "enter", "down", "enter")  # attitude: 满意
        await pilot.press("tab", "enter", "down", "down", "enter")  # speed: 基本满意
        await pilot.press("tab", "enter", "down", "enter")  # result: 满意
        await pilot.press("tab")
        await type_text(pilot, "希望短信告知进度")
        await submit(pilot)
        assert isinstance(app.screen, QueueScreen), "the dialog stayed open"
        kind, note, data = last_event(desk, cid)
        assert (kind, note, data["unreachable"]) == ("visit", "客户认可处理结果", 2)
        assert data["answers"] == {"attitude": "satisfied", "speed": "basically_satisfied",
                                   "result": "satisfied"}  # fmt: skip
        assert data["suggestion"] == "希望短信告知进度"
        assert json.dumps(data)  # (stored as JSON)
