"""Helpers for the UI tests: drive the app with keys, read what the screen shows and what the
store holds. (A plain module, so test modules import it; fixtures live in conftest.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import unicodedata
from pathlib import Path

import sqlalchemy as sa
from app_kit import settings_for
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.worker import WorkerCancelled, WorkerFailed, WorkerState

from deskapp.screens.app import DeskApp, make_app
from deskapp.screens.textual_private import after_refresh_pending
from deskapp.services.desk import Desk
from deskapp.store.models import Complaint, Draft

# Sizes every screen is checked at: the counter's usual window and the smallest terminal.
WIDE = (100, 30)
NARROW = (80, 24)


def build_app(desk: Desk) -> DeskApp:
    """The real app, built as the `deskapp` command builds it (`make_app`, settings for the
    test's store) on the test's open store, steady for tests: no cursor blink, no animations,
    no demo logins."""
    app = make_app(settings_for(Path(desk.path)), desk=desk, cursor_blink=False)
    app.animation_level = "none"
    app.raise_incidents = True  # an unexpected error fails the test, as it always did
    return app


_UNFINISHED = (WorkerState.PENDING, WorkerState.RUNNING)


async def settle(pilot: Pilot, delay: float | None = None) -> None:
    """Let workers finish and the screen catch up: call before any assertion or snapshot."""
    app = pilot.app
    await pilot.pause(delay)
    for turn in range(3):  # a worker's callback may start another worker (save -> reset -> ...)
        if turn == 0:
            # Ctrl+S in a dialog runs from the focused field's queue, after the keys typed
            # before it: its worker starts a turn later than the key.
            await pilot.pause()
        if not any(w.state in _UNFINISHED for w in app.workers):
            break  # (nothing to wait for: a pause more would only cost time)
        # A failed worker has been reported by the desk's boundary (deskapp/screens/boundary.py): an
        # unexpected one fails the test there (DeskApp.raise_incidents); waiting is all here.
        # A worker cancelled by a newer one of its exclusive group is normal work, not a fault.
        with contextlib.suppress(WorkerFailed, WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
    await _refreshed(pilot)
    await pilot.wait_for_scheduled_animations()


async def _refreshed(pilot: Pilot, most: int = 20) -> None:
    """Wait until the screen has run what it put off until after a refresh
    (`call_after_refresh`), and a dialog has scrolled a refused field into view once its
    error line is laid out (`ActionDialog.arranging`). The screen runs those callbacks in
    order, so one queued behind them is a barrier. (The Pilot's own waits look for an idle process,
    which a process starved of the CPU by other tests resembles.)"""
    app = pilot.app

    def pending() -> bool:
        screen = app.screen
        return after_refresh_pending(screen) or bool(getattr(screen, "arranging", False))

    for _ in range(most):
        if not app.is_running or not pending():  # (most settles: nothing put off)
            return
        done = asyncio.Event()
        if not app.screen.call_after_refresh(done.set):
            return
        # A screen closed meanwhile runs nothing more: its callbacks are moot then.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout=5)
        await pilot.pause()


def _key_of(char: str) -> events.Key:
    if char == "\t":
        return events.Key("tab", None)
    if char == "\x19":  # (shift+tab, as the terminal names it)
        return events.Key("shift+tab", None)
    if char == "\x13":  # (ctrl+s)
        return events.Key("ctrl+s", None)
    if char == "\x7f":  # (Backspace, as a terminal sends it)
        return events.Key("backspace", char)
    return events.Key(char, char)


async def burst(pilot: Pilot, keys: str) -> None:
    """Keys posted as the terminal driver posts them: one after another, no pause between."""
    for char in keys:
        pilot.app.post_message(_key_of(char))
    await settle(pilot)


def key_for(char: str) -> str:
    """The Pilot key that types `char`. Chinese punctuation (。、：) needs its Unicode name
    spelled with spaces: Textual 8's Pilot turns it into a key name it cannot look up again,
    and the key would arrive without its character (a real terminal sends it fine)."""
    if char == "\n":
        return "enter"
    if not char.isascii() and not char.isalnum():
        return unicodedata.name(char).lower()
    return char


async def type_text(pilot: Pilot, text: str) -> None:
    """Type like a handler: one key per character (Chinese characters included)."""
    await pilot.press(*[key_for(ch) for ch in text])


async def pick_in_list(pilot: Pilot, *moves: str) -> None:
    """In the focused Select: Enter opens its list, `moves` (down, up, home, end) move in it,
    Enter takes the option. The moves wait until the list has the focus: it takes it a turn
    after the Enter, and a key that comes before goes to the closed Select and is lost."""
    from textual.widgets import Select

    app = pilot.app
    await pilot.press("enter")
    for _ in range(200):
        select = getattr(app.focused, "parent", None)
        if isinstance(select, Select) and select.expanded:
            break
        await pilot.pause()
    else:
        raise AssertionError(f"no Select's list opened; focus is on {app.focused!r}")
    await pilot.press(*moves, "enter")


async def paste_text(pilot: Pilot, text: str) -> None:
    """Paste into the focused field as a terminal's bracketed paste: one event, where typing
    the same text costs a wait for every key."""
    pilot.app.post_message(events.Paste(text))
    await settle(pilot)


async def sign_in(pilot: Pilot, work_no: str = "1001", pin: str = "1111") -> None:
    """Sign in with keys: work number, Enter, PIN, Enter."""
    await settle(pilot)
    assert pilot.app.focused is not None and pilot.app.focused.id == "work_no"
    await type_text(pilot, work_no)
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")
    await settle(pilot)


async def focus_by_tab(pilot: Pilot, widget_id: str, limit: int = 40) -> Widget:
    """Press Tab until the widget with this id has focus, as a handler would."""
    app = pilot.app
    for _ in range(limit):
        if app.focused is not None and app.focused.id == widget_id:
            return app.focused
        await pilot.press("tab")
    raise AssertionError(f"#{widget_id} not reached with Tab; focus is on {app.focused!r}")


def error_of(app: DeskApp, field: str) -> str:
    """The error line shown under a field of the current screen ("" when none is shown)."""
    error = app.screen.query_one(f"#error-{field}")
    if not error.has_class("-shown") or not error.display:
        return ""
    return str(error.render())


def shown_errors(app: DeskApp) -> dict[str, str]:
    return {
        str(w.id).removeprefix("error-"): str(w.render())
        for w in app.screen.query(".field-error.-shown")
    }


def count_complaints(desk: Desk) -> int:
    with desk.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Complaint)) or 0


def all_complaints(desk: Desk) -> list[Complaint]:
    with desk.read() as session:
        return list(session.scalars(sa.select(Complaint).order_by(Complaint.ticket_no)))


def drafts_in(desk: Desk) -> list[Draft]:
    with desk.read() as session:
        return list(session.scalars(sa.select(Draft)))


def screen_text(app: DeskApp) -> str:
    """Every character the current screen shows, as plain text (from its SVG screenshot)."""
    svg = app.export_screenshot()
    body = svg[svg.index("<g ") :] if "<g " in svg else svg
    return html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")


def assert_error_next_to(app: DeskApp, field: str, control_id: str, expected: str) -> None:
    """The error line of `field` is shown, says `expected`, and sits right under the field's
    own control (inside the same Field, nothing between them)."""
    error = app.screen.query_one(f"#error-{field}")
    assert error.has_class("-shown") and error.display, f"no error shown for {field}"
    assert expected in str(error.render()), (field, str(error.render()))
    box = app.screen.query_one(f"#field-{field}")
    assert box.display and box.has_class("-invalid")
    children = list(box.children)
    control = app.screen.query_one(f"#{control_id}")
    assert control in children, f"#{control_id} is not the control of #field-{field}"
    assert children.index(error) == children.index(control) + 1


async def type_complaint(
    pilot: Pilot,
    *,
    name: str = "李四",
    phone: str = "13812341234",
    content: str = "没信号",
    demand: str = "修好",
    cause: str = "xh",
    promise: str | None = "16:00",  # today
) -> None:
    """Fill the intake form from its first field with keys only: Tab between fields, the
    cause picked with Enter from the first match of what was typed."""
    app = pilot.app
    assert app.focused is not None and app.focused.id == "customer_name", app.focused
    await type_text(pilot, name)
    await pilot.press("tab")
    await type_text(pilot, phone)
    await focus_by_tab(pilot, "content")
    await type_text(pilot, content)
    await pilot.press("tab")
    await type_text(pilot, demand)
    await pilot.press("tab")
    assert app.focused is not None and app.focused.id == "cause-query"
    await type_text(pilot, cause)
    await settle(pilot)
    await pilot.press("enter")
    assert app.focused is not None and app.focused.id == "channel", app.focused
    if promise is not None:
        await focus_by_tab(pilot, "promised_reply_at")
        await type_text(pilot, promise)
    await settle(pilot)


async def choose(pilot: Pilot, select_id: str, typed: str) -> None:
    """Open a Select with Enter, jump to the first choice starting with `typed`, Enter."""
    await focus_by_tab(pilot, select_id)
    await pilot.press("enter")
    await type_text(pilot, typed)
    await pilot.press("enter")
    await settle(pilot)


async def open_watch_add(pilot: Pilot) -> None:
    """The duty manager 2001 signed in, on F10's watch list, with its add dialog (A) open."""
    await sign_in(pilot, "2001", "8888")
    await pilot.press("f10")
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)
