"""Issue 18, the case library (案例库) on screen, the real app driven by keys: opened by
Ctrl+\\ and from the palette by every role, searched by category and words, paged, the
lesson of the case under the cursor shown, the morning meeting's page exported by a manager
(Ctrl+E; not offered to a handler). Snapshots at 100×30 and 80×24."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from ui_helpers import NARROW, WIDE, build_app, screen_text, settle, sign_in, type_text

from deskapp.screens.cases import CasesScreen
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.services import followup
from deskapp.services.cases import mark_case
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint

pytestmark = pytest.mark.ui
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def _case(desk: Desk, actors: dict[str, Actor], cause: str, lesson: str, phone: str) -> None:
    from datetime import timedelta

    from deskapp.domain.timefmt import format_local

    handler = actors["1001"]
    ticket = take_complaint(desk, handler, IntakeForm(
        customer_name="王秀英", contact_phone=phone, content=f"{lesson}相关的问题,王秀英很不满",
        demand="尽快处理", cause_code=cause,
        promised_reply_at=format_local(desk.clock.now() + timedelta(days=1), desk.tz),
    ))  # fmt: skip
    followup.close(
        desk, handler, ticket.id, outcome="已当场处理", facts=closing_facts(desk, ticket.id)
    )
    mark_case(desk, actors["2001"], ticket.id, lesson, "营业厅核实后当场处理")


@pytest.fixture
def two_cases(desk: Desk, actors: dict[str, Actor]) -> Desk:
    _case(desk, actors, "TARIFF.PLAN.UNCLEAR", "先复述客户诉求再解释规则", "13700000001")
    _case(desk, actors, "HALL.WAITING.LONG", "高峰期提前增开窗口", "13700000002")
    return desk


def _rows(app) -> int:  # type: ignore[no-untyped-def]
    return app.screen.query_one("#cases-table", DataTable).row_count


async def test_a_handler_opens_the_library_searches_and_reads_the_lesson(two_cases: Desk) -> None:
    app = build_app(two_cases)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)  # a handler: handlers learn from the cases
        await pilot.press("ctrl+backslash")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen) and _rows(app) == 2
        shown = screen_text(app)
        assert (
            "高峰期提前增开窗口" in shown and "王秀英" not in shown and "13700000002" not in shown
        )
        await pilot.press("down")  # the second case's summary and lesson under the list
        await settle(pilot)
        detail = str(app.screen.query_one("#cases-detail", Static).render())
        assert "先复述客户诉求再解释规则" in detail and "王秀英" not in detail
        assert "案情概述" in detail and "渠道" in detail  # the facts, never the ticket's texts
        assert "相关的问题" not in detail
        # By category: Shift+Tab twice to the category, the list of the tree's levels.
        await pilot.press("shift+tab", "shift+tab")
        assert app.focused is not None and app.focused.id == "cases-category"
        await pilot.press("enter")
        await type_text(pilot, "营业厅")
        await pilot.press("enter")
        await settle(pilot)
        assert _rows(app) == 1 and "高峰期提前增开窗口" in screen_text(app)
        # And words: the category kept, nothing matches both.
        await pilot.press("tab")
        await type_text(pilot, "复述")
        await pilot.press("enter")
        await settle(pilot)
        assert _rows(app) == 0 and "没有符合条件的案例" in screen_text(app)
        # The meeting's page is the managers': Ctrl+E does nothing for a handler.
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert "已导出" not in screen_text(app)


async def test_the_palette_opens_the_library(two_cases: Desk) -> None:
    app = build_app(two_cases)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "案例库")
        await settle(pilot, 0.5)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)


async def test_a_manager_exports_the_morning_meeting_page(two_cases: Desk, tmp_path: Path) -> None:
    app = build_app(two_cases)
    app.export_dir = tmp_path / "exports"
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("ctrl+backslash")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        [page] = list((tmp_path / "exports").iterdir())
        text = page.read_text(encoding="utf-8")
        assert page.name.startswith("早班会案例分析") and "共 2 例" in text
        assert "高峰期提前增开窗口" in text and "先复述客户诉求再解释规则" in text
        assert "王秀英" not in text and "13700000001" not in text


async def test_a_manager_retires_the_case_under_the_cursor(two_cases: Desk) -> None:
    """fix18a: Ctrl+D takes the highlighted case out of the library (a manager's key; a
    handler is not offered it), once the manager has said Y to the question (ui18d)."""
    app = build_app(two_cases)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("ctrl+backslash")
        await settle(pilot)
        assert _rows(app) == 2
        # Asked first (issue 18): N or Esc retires nothing.
        for no in ("n", "escape"):
            await pilot.press("ctrl+d")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            assert "撤销工单" in screen_text(app) and "经验教训" in screen_text(app)
            await pilot.press(no)
            await settle(pilot)
            assert isinstance(app.screen, CasesScreen) and _rows(app) == 2
        await pilot.press("ctrl+d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert _rows(app) == 1 and "第 1–1 例" in screen_text(app)
    app = build_app(two_cases)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+backslash")
        await settle(pilot)
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert _rows(app) == 1  # a handler: nothing retired


async def test_the_list_is_paged(
    desk: Desk, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    import deskapp.screens.cases as screen

    monkeypatch.setattr(screen, "CASE_PAGE", 2)
    for i in range(3):
        _case(desk, actors, "HALL.WAITING.LONG", f"教训{i}", f"1370000001{i}")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+backslash")
        await settle(pilot)
        assert _rows(app) == 2 and "第 1–2 例" in screen_text(app)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert _rows(app) == 1 and "第 3–3 例" in screen_text(app)
        await pilot.press("ctrl+n")  # no further page: stays
        await settle(pilot)
        assert _rows(app) == 1
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert _rows(app) == 2


@SIZES
def test_snapshot_case_library(snap_compare, two_cases: Desk, size: tuple[int, int]) -> None:
    async def opened(pilot: Pilot) -> None:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("ctrl+backslash")
        await settle(pilot)

    assert snap_compare(build_app(two_cases), terminal_size=size, run_before=opened)


async def test_the_library_shows_no_account_email_or_address_and_its_search_cannot_find_them(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from datetime import timedelta

    from deskapp.domain.timefmt import format_local

    handler = actors["1001"]
    ticket = take_complaint(desk, handler, IntakeForm(
        customer_name="顾先生", contact_phone="13812345678", service_number="GZKD8812AB",
        content="宽带账号GZKD8812ab经常掉线,邮箱gu.xiansheng@example.com,住天河路88号",
        demand="尽快修好", cause_code="HALL.WAITING.LONG",
        promised_reply_at=format_local(desk.clock.now() + timedelta(days=1), desk.tz),
    ))  # fmt: skip
    followup.close(desk, handler, ticket.id, outcome="已修复", facts=closing_facts(desk, ticket.id))
    mark_case(desk, actors["2001"], ticket.id, "掉线先查光猫", "宽带经常掉线,上门换光猫后恢复")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+backslash")
        await settle(pilot)
        assert _rows(app) == 1
        shown = screen_text(app)
        assert "经常掉线" in shown
        for private in ("GZKD8812", "gu.xiansheng", "天河路88号"):
            assert private not in shown
        field = app.screen.query_one("#cases-words", Input)
        for words, rows in (("gzkd8812ab", 0), ("天河路", 0), ("example.com", 0), ("掉线", 1)):
            field.focus()
            field.value = ""
            await type_text(pilot, words)
            await pilot.press("enter")
            await settle(pilot)
            assert _rows(app) == rows, words


async def test_k_for_a_handler_is_refused_at_once_in_words_with_no_dialog(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from datetime import timedelta

    import sqlalchemy as sa

    from deskapp.domain.timefmt import format_local
    from deskapp.screens.detail import DetailScreen
    from deskapp.screens.textual_private import notifications
    from deskapp.store.models import TeachingCase

    handler = actors["1001"]
    ticket = take_complaint(desk, handler, IntakeForm(
        customer_name="王秀英", contact_phone="13700000009", content="等了很久", demand="道歉",
        cause_code="HALL.WAITING.LONG",
        promised_reply_at=format_local(desk.clock.now() + timedelta(days=1), desk.tz),
    ))  # fmt: skip
    followup.close(desk, handler, ticket.id, outcome="已致歉", facts=closing_facts(desk, ticket.id))
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)  # a handler
        app.push_screen(DetailScreen(ticket.id))
        await settle(pilot)
        detail = app.screen
        await pilot.press("k")
        await settle(pilot)
        assert app.screen is detail  # no lesson to type in vain
        told = " ".join(str(n.message) for n in notifications(app))
        assert "只有值班经理和营业厅经理可以把工单列为案例" in told
    with desk.read() as s:
        assert s.scalars(sa.select(TeachingCase)).first() is None
