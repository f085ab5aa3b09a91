"""Helpers for the follow-up and shift UI tests (a plain module, like ui_helpers): tickets set up
through the services at the frozen clock, what the store holds, and what an open ActionDialog
shows under each of its fields."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from textual.pilot import Pilot
from ui_helpers import build_app, settle, sign_in

from deskapp.domain.timefmt import format_local
from deskapp.screens.app import DeskApp
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.services import followup
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent


def make_app(desk: Desk, export_dir: Path | None = None) -> DeskApp:
    """As ui_helpers.build_app, with the folder the app exports printable files to."""
    app = build_app(desk)
    if export_dir is not None:
        app.export_dir = export_dir
    return app


def take(desk: Desk, actor: Actor, name: str, phone: str, **fields: Any) -> str:
    """A complaint not solved on the spot, promised a reply tomorrow at the same time."""
    values: dict[str, Any] = {
        "customer_name": name,
        "contact_phone": phone,
        "content": "家里客厅手机没有信号,打电话要跑到阳台",
        "demand": "尽快解决室内信号问题",
        "cause_code": "NET.COVER.INDOOR",
        "channel": "hotline",
        "promised_reply_at": format_local(desk.clock.now() + timedelta(days=1), desk.tz),
    }
    values.update(fields)
    return take_complaint(desk, actor, IntakeForm(**values)).id


def closed_ticket(desk: Desk, handler: Actor) -> str:
    """A tariff complaint closed on the spot: a ticket a manager can make a teaching case."""
    cid = take(desk, handler, "王秀英", "13700000001", content="套餐说明不清,很不满",
               demand="尽快处理", cause_code="TARIFF.PLAN.UNCLEAR", channel="walk_in")  # fmt: skip
    followup.close(desk, handler, cid, outcome="已当场处理", facts=closing_facts(desk, cid))
    return cid


def log_count(desk: Desk, excluding: tuple[str, ...] = ()) -> int:
    """Rows of the change log: every record written, by anyone, lands there (`excluding`:
    tables left out, e.g. signin_event, where a wrong PIN is counted)."""
    query = sa.select(sa.func.count()).select_from(ChangeLog)
    if excluding:
        query = query.where(ChangeLog.entity.not_in(excluding))
    with desk.read() as session:
        return session.scalar(query) or 0


def last_logged_entity(desk: Desk) -> str:
    """The table of the newest change-log row."""
    with desk.read() as session:
        return session.scalar(sa.select(ChangeLog.entity).order_by(ChangeLog.seq.desc()).limit(1))


def complaint(desk: Desk, cid: str) -> Complaint:
    with desk.read() as session:
        found = session.get(Complaint, cid)
    assert found is not None
    return found


def events(desk: Desk, cid: str) -> list[ComplaintEvent]:
    with desk.read() as session:
        return list(
            session.scalars(
                sa.select(ComplaintEvent)
                .where(ComplaintEvent.complaint_id == cid)
                .order_by(ComplaintEvent.at, ComplaintEvent.id)
            )
        )


def last_event(desk: Desk, cid: str) -> tuple[str, str, dict[str, Any]]:
    """(kind, note, data) of the complaint's latest event."""
    event = events(desk, cid)[-1]
    return event.kind, event.note, json.loads(event.data or "{}")


async def open_queue(pilot: Pilot, work_no: str = "1001", pin: str = "1111") -> None:
    await sign_in(pilot, work_no, pin)
    await pilot.press("f4")
    await settle(pilot)


def queue_row(app: DeskApp, cid: str) -> Any:
    """The queue screen's row of a complaint (None when it is not listed)."""
    return next((r for r in app.screen.rows if r.id == cid), None)  # type: ignore[attr-defined]


async def cursor_to(pilot: Pilot, cid: str) -> None:
    """Move the queue's cursor to the complaint's row with the arrow keys."""
    app = pilot.app
    # To the first row ("home" scrolls sideways in a DataTable, it does not move the cursor).
    await pilot.press(*["up"] * len(app.screen.rows))  # type: ignore[attr-defined]
    for _ in range(len(app.screen.rows)):  # type: ignore[attr-defined]
        current = app.screen._current()  # type: ignore[attr-defined]
        if current is not None and current.id == cid:
            return
        await pilot.press("down")
    raise AssertionError(f"{cid} is not in the queue")


def dialog(app: DeskApp) -> ActionDialog:
    screen = app.screen
    assert isinstance(screen, ActionDialog), f"no dialog open: {screen!r}"
    return screen


def error_under(app: DeskApp, field: str) -> str:
    """The error shown under the dialog field `field` ("" when none), checked to sit right
    under the field's own control, inside its Field."""
    box = dialog(app).query_one(f"#field-{field}")
    error = box.query_one(f"#error-{field}")
    if not error.has_class("-shown"):
        return ""
    children = list(box.children)
    control = box.query_one(f"#f-{field}")
    assert children.index(error) > children.index(control), "the error is not under the field"
    return str(error.render())


def errors_shown(app: DeskApp) -> dict[str, str]:
    """Every field error the dialog shows, by field name."""
    return {
        str(w.id).removeprefix("error-"): str(w.render())
        for w in dialog(app).query(".field-error.-shown")
    }


def general_error(app: DeskApp) -> str:
    """The dialog's error line for what belongs to no field (the status, the level)."""
    return str(dialog(app).query_one("#dialog-error").render())


# After the close dialog's outcome: the first level-4 finding, past the satisfaction, and the
# customer as the responsible party (ResponsibleKind's order: department, staff, customer, …).
CLOSE_FACTS_KEYS = ("tab", "enter", "down", "enter", "tab", "tab",
                    "enter", "down", "down", "down", "enter")  # fmt: skip


async def drop_dialog(pilot: Pilot) -> None:
    """Esc on a dialog with something typed: it asks (every dialog, ActionDialog) and Y
    drops what was typed."""
    from deskapp.screens.widgets.confirm import ConfirmScreen

    await pilot.press("escape")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen), "Esc did not ask before dropping"
    await pilot.press("y")
    await settle(pilot)
