"""Issue 18 (case18g), waits with a sign: while K's save is being checked and written, the
dialog's buttons show Textual's loading indicator (the first check loads jieba, 1.2–1.6 s);
while the case library (Ctrl+\\) reads a page, its table does (the first page took 2.3–2.7 s,
blank). The work is held with a threading.Event to look at the screen meanwhile. Opening a
ticket's detail as a manager, or the library, loads jieba in the background."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from followup_helpers import closed_ticket
from textual.widgets import DataTable
from ui_helpers import WIDE, build_app, settle, sign_in, type_text

from deskapp.domain import person_names
from deskapp.screens import cases as cases_screen
from deskapp.screens import detail as detail_screen
from deskapp.screens.cases import CasesScreen
from deskapp.screens.detail import DetailScreen
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.services.desk import Actor, Desk

pytestmark = pytest.mark.ui


async def test_k_shows_the_loading_indicator_while_the_save_runs(
    desk: Desk, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id = closed_ticket(desk, actors["1001"])
    release = threading.Event()
    real = detail_screen.mark_case

    def held(*args: Any, **kwargs: Any) -> None:
        assert release.wait(10)
        real(*args, **kwargs)

    monkeypatch.setattr(detail_screen, "mark_case", held)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        app.push_screen(DetailScreen(ticket_id))
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        await type_text(pilot, "套餐说明不清")
        await pilot.press("tab")
        await type_text(pilot, "先讲清资费")
        assert not dialog.query_one("#dialog-buttons").loading
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert dialog.query_one("#dialog-buttons").loading  # a sign while it works
        release.set()
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)


async def test_a_refused_save_takes_the_indicator_away(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    ticket_id = closed_ticket(desk, actors["1001"])
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        app.push_screen(DetailScreen(ticket_id))
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        await pilot.press("ctrl+s")  # both texts empty: refused
        await settle(pilot)
        assert app.screen is dialog
        assert not dialog.query_one("#dialog-buttons").loading


async def test_the_library_shows_the_loading_indicator_while_a_page_is_read(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = cases_screen.case_page

    def held(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(cases_screen, "case_page", held)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        app.push_screen(CasesScreen())
        await pilot.pause(0.2)
        table = app.screen.query_one("#cases-table", DataTable)
        assert table.loading  # not a blank table with no sign
        release.set()
        await settle(pilot)
        assert not table.loading


@pytest.mark.parametrize("opened", ["detail", "library"])
async def test_a_manager_opening_the_detail_or_the_library_loads_jieba_in_the_background(
    desk: Desk, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch, opened: str
) -> None:
    ticket_id = closed_ticket(desk, actors["1001"])
    started: list[threading.Thread | None] = []
    real = person_names.warm
    monkeypatch.setattr(person_names, "_tagger", None)  # as in a desk just started
    monkeypatch.setattr(person_names, "warm", lambda: started.append(real()) or started[-1])
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        assert started == []  # not at sign-in
        app.push_screen(DetailScreen(ticket_id) if opened == "detail" else CasesScreen())
        await settle(pilot)
        assert len(started) == 1
        thread = started[0]
        assert thread is not None
        thread.join(20)
        assert person_names._tagger is not None
