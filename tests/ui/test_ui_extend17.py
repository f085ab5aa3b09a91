"""Issue 17's deadline extension (延期申请) on screen: the handler asks from the follow-up queue
(F4, q) with keys only, a new time not later than the deadline refused in words under its
field and everything typed kept; the duty manager decides (s) with their own PIN, a handler's
PIN refused in words under the approver's field, nothing written but the audit; approved, the
queue and the ticket show the new deadline. Snapshots of both dialogs at 100×30 and 80×24.

Tickets are set up through the services at the frozen clock (Tue 2026-11-24 10:00): a walk-in
ticket's progress contact is due at 15:15, its whole resolution Fri 11-27 10:00."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from followup_helpers import complaint, dialog, error_under, make_app, open_queue, take
from textual.pilot import Pilot
from textual.widgets import Static
from ui_helpers import NARROW, WIDE, build_app, settle, type_text

from deskapp.i18n import t
from deskapp.screens.queue import QueueScreen
from deskapp.screens.textual_private import notifications
from deskapp.services import followup
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.extensions import extension_choices
from deskapp.store.models import DeadlineExtension, ExtensionApproval

pytestmark = pytest.mark.ui
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])
TZ = ZoneInfo("Asia/Shanghai")


def extensions(desk: Desk) -> list[DeadlineExtension]:
    with desk.read() as session:
        return list(session.scalars(sa.select(DeadlineExtension).order_by(DeadlineExtension.id)))


def attempts(desk: Desk) -> list[str]:
    with desk.read() as session:
        return list(session.scalars(sa.select(ExtensionApproval.outcome)))


async def submit(pilot: Pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


async def fill_request(pilot: Pilot, new_due: str) -> None:
    """q: the whole-resolution clock (处理完结(一般), down the list), the new time, the reason."""
    app = pilot.app
    cid = app.screen.rows[0].id  # type: ignore[attr-defined]
    keys = [c.key for c in extension_choices(app.desk, cid)]  # type: ignore[attr-defined]
    await pilot.press("q")
    await settle(pilot)
    await pilot.press("enter", *["down"] * keys.index("resolution_general"), "enter")
    await pilot.press("tab")
    await type_text(pilot, new_due)
    await pilot.press("tab")
    await type_text(pilot, "等待网络部更换天线")


def ask(desk: Desk, actor: Actor, cid: str) -> None:
    followup.request_extension(desk, actor, cid, clock="resolution_general",
                               new_due="2026-11-30 17:00", reason="等待网络部更换天线")  # fmt: skip


async def test_a_request_from_the_queue_with_keys(desk: Desk, actors: dict[str, Actor]) -> None:
    cid = take(desk, actors["1001"], "郑先生", "13500003001")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        await fill_request(pilot, "11-26 10:00")  # before Fri 10:00: refused at the field
        await submit(pilot)
        assert t("error.extension.not_later") in error_under(app, "new_due")
        assert extensions(desk) == []
        box = dialog(app)
        assert box.values()["reason"] == "等待网络部更换天线"  # nothing typed is lost
        # the new time's own hint, not the reply promise's
        assert box.query_one("#f-new_due").placeholder.startswith("延至")  # type: ignore[attr-defined]
        box.query_one("#f-new_due").value = "11-30 17:00"  # type: ignore[attr-defined]
        await submit(pilot)
        assert isinstance(app.screen, QueueScreen), "the dialog stayed open"
        (ext,) = extensions(desk)
        assert (ext.clock, ext.status) == ("resolution_general", "pending")
        assert ext.new_due_at == datetime(2026, 11, 30, 17, 0, tzinfo=TZ)
        # the queue marks the ticket: a request waits
        line = str(app.screen.query_one("#queue-row", Static).render())
        assert t("extension.queue_pending") in line
        assert complaint(desk, cid).status == "open"


async def test_a_ticket_with_nothing_to_extend_is_refused_at_once(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """A closed ticket (in the queue for its return visit) runs no clock that may be extended:
    q says so in words at once, no dialog with an empty choice, nothing written."""
    me = actors["1001"]
    cid = take(desk, me, "郑先生", "13500003001")
    followup.close(desk, me, cid, outcome="已恢复信号", satisfaction="satisfied",
                   facts=closing_facts(desk, cid))  # fmt: skip
    assert extension_choices(desk, cid) == []
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen), "a dialog opened"
        said = [n.message for n in notifications(app)]
        assert "这张工单没有可以延期的时限" in said
    assert extensions(desk) == []


async def test_the_decision_refuses_a_handlers_pin_then_a_manager_approves(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = take(desk, me, "郑先生", "13500003001")
    followup.log_contact(desk, me, cid, reached=True, note="已告知",
                         promise="2026-11-30 18:00")  # fmt: skip
    ask(desk, me, cid)
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("tab", "tab")  # the request and 批准 are chosen: to the approver
        await type_text(pilot, "1001")
        await pilot.press("tab")
        await type_text(pilot, "1111")
        await submit(pilot)
        assert t("error.approval.not_manager") in error_under(app, "approver")
        assert [e.status for e in extensions(desk)] == ["pending"] and attempts(desk) == [
            "not_manager"]  # fmt: skip
        assert "1111" not in str(app.screen.query("*").nodes)  # never the PIN in words
        box = dialog(app)
        box.query_one("#f-approver").value = "2001"  # type: ignore[attr-defined]
        box.query_one("#f-approver_pin").value = "8888"  # type: ignore[attr-defined]
        await submit(pilot)
        assert isinstance(app.screen, QueueScreen)
        (ext,) = extensions(desk)
        assert (ext.status, ext.decided_by) == ("approved", actors["2001"].id)
        assert sorted(attempts(desk)) == ["approved", "not_manager"]
        # the ticket's detail: the original deadline, the extension and who approved
        await pilot.press("enter")
        await settle(pilot)
        shown = str(app.screen.query_one("#extensions", Static).render())
        assert "2026-11-27 10:00" in shown and "2026-11-30 17:00" in shown and "王芳" in shown


async def request_dialog(pilot: Pilot) -> None:
    await open_queue(pilot)
    await fill_request(pilot, "11-26 10:00")
    await submit(pilot)  # not later than the deadline: said under the field


async def decision_dialog(pilot: Pilot) -> None:
    await open_queue(pilot)
    await pilot.press("s")
    await settle(pilot)
    await pilot.press("tab", "tab")
    await type_text(pilot, "1001")
    await pilot.press("tab")
    await type_text(pilot, "1111")
    await submit(pilot)  # the requester's own (a handler's) PIN: said under the approver


class TestExtensionDialogSnapshots:
    @SIZES
    def test_request_dialog(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], size: tuple[int, int]
    ) -> None:
        take(desk, actors["1001"], "郑先生", "13500003001")
        assert snap_compare(build_app(desk), terminal_size=size, run_before=request_dialog)

    @SIZES
    def test_decision_dialog(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], size: tuple[int, int]
    ) -> None:
        cid = take(desk, actors["1001"], "郑先生", "13500003001")
        ask(desk, actors["1001"], cid)
        assert snap_compare(build_app(desk), terminal_size=size, run_before=decision_dialog)
