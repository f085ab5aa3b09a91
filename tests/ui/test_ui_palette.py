"""The command palette: every action of the current screen by its words, and any complaint by
ticket number or phone."""

from __future__ import annotations

import pytest
from followup_helpers import take
from textual.command import CommandPalette
from ui_helpers import build_app, settle, sign_in, type_text

from deskapp.screens.detail import DetailScreen
from deskapp.screens.help import screen_keys
from deskapp.screens.queue import QueueScreen
from deskapp.services.desk import Actor, Desk

pytestmark = pytest.mark.ui
SIZE = (100, 30)


async def _palette(pilot, query: str) -> CommandPalette:
    await pilot.press("ctrl+p")
    await settle(pilot)
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    await type_text(pilot, query)
    await settle(pilot, 0.5)  # the providers search in the background
    return palette


async def test_the_palette_runs_a_screen_action_found_by_its_words(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await _palette(pilot, "待跟进")  # F4's words
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_the_palette_lists_every_key_of_the_screen(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        expected = {description for _key, description in screen_keys(app, app.screen)}
        from deskapp.screens.palette import ScreenActions

        provider = ScreenActions(app.screen)
        found = {hit.display for hit in [h async for h in provider.discover()]}
        assert expected and expected <= {str(d) for d in found}


async def test_the_palette_opens_a_complaint_by_ticket_or_phone(desk: Desk, handler: Actor) -> None:
    first = take(desk, handler, "周红", "13912345678")
    take(desk, handler, "李四", "13800001111")
    from deskapp.services.search import complaint_detail

    ticket = complaint_detail(desk, first).complaint.ticket_no  # type: ignore[union-attr]
    app = build_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        for query in (ticket, "139 1234 5678", "5678"):
            await _palette(pilot, query)
            await pilot.press("down", "enter")
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen), query
            assert app.screen.complaint_id == first
            await pilot.press("escape")
            await settle(pilot)


async def test_before_sign_in_the_palette_finds_no_complaint(desk: Desk, handler: Actor) -> None:
    take(desk, handler, "周红", "13912345678")
    app = build_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await _palette(pilot, "13912345678")
        await pilot.press("down", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, DetailScreen)


async def test_textual_commands_are_in_the_desks_words(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await _palette(pilot, "切换主题")
        await pilot.press("down", "enter")
        await settle(pilot)
        # Textual's theme picker: the palette again, listing the themes, ours among them.
        await type_text(pilot, "desk-high")
        await settle(pilot, 0.5)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.theme == "desk-high-contrast"


async def test_the_palette_finds_a_ticket_by_a_number_the_sync_made_an_alias(
    desk: Desk, handler: Actor, tmp_path
) -> None:
    """The same hotline file imported here and on T02 before they sync: after the sync the
    complaint holds T02's number, and the number this desk gave the customer still opens it
    (docs/unique-values.md)."""
    from datetime import timedelta

    from deskapp.clock import FrozenClock
    from deskapp.services.importer import import_file, importing_actor
    from deskapp.services.terminal import init_terminal
    from deskapp.sync import sync

    hall = str(tmp_path / "hall.db")
    csv = tmp_path / "hotline.csv"
    csv.write_text(
        "受理时间,渠道,客户姓名,联系电话,业务号码,投诉内容,客户诉求,投诉类别,投诉级别,营业厅,"
        "状态,结案时间,处理结果,满意度,现场解决,外部工单号\n"
        "2026-11-20 09:15,10086下单,李建国,13812341234,,家里没有信号,尽快修好,"
        "网络质量›覆盖›室内无信号,一般,GZ01,处理中,,,,,HL-001\n",
        encoding="utf-8",
    )
    assert sync(desk, hall, new_hall=True).ok
    other = Desk.open(
        tmp_path / "t02.db", clock=FrozenClock(desk.clock.now() + timedelta(minutes=1))
    )
    try:
        init_terminal(other, "GZ01", "T02", "Asia/Shanghai")
        assert sync(other, hall).ok
        ((_, mine),) = import_file(desk, handler, csv, source="10086").imported
        ((_, theirs),) = import_file(
            other, importing_actor(other, "1002", "2222"), csv, source="10086"
        ).imported
        assert sync(other, hall).ok and sync(desk, hall).ok
    finally:
        other.close()
    from deskapp.services.search import search

    (row,) = search(desk, theirs).rows
    assert row.ticket_no == theirs != mine  # this desk's number is no longer the ticket's own
    app = build_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await _palette(pilot, mine)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.complaint_id == row.id
