"""Typed text that looks like markup is shown as typed on every screen (issue 18).

A complaint typed "[/b]…" stopped the history table drawing (Rich's MarkupError), and
"[@click=app.quit]" would have made a cell a button that quits the desk. Every text field of
a ticket, a batch, a watch-list entry, a teaching case, an opinion-book entry and a shift's
handover here holds such text; every screen of the desk is opened on it with the Pilot: the
app still runs and the text shows literally. The screens are read from the code
(`SIGNED_IN_MODES`, and every Screen class of deskapp.screens): a new one fails
`test_every_screen_is_opened` until it is opened here or said why not."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input
from ui_helpers import WIDE, build_app, screen_text, settle, sign_in

import deskapp.screens
from deskapp.domain.timefmt import format_local
from deskapp.screens.app import SIGNED_IN_MODES, DeskApp
from deskapp.screens.customer import CustomerHistoryScreen
from deskapp.screens.detail import DetailScreen
from deskapp.screens.handover import HandoverScreen
from deskapp.screens.major_report import MajorReportScreen
from deskapp.services import followup, opinion_book, shifts
from deskapp.services.batches import BatchForm, link_to_batch, open_batch
from deskapp.services.cases import mark_case
from deskapp.services.customer import WatchForm, save_watch_entry
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.services.opinion_book import EntryForm

pytestmark = pytest.mark.ui

MARKUP = "[/b][@click=app.quit]x"
PHONE = "13812345678"

# Screens opened by their own class here (a ticket's, a shift's); the modes come from
# SIGNED_IN_MODES. Those not opened say why.
PUSHED = {DetailScreen, CustomerHistoryScreen, HandoverScreen, MajorReportScreen}
NOT_OPENED = {
    "SignInScreen": "shows no stored text but the demo logins' names (staff, F12's table)",
    "HelpScreen": "the keys' descriptions only (the catalogue's words)",
    "ModeScreen": "the base of the modes",
    "YesOrNo": "a dialog; its body is a Static of deskapp/screens/widgets/plain.py",
    "ConfirmScreen": "as YesOrNo",
    "HandOffScreen": "a dialog; its body is a Static of deskapp/screens/widgets/plain.py",
    "DiscardHandOffScreen": "as YesOrNo",
    "ActionDialog": "a dialog; title and intro are Statics of deskapp/screens/widgets/plain.py",
    "PaletteWithOwnWords": "the base of DeskCommandPalette",
}
OPENED_BY_KEYS = {"DeskCommandPalette"}  # the palette, its complaints found by phone


def _screen_classes() -> set[str]:
    found: set[str] = set()
    for info in pkgutil.walk_packages(deskapp.screens.__path__, "deskapp.screens."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == info.name:
                found.add(name)
    return found


def _seed(desk: Desk, actors: dict[str, Actor]) -> tuple[str, str, str]:
    """Markup in every text a handler or manager types; returns (ticket id, shift id, a
    ticket the batch's cause takes, not linked)."""
    handler, duty, hall = actors["1001"], actors["2001"], actors["3001"]
    tomorrow = format_local(desk.clock.now() + timedelta(days=1), desk.tz)
    shift = shifts.open_shift(desk, handler)
    ticket = take_complaint(desk, handler, IntakeForm(
        customer_name=f"张{MARKUP}", contact_phone=PHONE, content=f"信号差{MARKUP}",
        demand=f"修好{MARKUP}", cause_code="NET.OUTAGE.AREA", promised_reply_at=tomorrow,
    ))  # fmt: skip
    open_one = take_complaint(desk, handler, IntakeForm(
        customer_name=f"李{MARKUP}", contact_phone="13900001111", content=f"没信号{MARKUP}",
        demand=f"尽快{MARKUP}", cause_code="NET.OUTAGE.AREA", promised_reply_at=tomorrow,
        severity="major", severity_reason=f"多人{MARKUP}",
    ))  # fmt: skip
    followup.close(desk, handler, ticket.id, outcome=f"已处理{MARKUP}",
                   facts=closing_facts(desk, ticket.id))  # fmt: skip
    # (not MARKUP itself: its words click, app, quit are in this customer's name, and a case's
    # texts naming the customer are refused, case18e)
    mark_case(desk, duty, ticket.id, "教训[/b][@link=x]y", "营业厅核实后当场处理")
    batch = open_batch(desk, duty, BatchForm(
        title=f"断网{MARKUP}", cause_code="NET.OUTAGE", area=f"城东{MARKUP}",
        description=f"光缆{MARKUP}", scripts=f"抢修中{MARKUP}"))  # fmt: skip
    link_to_batch(desk, handler, open_one.id, batch.id)
    unlinked = take_complaint(desk, handler, IntakeForm(
        customer_name="王", contact_phone="13900003333", content="断网", demand="修",
        cause_code="NET.OUTAGE.AREA", promised_reply_at=tomorrow,
    ))  # fmt: skip
    save_watch_entry(desk, hall, WatchForm(
        customer=PHONE, kind="difficult", advice=f"先听{MARKUP}", solved=f"已解{MARKUP}",
        refused=f"不理{MARKUP}", review_on="2026-12-31"))  # fmt: skip
    entry = opinion_book.add_entry(desk, handler, EntryForm(
        page="1", line="1", kind="complaint", content=f"意见{MARKUP}",
        customer_name=f"赵{MARKUP}", contact="13700001234"))  # fmt: skip
    opinion_book.process_entry(desk, handler, entry.id, f"已回复{MARKUP}")
    notes = {i.complaint_id: f"交接{MARKUP}" for i in shifts.open_items(desk, handler)}
    closed = shifts.close_shift(desk, handler, notes, f"班次{MARKUP}")
    assert shift.id == closed.id
    return open_one.id, closed.id, unlinked.id


async def _shows(pilot: Pilot, app: DeskApp, what: str) -> None:
    await settle(pilot)
    assert app.is_running, what
    text = screen_text(app)
    # (a narrow column cuts the rest: "[/b]" is what markup would have swallowed or choked on)
    assert "[/b]" in text, f"{what} ({type(app.screen).__name__}) shows: {' '.join(text.split())}"


def test_every_screen_is_opened() -> None:
    opened = {cls.__name__ for cls in PUSHED} | {
        type(make()).__name__ for make in SIGNED_IN_MODES.values()
    }
    missing = _screen_classes() - opened - set(NOT_OPENED) - OPENED_BY_KEYS
    assert not missing, f"screens neither opened nor excused in this test: {sorted(missing)}"


async def test_markup_typed_anywhere_shows_as_typed_on_every_screen(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    ticket_id, shift_id, unlinked_id = _seed(desk, actors)
    app = build_app(desk)
    # Modes that list no stored text of the kinds above (the day close counts, the staff list
    # names staff) are opened and must keep running; the others must show the text.
    quiet = {"day_close", "staff", "reports", "intake", "shift"}
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "3001", "9999")  # the hall manager opens every screen
        for mode in SIGNED_IN_MODES:
            await app.switch_mode(mode)
            await settle(pilot)
            if mode == "search":
                app.screen.query_one("#query", Input).focus()
                await pilot.press(*PHONE, "enter")
            if mode == "queue":
                await pilot.press("ctrl+r", "ctrl+r")  # supervised, mine, the whole hall
            if mode not in quiet:
                await _shows(pilot, app, mode)
            assert app.is_running, mode
        await app.switch_mode("queue")
        await settle(pilot)
        for screen in (DetailScreen(ticket_id), CustomerHistoryScreen(PHONE),
                       HandoverScreen(shift_id), MajorReportScreen(ticket_id)):  # fmt: skip
            await app.push_screen(screen)
            await _shows(pilot, app, type(screen).__name__)
            app.pop_screen()
            await settle(pilot)
        # A dialog's choices: B on a ticket offers the open batches by title.
        await app.push_screen(DetailScreen(unlinked_id))
        await settle(pilot)
        await pilot.press("b")
        await _shows(pilot, app, "link-batch dialog")
        await pilot.press("escape")
        await settle(pilot)
        app.pop_screen()
        await settle(pilot)
        app.action_command_palette()
        await settle(pilot)
        await pilot.press(*PHONE)
        await settle(pilot, 0.5)  # (the palette's search runs in its own task)
        await _shows(pilot, app, "palette")
        assert app.is_running
