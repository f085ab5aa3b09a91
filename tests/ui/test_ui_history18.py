"""Issue 18's customer history on screen, made quick (bench/customer.py): intake reads the first
page as the phone is typed and Ctrl+Y shows it before any read, then reads it again and shows
what changed; one history screen is kept for the app and shown again, never with the last
customer's page under a new number, and dropped at sign-out (the next handler reads their
own, the recusal kept); a page is what the screen shows; text typed with brackets shows as
typed. The real app driven by keys."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from ui_helpers import WIDE, build_app, screen_text, settle, sign_in, type_text

import deskapp.screens.customer as customer_screen
from deskapp.clock import FrozenClock
from deskapp.domain.timefmt import format_local
from deskapp.screens.customer import HISTORY_SCREEN, CustomerHistoryScreen
from deskapp.screens.detail import DetailScreen
from deskapp.services.customer import WatchForm, save_watch_entry
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.models import Complaint

pytestmark = pytest.mark.ui
PHONE = "13812345678"
OTHER = "13900002222"


def _take(desk: Desk, actor: Actor, phone: str = PHONE, content: str = "家里信号差",
          **extra: Any) -> Complaint:  # fmt: skip
    form = IntakeForm(customer_name="李女士", contact_phone=phone, content=content,
                      demand="尽快解决", cause_code="NET.COVER.INDOOR", link_repeat=False,
                      repeat_unlink_reason="另案",
                      promised_reply_at=format_local(desk.clock.now() + timedelta(days=1),
                                                     desk.tz))  # fmt: skip
    for key, value in extra.items():
        setattr(form, key, value)
    return take_complaint(desk, actor, form)


def _tickets(desk: Desk, clock: FrozenClock, actor: Actor, count: int, phone: str = PHONE):
    taken = []
    for _ in range(count):
        taken.append(_take(desk, actor, phone))
        clock.advance(timedelta(minutes=10))
    return taken


async def _phone_typed(pilot: Pilot, phone: str = PHONE) -> None:
    await type_text(pilot, "李女士")
    await pilot.press("tab")  # the customer's name → the contact phone
    await type_text(pilot, phone)
    await settle(pilot)


def _head(screen: CustomerHistoryScreen) -> str:
    return str(screen.query_one("#history-head", Static).content)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The history screen's own reads held until the event is set (intake's read ahead,
    already done, is not)."""
    release = threading.Event()
    real = customer_screen.read_page

    def read_held(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(30)
        return real(*args, **kwargs)

    def hold() -> threading.Event:
        monkeypatch.setattr(customer_screen, "read_page", read_held)
        return release

    yield hold  # type: ignore[misc]
    release.set()


async def _by_ctrl_y_at_intake(pilot: Pilot, tickets: list[Complaint]) -> str:
    await _phone_typed(pilot)  # the page read here, as the alert is checked
    return "ctrl+y"


async def _by_h_on_a_ticket(pilot: Pilot, tickets: list[Complaint]) -> str:
    """H reads nothing before its first frame: the detail read the first page in its worker,
    after what it shows (as intake does as the phone is typed)."""
    pilot.app.push_screen(DetailScreen(tickets[0].id))
    await settle(pilot)
    return "h"


@pytest.mark.parametrize("opened", [_by_ctrl_y_at_intake, _by_h_on_a_ticket])
async def test_the_history_shows_the_page_read_ahead_before_reading_it_again(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor], held: Any, opened: Any
) -> None:
    tickets = _tickets(desk, clock, actors["1002"], 3)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        key = await opened(pilot, tickets)
        release = held()
        await pilot.press(key)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CustomerHistoryScreen)
        # On screen while the screen's own read is still held.
        assert screen.query_one("#history-table", DataTable).row_count == 3
        assert "共 3 张投诉" in _head(screen)
        assert screen.current is not None
        assert screen.current.items[0].ticket_no == tickets[-1].ticket_no
        release.set()
        await settle(pilot)
        assert screen.query_one("#history-table", DataTable).row_count == 3


async def test_a_ticket_taken_since_the_phone_was_typed_shows_after_the_read_again(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    _tickets(desk, clock, actors["1002"], 2)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await _phone_typed(pilot)
        newer = _take(desk, actors["1002"])  # at another terminal, meanwhile
        await pilot.press("ctrl+y")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerHistoryScreen) and screen.current is not None
        assert screen.query_one("#history-table", DataTable).row_count == 3
        assert screen.current.items[0].ticket_no == newer.ticket_no
        assert "共 3 张投诉" in _head(screen)


async def test_a_page_is_what_the_screen_shows(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    """Never read what is not shown: the first page of 25 tickets fills the table at 100×30
    without scrolling; N shows the rest."""
    _tickets(desk, clock, actors["1002"], 25)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await _phone_typed(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        table = app.screen.query_one("#history-table", DataTable)
        assert table.row_count == 20 and table.max_scroll_y == 0
        await pilot.press("n")
        await settle(pilot)
        assert table.row_count == 5


async def test_the_kept_screen_never_shows_the_last_customer_under_a_new_number(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor], held: Any
) -> None:
    _tickets(desk, clock, actors["1002"], 2)
    (theirs,) = _tickets(desk, clock, actors["1002"], 1, phone=OTHER)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await _phone_typed(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        kept = app.screen
        assert isinstance(kept, CustomerHistoryScreen) and kept.current is not None
        assert "138****5678" in _head(kept)
        await pilot.press("escape")
        await settle(pilot)
        # Another customer's ticket, H before the detail's own read ahead of their first page
        # has returned: the same screen, cleared before its read returns.
        release = held()
        detail = DetailScreen(theirs.id)
        app.push_screen(detail)
        while not detail._customer:  # (the detail shown; its read of the page held)
            await pilot.pause(0.01)
        await pilot.press("h")
        await pilot.pause()
        assert app.screen is kept
        assert kept.current is None
        assert kept.query_one("#history-table", DataTable).row_count == 0
        assert "138****5678" not in _head(kept) and not kept.query_one("#history-watch").display
        release.set()
        await settle(pilot)
        assert "139****2222" in _head(kept)
        assert kept.query_one("#history-table", DataTable).row_count == 1
        # Its ticket, H again: the kept one is below, so a second screen, gone on Esc.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("h")
        await settle(pilot)
        second = app.screen
        assert isinstance(second, CustomerHistoryScreen) and second is not kept
        assert second.query_one("#history-table", DataTable).row_count == 1
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is kept and "139****2222" in _head(kept)


async def test_sign_out_drops_the_kept_history_and_the_next_handler_reads_their_own(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """The watch entry shown to a colleague is not shown to the staff member the customer's
    complaint accuses (当事人回避) when they open the same customer's history next."""
    save_watch_entry(desk, actors["2001"], WatchForm(
        customer=PHONE, kind="difficult", advice="先听完再解释",
        review_on="2026-12-31"))  # fmt: skip
    _take(desk, actors["1002"], accused_staff_id=actors["1001"].id)  # about 1001
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "1002", "2222")
        await _phone_typed(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        first = app.screen
        assert isinstance(first, CustomerHistoryScreen)
        assert first.query_one("#history-watch").display
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert not app.is_screen_installed(HISTORY_SCREEN)
        await sign_in(pilot, "1001", "1111")
        await _phone_typed(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        again = app.screen
        assert isinstance(again, CustomerHistoryScreen) and again is not first
        assert again.current is not None and again.current.tickets == 1
        assert not again.query_one("#history-watch").display


async def test_text_typed_with_brackets_shows_in_the_history_as_typed(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """A complaint typed "[/b]…[bold]" (markup to the table) is a row like any other."""
    typed = "[/b]信号差[bold]还是差"
    _take(desk, actors["1002"], content=typed)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await _phone_typed(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        table = app.screen.query_one("#history-table", DataTable)
        assert str(table.get_row_at(0)[3]) == typed
        assert typed in screen_text(app)


async def test_the_kept_screen_takes_a_theme_chosen_while_it_was_hidden(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    """Shown again it is not restyled (its styles are current), unless the app's changed."""
    _tickets(desk, clock, actors["1002"], 1)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await _phone_typed(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        kept = app.screen
        dark = kept.styles.background
        await pilot.press("escape")
        await settle(pilot)
        app.theme = "textual-light"
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.screen is kept
        assert kept.styles.background != dark
