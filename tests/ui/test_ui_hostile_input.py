"""Hostile text in every input of every form, through the real app and the Pilot.

Hypothesis generates the text: control characters, lone surrogates, RTL and zero-width marks,
full-width and other Unicode digits, odd dates (year 1, year 9999, 25:61) and numbers, and a
huge paste. The inputs are found on each form itself (every Input and TextArea the screen or
dialog shows), so a new field is tried without a change here, and `KINDS` must say what each
one is for (a field it does not know fails the test). Each text arrives as a terminal's
bracketed paste (`events.Paste`, as tests/ui/test_ui_paste_limit.py does): that is how a
control character or a broken surrogate reaches a desk; keys cannot type them.

For each input, with the rest of the form valid: the app is still running, and either the
input's own field shows an error in words (always, when the text holds something that cannot
be stored cleanly: deskapp/domain/clean_input.py) with nothing written and the text still in
the field, or the record was written and every text it wrote reads back clean, the input's
text among them. Filters (search, the opinion book's and the shift history's) say why in
their line instead of failing in a worker.

Every form of the screens is found in their source (`form_sites`: a method that builds an Input,
a TextArea or a dialog) and must be named in TRIED_BY (with the test that tries it) or NOT_TRIED
(with why): a new form fails `test_every_form_of_the_screens_is_tried` until it is listed.

CI cost: per test, `EXAMPLES` (1) generated text plus two curated ones as explicit examples,
each on a fresh app and store (the intake form, with 17 inputs, in one of its two variants per
example; the other dialogs in one app, with one curated text); `-n 2` spreads the tests over
the workers. With the dialogs of F6, F9, F5, F7 and F12 added, the file costs no more than it
did with two generated texts and without them (docs/reliability.md has the figures)."""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from collections.abc import Awaitable, Callable, Iterator
from contextlib import suppress
from pathlib import Path

import pytest
import sqlalchemy as sa
from followup_helpers import make_app, open_queue, take
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static, TextArea
from textual.worker import WorkerCancelled
from ui_helpers import WIDE, open_watch_add, settle, sign_in, type_complaint

from deskapp.domain.clean_input import text_problem
from deskapp.screens.app import DeskApp
from deskapp.screens.queue_actions import ACTIONS
from deskapp.screens.textual_private import select_options
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.screens.widgets.cause_picker import CausePicker
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.screens.widgets.field import Field
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.followup import request_explanation
from deskapp.services.intake import IntakeForm, RefundForm
from deskapp.store.models import ChangeLog

pytestmark = pytest.mark.ui

EXAMPLES = 1  # (with the two curated examples each: see CI cost above)
SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
MARKS = "\x00\x01\x07\x0b\x1b\x7f\u200b\u200e\u200f\u202a\u202e\u2066\ufeff\u3000\ud800\udfff"
DIGITS = "0123456789０１２３４５６７８９٠١٢٣٤५²³¹"
CURATED = [
    "张\ud800三",
    "李\x00四\x0b",
    "\u200b\u202e",
    "0001-01-01 00:00",
    "9999-12-31 23:59",
    "2026-02-30 25:61",
    "１３８１２３４５６７８",
    "²³",
    "1e309",
    "\u202e王五",
    "第一行\n第二行",
    "字" * 10_000,
]
hostile = st.one_of(
    st.text(st.sampled_from(MARKS + DIGITS + "-: 年月日张三"), min_size=1, max_size=20),
    st.text(st.characters(), min_size=1, max_size=20),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(300, 4000)),
)

# What each input is for. "text": stored as typed (trimmed); "parsed": a phone, a time, a
# number or a code, stored in its canonical form; "filter": narrows a list, stores nothing;
# "secret": a PIN, checked and never stored.
KINDS: dict[str, str] = {
    # intake (F2)
    "customer_name": "text", "contact_phone": "parsed", "service_number": "parsed",
    "content": "text", "demand": "text", "cause-query": "filter", "received_at": "parsed",
    "severity_reason": "text", "promised_reply_at": "parsed", "outcome": "text",
    "refund-charged": "parsed", "refund-should_have_charged": "parsed", "refund-amount": "parsed",
    "refund-approver_work_no": "parsed", "refund-approver_pin": "secret",
    "refund-approval_reason": "text",
    # follow-up dialogs (F4) and the opinion book's (F7): f-<field>
    "f-note": "text", "f-content": "text", "f-outcome": "text", "f-reason": "text",
    "f-promise": "parsed", "f-until": "parsed", "f-score": "parsed", "f-reply": "text",
    "f-written_on": "parsed", "f-page": "parsed", "f-line": "parsed",
    "f-customer_name": "text", "f-contact": "parsed",
    # the internal complaint's investigation record (its four parts) and the head asked to
    # explain; the report form's opinion and compensation (issue 16)
    "f-facts": "text", "f-responsible": "text", "f-result": "text", "f-improvement": "text",
    "f-head": "text", "f-opinion": "text", "f-compensation": "text",
    # the pin dialogs (F9 sign-off, F5 acknowledge, F12 staff): a work number, a PIN, a name
    "f-work_no": "parsed", "f-pin": "secret", "f-name": "text",
    # sign-in, and the shift's handover (F5): its note, and one note-<complaint id> per item
    "work_no": "parsed", "pin": "secret", "shift-note": "text", "note-": "text",
    # filters
    "query": "filter", "f-words": "filter", "f-from": "filter", "f-to": "filter",
    "h-staff": "filter", "h-from": "filter", "h-to": "filter",
}  # fmt: skip
# Issue 17: the refund dialogs of the follow-up queue (F4).
KINDS.update({
    "f-refund_charged": "parsed", "f-refund_should": "parsed", "f-refund_amount": "parsed",
    "f-refund_verification": "text", "f-refund_approver": "parsed",
    "f-refund_approver_pin": "secret", "f-refund_approval_reason": "text", "f-reference": "text",
    # closing's responsible party, a dispatch's agreed reply interval
    "f-responsible_note": "text", "f-agreed_hours": "parsed",
    # the return visit's attempts, suggestion and the manager approving an exception
    "f-attempts": "parsed", "f-suggestion": "text", "f-approver": "parsed",
    "f-approver_pin": "secret",
})  # fmt: skip
# Issue 18: the intake's reason for not linking a repeat; the watch-list entry dialog (F10).
KINDS.update({"repeat_unlink_reason": "text", "f-customer": "parsed", "f-advice": "text",
              "f-solved": "text", "f-refused": "text", "f-review_on": "parsed"})  # fmt: skip
# Issue 18: the batch incident's dialogs (F11) and the teaching case's (the detail's K).
KINDS.update({"f-title": "text", "f-cause_code": "parsed", "f-area": "text",
              "f-started_at": "parsed", "f-description": "text", "f-scripts": "text",
              "f-lesson": "text", "f-summary": "text"})  # fmt: skip
# Issue 18: the case library's words (Ctrl+\\).
KINDS["cases-words"] = "filter"
KINDS["f-repeat_unlink_reason"] = "text"  # the repeat undone from a ticket's detail (R)
KINDS["f-new_due"] = "parsed"  # the extension's 延至 (F4 q): a time


def run(coroutine: Awaitable[None]) -> None:
    asyncio.run(coroutine)  # (Hypothesis drives a plain function; each example a fresh app)


@pytest.fixture
def fresh(desk: Desk, tmp_path: Path) -> Iterator[Callable[[], Desk]]:
    """A new copy of the staffed test store for each Hypothesis example: what one example
    wrote (tickets, drafts) never shapes the next."""
    with desk.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    template = tmp_path / "template.db"
    shutil.copyfile(Path(str(desk.engine.url.database)), template)
    opened: list[Desk] = []
    numbers = itertools.count()

    def make() -> Desk:
        if opened:
            opened.pop().close()
        path = tmp_path / f"example-{next(numbers)}.db"
        shutil.copyfile(template, path)
        opened.append(Desk.open(path, clock=desk.clock))
        return opened[-1]

    yield make
    for left in opened:
        left.close()


def value_of(widget: Widget) -> str:
    return widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]


def shown(widget: Widget) -> bool:
    return all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))


def kind_of(widget: Widget) -> str:
    name = str(widget.id)
    return KINDS.get(name) or KINDS.get(name[: name.index("-") + 1] if "-" in name else "", "")


def inputs_of(root: Widget) -> list[Widget]:
    found = [w for w in root.query("Input, TextArea") if shown(w) and w.id]
    unknown = [w.id for w in found if not kind_of(w)]
    assert not unknown, f"inputs with no kind in KINDS (say what they are for): {unknown}"
    return found


async def paste(pilot: Pilot, widget: Widget, text: str) -> None:
    """Replace what the input holds with `text`, as a terminal's bracketed paste."""
    widget.focus()
    await pilot.pause()
    widget.select_all()  # type: ignore[attr-defined]
    if text:
        pilot.app.post_message(events.Paste(text))
    else:  # (an empty paste changes nothing: the selection is deleted instead)
        await pilot.press("backspace")
    await pilot.pause()  # (the form checks itself on the Changed message: no worker to wait)
    await pilot.pause()


def log_rows(desk: Desk, after: int) -> list[ChangeLog]:
    with desk.read() as session:
        return list(session.scalars(sa.select(ChangeLog).where(ChangeLog.seq > after)))


def last_seq(desk: Desk) -> int:
    with desk.read() as session:
        return session.scalar(sa.select(sa.func.max(ChangeLog.seq))) or 0


def stored_texts(rows: list[ChangeLog]) -> list[str]:
    """Every text the rows wrote, with the texts inside an event's `data` (a JSON object: the
    investigation's four parts, the head asked to explain) as texts of their own."""
    texts: list[str] = []
    for row in rows:
        for value in json.loads(row.fields or "{}").values():
            if isinstance(value, str):
                texts.append(value)
                texts.extend(_inner_texts(value))
    return texts


def _inner_texts(value: str) -> list[str]:
    if not value.startswith("{"):
        return []
    try:
        inner = json.loads(value)
    except ValueError:
        return []
    return [v for v in inner.values() if isinstance(v, str)] if isinstance(inner, dict) else []


def field_error(widget: Widget) -> str:
    box = next((a for a in widget.ancestors if isinstance(a, Field)), None)
    if box is None:
        return ""
    error = box.query_one(f"#error-{box.field_name}", Static)
    return str(error.render()) if error.has_class("-shown") else ""


def any_error(screen: Widget) -> bool:
    if any(True for _ in screen.query(".field-error.-shown")):
        return True
    general = screen.query("#dialog-error")
    return bool(general and str(general.first(Static).render()).strip())


def judge(app: DeskApp, desk: Desk, widget: Widget, typed: str, before: int) -> bool:
    """The property for one input after its form was submitted; True when it was written."""
    assert app.is_running
    kind = kind_of(widget)
    problem = text_problem(typed, multiline=isinstance(widget, TextArea))
    written = log_rows(desk, before)
    if problem is not None and kind == "secret":  # a PIN is checked, never stored
        # (a wrong PIN for a work number is a failed attempt, and recorded as one)
        kept = [r for r in written if r.entity != "signin_event"]
        assert any_error(app.screen) and not kept, (widget.id, typed[:40])
        assert not typed.strip() or typed.strip() not in "".join(stored_texts(written))
        return False
    if problem is not None and kind != "filter":
        assert field_error(widget), (widget.id, typed[:40], problem)
        assert not written, (widget.id, [r.entity for r in written])
        assert value_of(widget) == typed  # nothing typed is lost
        return False
    texts = stored_texts(written)
    for text in texts:
        assert text_problem(text, multiline=True) is None, (widget.id, text[:40])
        text.encode("utf-8")
    if written and kind == "text" and typed.strip():
        assert typed.strip() in texts, (widget.id, typed[:40])
    if not written and kind != "filter":
        assert any_error(app.screen) or field_error(widget), (widget.id, typed[:40])
        assert value_of(widget) == typed
    return bool(written)


# --------------------------------------------------------------------------- intake (F2)


PHONES = itertools.count(13900000000)  # a new customer each time: no repeat-complaint prompt


def intake_form(variant: str) -> IntakeForm:
    """A valid form: "promise" (a reply promised), or "on_spot" (solved at the counter, with a
    refund and a severity reason: the fields those show are tried too)."""
    phone = str(next(PHONES))
    form = IntakeForm(customer_name="李四", contact_phone=phone, content="没信号", demand="修好",
                      cause_code="NET.COVER.INDOOR", promised_reply_at="16:00")  # fmt: skip
    if variant == "on_spot":
        form.solved_on_spot, form.outcome, form.satisfaction = True, "已解决", "satisfied"
        form.promised_reply_at, form.severity_reason = "", "客户要求加急"
        form.refund = RefundForm(verified=True, charged="30", should_have_charged="10")
    return form


async def valid_intake(pilot: Pilot, variant: str) -> None:
    """The rest of the form valid (filled as a restored draft is: setup, not the test)."""
    pilot.app.screen.write_form(intake_form(variant))  # type: ignore[attr-defined]
    await settle(pilot)


async def intake_case(desk: Desk, text: str, variant: str) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        if variant == "promise":
            await type_complaint(pilot, phone=str(next(PHONES)))  # by keys, as a handler
        else:
            await valid_intake(pilot, variant)
        for index in range(len(inputs_of(app.screen))):
            widget = inputs_of(app.screen)[index]
            before = last_seq(desk)
            await paste(pilot, widget, text)
            typed = value_of(widget)  # (an Input keeps the first line, up to its max_length)
            await pilot.press("ctrl+s")
            await settle(pilot)
            judge(app, desk, widget, typed, before)
            await valid_intake(pilot, variant)  # the whole form valid again (setup)


@pytest.mark.heavy
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile, variant=st.sampled_from(["promise", "on_spot"]))
@example(text=CURATED[0], variant="promise")
@example(text=CURATED[3], variant="on_spot")
def test_intake_form_refuses_or_stores_cleanly(
    fresh: Callable[[], Desk], text: str, variant: str
) -> None:
    run(intake_case(fresh(), text, variant))


# ----------------------------------------------------------------- follow-up dialogs (F4)


# A valid value for each dialog input, so the one under test is the only thing wrong.
VALID = {"f-note": "已联系客户", "f-content": "已处理", "f-outcome": "已解决,客户认可",
         "f-reason": "客户要求", "f-promise": "", "f-until": "2026-11-26 10:00", "f-score": "8",
         "f-reply": "已回复客户", "f-written_on": "", "f-page": "3", "f-line": "7",
         "f-customer_name": "", "f-contact": "", "f-facts": "柜台人员接待时态度生硬",
         "f-responsible": "刘洋", "f-result": "已当面道歉",
         "f-improvement": "班前会重申服务规范", "f-head": "网络部 李经理",
         "f-opinion": "同意按规定处理", "f-compensation": ""}  # fmt: skip
VALID["f-new_due"] = "2026-11-30 17:00"  # the extension's 延至: after the running deadline
VALID.update({  # issue 17: within the rule, so no approver is needed
    "f-refund_charged": "30", "f-refund_should": "20", "f-refund_amount": "",
    "f-refund_verification": "计费中心核实", "f-refund_approver": "", "f-refund_approver_pin": "",
    "f-refund_approval_reason": "", "f-reference": "CZ-1",
    "f-responsible_note": "", "f-agreed_hours": "", "f-attempts": "11-24 09:00",
    "f-suggestion": "", "f-approver": "", "f-approver_pin": "",
})  # fmt: skip


def valid_dialog(dialog: ActionDialog, skip: Widget) -> None:
    """Every other input of the dialog valid, every select on its first choice (setup)."""
    for select in dialog.query(Select):
        options = [value for _, value in select_options(select) if value is not Select.NULL]
        if options and select.value is Select.NULL:
            select.value = options[0]
    for widget in inputs_of(dialog):
        if widget is not skip:
            value = VALID[str(widget.id)]
            if isinstance(widget, TextArea):
                widget.load_text(value)
            else:
                widget.value = value  # type: ignore[attr-defined]


async def on_ticket(pilot: Pilot, queue: Widget, cid: str) -> None:
    """The queue's cursor on the ticket (setup: the queue's keys are its own tests')."""
    table = queue.query_one("#queue", DataTable)
    table.focus()
    table.move_cursor(row=[r.id for r in queue.rows].index(cid))  # type: ignore[attr-defined]
    await settle(pilot)
    assert queue._current().id == cid  # type: ignore[attr-defined]


# The ticket each action needs beyond an open one: an internal complaint for the investigation
# and the head's explanation, a media complaint for the report to the office and marketing.
_INTERNAL = {"internal": True, "cause_code": "HALL.ATTITUDE.RUDE"}
TICKET_FIELDS: dict[str, dict[str, object]] = {
    "investigation": _INTERNAL, "request_explanation": _INTERNAL, "explanation": _INTERNAL,
    "media_report": {"channel": "media", "severity": "major"},
}  # fmt: skip


async def dialog_case(desk: Desk, actor: Actor, text: str) -> None:
    """Every follow-up dialog (deskapp/screens/queue_actions.ACTIONS), each on a ticket of its own,
    in one app: a dialog still open after the last input is cancelled with Esc. Each ticket is
    one its action applies to (TICKET_FIELDS), so a clean text is stored, not refused."""
    tickets = {a.name: take(desk, actor, "王先生", str(next(PHONES)),
                            **TICKET_FIELDS.get(a.name, {})) for a in ACTIONS}  # fmt: skip
    asked = tickets["explanation"]  # (the head asked to explain first: setup)
    request_explanation(desk, actor, asked, head="网络部 李经理")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        queue = app.screen
        for action in ACTIONS:
            await on_ticket(pilot, queue, tickets[action.name])
            await pilot.press(action.key)
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ActionDialog), action.name
            for index in range(len(inputs_of(dialog))):
                widget = inputs_of(dialog)[index]
                valid_dialog(dialog, widget)
                before = last_seq(desk)
                await paste(pilot, widget, text)
                typed = value_of(widget)
                await pilot.press("ctrl+s")
                await settle(pilot)
                if app.screen is dialog:
                    assert judge(app, desk, widget, typed, before) is False
                    continue
                rows = log_rows(desk, before)  # written and closed: the record is clean
                assert rows and all(text_problem(t, multiline=True) is None
                                    for t in stored_texts(rows)), action.name  # fmt: skip
                if kind_of(widget) == "text" and typed.strip():
                    assert typed.strip() in stored_texts(rows), action.name
                break
            while app.screen is not queue:  # the dialog, or what a saved action opened
                await leave(pilot)
            assert app.is_running


@pytest.mark.heavy
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile)
@example(text=CURATED[0])
@example(text=CURATED[3])
def test_every_followup_dialog_refuses_or_stores_cleanly(
    fresh: Callable[[], Desk], actors: dict[str, Actor], text: str
) -> None:
    run(dialog_case(fresh(), actors["1001"], text))


# ---------------------------------------------------------------- opinion book (F7)


async def opinion_case(desk: Desk, text: str) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        for widget in inputs_of(screen):  # the filters
            await paste(pilot, widget, text)
            assert app.is_running and app.screen is screen
            if text_problem(value_of(widget)) is not None:
                info = str(screen.query_one("#opinion-info", Static).render())
                assert info.startswith("✗"), (widget.id, info)
            await paste(pilot, widget, "")
        valid = {"f-page": "3", "f-line": "7", "f-content": "排队太久", "f-written_on": ""}
        screen.query_one("#entries").focus()  # (from a filter, "n" would be typed)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        targets = [str(w.id) for w in inputs_of(dialog)]
        for target in targets:
            for widget in inputs_of(dialog):
                if widget.id != target and widget.id in valid:
                    await paste(pilot, widget, valid[str(widget.id)])
            widget = dialog.query_one(f"#{target}")
            before = last_seq(desk)
            await paste(pilot, widget, text)
            typed = value_of(widget)
            await pilot.press("ctrl+s")
            await settle(pilot)
            if app.screen is not dialog:  # written and closed
                rows = log_rows(desk, before)
                assert all(text_problem(t, multiline=True) is None for t in stored_texts(rows))
                if kind_of(widget) == "text" and typed.strip():
                    assert typed.strip() in stored_texts(rows)
                return
            judge(app, desk, widget, typed, before)
            with suppress(KeyError):
                await paste(pilot, widget, valid[target])


@pytest.mark.heavy
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile)
@example(text=CURATED[0])
@example(text=CURATED[4])
def test_opinion_book_filters_and_entry_refuse_or_store_cleanly(
    fresh: Callable[[], Desk], text: str
) -> None:
    run(opinion_case(fresh(), text))


# ------------------------------------------------------- search (F3), shift history (F5)


async def filters_case(desk: Desk, text: str) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        for widget in inputs_of(app.screen):
            await paste(pilot, widget, text)
            await pilot.press("enter")
            await settle(pilot, 0.6)  # (the search waits for typing to pause)
            assert app.is_running
            if text_problem(value_of(widget)) is not None:
                info = str(app.screen.query_one("#search-info", Static).render())
                assert info.startswith("✗"), info
        await pilot.press("f5")
        await settle(pilot)
        shift = app.screen
        shift.query_one("#shift-tabs").active = "tab-history"  # type: ignore[attr-defined]
        await settle(pilot)
        for widget in inputs_of(shift.query_one("#history-filter")):
            await paste(pilot, widget, text)
            assert app.is_running
            if text_problem(value_of(widget)) is not None:
                assert str(shift.query_one("#history-error", Static).render()).startswith("✗")
            await paste(pilot, widget, "")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile)
@example(text=CURATED[0])
@example(text=CURATED[3])
def test_search_and_history_filters_say_why_or_search(fresh: Callable[[], Desk], text: str) -> None:
    run(filters_case(fresh(), text))


async def cases_case(desk: Desk, text: str) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+backslash")
        await settle(pilot)
        for widget in inputs_of(app.screen):
            await paste(pilot, widget, text)
            await pilot.press("enter")
            await settle(pilot)
            assert app.is_running
            line = str(app.screen.query_one("#cases-line", Static).render())
            if text_problem(value_of(widget)) is not None:
                assert line.startswith("✗"), line
            else:
                assert not line.startswith("✗"), line


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile)
@example(text=CURATED[0])
@example(text=CURATED[3])
def test_the_case_library_words_say_why_or_search(fresh: Callable[[], Desk], text: str) -> None:
    run(cases_case(fresh(), text))


# ------------------------------------------------------------ sign-in, handover note (F5)


async def signin_case(desk: Desk, text: str) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        for widget in inputs_of(screen):
            other = screen.query_one("#pin" if widget.id == "work_no" else "#work_no", Input)
            other.value = "1111" if widget.id == "work_no" else "1001"
            await paste(pilot, widget, text)
            typed = value_of(widget)
            screen.query_one("#pin", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert app.is_running
            if app.screen is not screen:  # (signed in: only "1001" with "1111" would)
                assert typed.strip() in ("1001", "1111")
                return
            errors = [field_error(screen.query_one(f"#{name}")) for name in ("work_no", "pin")]
            assert any(errors) or not typed.strip(), (widget.id, typed[:40])
            if text_problem(typed) is not None and widget.id == "work_no":
                assert errors[0], typed[:40]


async def shift_case(desk: Desk, actor: Actor, text: str) -> None:
    take(desk, actor, "王先生", str(next(PHONES)))
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        for index in range(len(inputs_of(screen.query_one("#current")))):
            widgets = inputs_of(screen.query_one("#current"))
            for other in widgets:  # the rest of the handover valid (setup)
                if isinstance(other, TextArea):
                    other.load_text("交班正常")
                else:
                    other.value = "明天上午回电客户"  # type: ignore[attr-defined]
            widget = widgets[index]
            before = last_seq(desk)
            await paste(pilot, widget, text)
            typed = value_of(widget)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.is_running
            written = log_rows(desk, before)
            name = "shift-note-error" if widget.id == "shift-note" else f"error-{widget.id[5:]}"
            error = screen.query_one(f"#{name}", Static)
            shown_error = error.has_class("-shown") and str(error.render()).startswith("✗")
            if text_problem(typed, multiline=isinstance(widget, TextArea)) is not None:
                assert shown_error and not written, (widget.id, typed[:40])
                assert value_of(widget) == typed
            elif written:
                texts = stored_texts(written)
                assert all(text_problem(t, multiline=True) is None for t in texts)
                assert not typed.strip() or typed.strip() in texts, (widget.id, typed[:40])
                return  # the handover is written: the shift is over
            else:
                assert shown_error or any_error(screen), (widget.id, typed[:40])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile)
@example(text=CURATED[0])
@example(text=CURATED[1])
def test_sign_in_and_handover_refuse_or_store_cleanly(
    fresh: Callable[[], Desk], actors: dict[str, Actor], text: str
) -> None:
    desk = fresh()
    run(signin_case(desk, text))
    run(shift_case(desk, actors["1001"], text))


# ------------------------------------- every other form of the screens, found in their source


SCREENS = Path(__file__).resolve().parents[2] / "deskapp" / "screens"
# A form is a method of the screens that builds an input (Input, TextArea) or a dialog
# (DialogSpec); each is tried by the test named here (found by `form_sites`, so a new one
# fails `test_every_form_of_the_screens_is_tried` until it is listed).
TRIES: dict[str, tuple[str, ...]] = {
    "test_intake_form_refuses_or_stores_cleanly": ("intake.IntakeScreen._build",),
    "test_every_followup_dialog_refuses_or_stores_cleanly": (
        "queue_actions.QueueAction.dialog",),
    "test_opinion_book_filters_and_entry_refuse_or_store_cleanly": (
        "opinion_book.OpinionBookScreen.compose",
        "opinion_book.OpinionBookScreen.action_new_entry"),
    "test_search_and_history_filters_say_why_or_search": (
        "search.SearchScreen.compose", "shift.ShiftScreen.compose"),
    "test_sign_in_and_handover_refuse_or_store_cleanly": (
        "shift.ShiftScreen._show_current", "signin.SignInScreen.compose"),
    "test_every_other_dialog_refuses_or_stores_cleanly": (
        "reports.ReportsScreen.action_choose_range", "day_close.DayCloseScreen._ask_pin",
        "opinion_book.OpinionBookScreen.action_process", "handover.HandoverScreen.action_annotate",
        "shift.ShiftScreen._ask_acknowledge", "staff.StaffScreen.action_add",
        "staff.StaffScreen.action_role", "staff.StaffScreen.action_reset_pin"),
}  # fmt: skip
TRIES["test_the_watch_list_dialog_refuses_or_stores_cleanly"] = (  # issue 18
    "watch_list.WatchListScreen._dialog",
)
TRIES["test_the_batch_and_case_dialogs_refuse_or_store_cleanly"] = (  # issue 18
    "batches.BatchScreen.action_open_batch",
    "batches.BatchScreen._close",
    "case_dialog.case_dialog",  # K's dialog (and E's in the library)
    "detail.DetailScreen._repeat_dialog",
)
TRIES["test_the_batch_unlink_dialog_refuses_or_stores_cleanly"] = (  # issue 18 (batch18b)
    "detail.DetailScreen._unlink_batch_dialog",
)
TRIES["test_the_case_library_words_say_why_or_search"] = (  # issue 18
    "cases.CasesScreen.compose",
)
TRIED_BY = {site: test for test, sites in TRIES.items() for site in sites}
# Forms found but not tried here, each with why (they are listed, not forgotten).
NOT_TRIED: dict[str, str] = {
    "day_close.DayCloseScreen._complete": "its text input (the outcome) shows only for a closed "
    "ticket without an outcome, which no service makes; its other field is a select",
    "shift.ShiftScreen._ask_file": "needs a handover acknowledged first; its fields are the "
    "acknowledge dialog's (work number, PIN) and a note, tried there and in the F4 dialogs",
    "shift.ShiftScreen.action_settle": "needs a sync conflict between two terminals",
    "detail.DetailScreen._link_batch_dialog": "issue 18: a select of the open batch incidents "
    "only, no text input",
    "queue.QueueScreen.compose": "F4's jump box: what is typed is only matched against the rows "
    "on screen (services.queue.jump_target); it reads and writes nothing",
}


def form_sites() -> set[str]:
    """module.Class.method (or module.function) of every method in screens/ that builds an
    input or a dialog (the
    generic builders in deskapp/screens/widgets are the forms' parts, not forms)."""
    import ast

    found: set[str] = set()
    for path in sorted(SCREENS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        owners: list[tuple[str, list[ast.stmt]]] = [(path.stem, tree.body)]  # its functions
        owners += [(f"{path.stem}.{n.name}", n.body) for n in ast.walk(tree)
                   if isinstance(n, ast.ClassDef)]  # fmt: skip
        for owner, body in owners:
            functions = (ast.FunctionDef, ast.AsyncFunctionDef)
            for method in [m for m in body if isinstance(m, functions)]:
                calls = {ast.unparse(n.func) for n in ast.walk(method) if isinstance(n, ast.Call)}
                if calls & {"Input", "TextArea", "DeskTextArea", "DialogSpec", "field_widget"}:
                    found.add(f"{owner}.{method.name}")
    return found


def test_every_form_of_the_screens_is_tried() -> None:
    sites = form_sites()
    assert len(sites) >= 15  # the scan does find the forms
    assert sites == set(TRIED_BY) | set(NOT_TRIED)
    assert not set(TRIED_BY) & set(NOT_TRIED)
    tests = {name for name in globals() if name.startswith("test_")}
    assert set(TRIED_BY.values()) <= tests


OTHER_VALID = {"f-from": "2026-11-01", "f-to": "2026-11-24", "f-reply": "已回复客户",
               "f-note": "已补充说明", "f-work_no": "3001", "f-pin": "9999",
               "f-name": "新同事"}  # fmt: skip
OTHER_VALID.update({"f-customer": "13812345678", "f-customer_name": "李女士",  # issue 18
                    "f-advice": "先听完再解释", "f-solved": "已建微站", "f-refused": "拒绝索赔",
                    "f-review_on": "2026-12-31"})  # fmt: skip
VALID_CAUSE = "NET.OUTAGE.AREA"  # the batch dialog's cause picker: picked (its query emptied first)
OTHER_VALID.update({"cause-query": ""})
OTHER_VALID.update({"f-title": "城东基站故障", "f-cause_code": "NET.OUTAGE", "f-area": "城东",  # 18
                    "f-started_at": "", "f-description": "光缆被挖断", "f-scripts": "抢修中",
                    "f-outcome": "已修复", "f-lesson": "先查证后退费",
                    "f-summary": "客户来厅反映账单有疑问"})  # fmt: skip
OTHER_VALID["f-repeat_unlink_reason"] = "客户说是另一件事"  # 18: the repeat undone (R)
OTHER_VALID["f-responsible_note"] = ""  # 17: the batch close's responsible party (optional note)
OTHER_VALID["f-reason"] = "误关联到本批次"  # 18: the batch link undone (B on a linked ticket)


async def try_dialog(pilot: Pilot, desk: Desk, text: str, name: str) -> None:
    """Every input of the open dialog in turn, the others valid: refused at the field, or
    written cleanly (and then the dialog is closed: the case ends there)."""
    app = pilot.app
    dialog = app.screen
    assert isinstance(dialog, ActionDialog), (name, dialog)
    valid = {**OTHER_VALID, **({"f-work_no": "5001", "f-pin": "5555"} if name == "add" else {})}
    for index in range(len(inputs_of(dialog))):
        widgets = inputs_of(dialog)
        for other in widgets:
            if isinstance(other, TextArea):
                other.load_text(valid[str(other.id)])
            else:
                other.value = valid[str(other.id)]  # type: ignore[attr-defined]
        for picker in dialog.query(CausePicker):  # a cause is picked, not typed (issue 18)
            picker.set_code(VALID_CAUSE)
        widget = widgets[index]
        before = last_seq(desk)
        await paste(pilot, widget, text)
        typed = value_of(widget)
        await pilot.press("ctrl+s")
        with suppress(WorkerCancelled):  # (a saved dialog closes: its finished worker with it)
            await settle(pilot)
        await settle(pilot)
        assert app.is_running, name
        if app.screen is not dialog:  # written (or a filter taken) and closed
            texts = stored_texts(log_rows(desk, before))
            assert all(text_problem(t, multiline=True) is None for t in texts), name
            if kind_of(widget) == "text" and typed.strip():
                assert typed.strip() in texts, (name, widget.id)
            return
        judge(app, desk, widget, typed, before)
    await leave(pilot)


async def leave(pilot: Pilot) -> None:
    """Esc, and Y if the dialog asks before dropping what was typed (every dialog does)."""
    await pilot.press("escape")
    await settle(pilot)
    if isinstance(pilot.app.screen, ConfirmScreen):
        await pilot.press("y")
        await settle(pilot)


async def others_case(desk: Desk, actors: dict[str, Actor], text: str) -> None:
    """The dialogs the other tests do not open, in one app (its start and the sign-in are
    most of an example's cost), as the hall manager, who may open them all."""
    from deskapp.services import opinion_book, shifts
    from deskapp.sync.run import sync

    # Synchronized with a hall store: a terminal never synchronized has a gap in its day.
    assert sync(desk, str(Path(desk.path).with_suffix(".hall.db")), new_hall=True).ok
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "3001", "9999")

        async def opened(*keys: str, name: str) -> None:
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            await try_dialog(pilot, desk, text, name)

        await opened("f6", "r", name="range")
        # The day is complete so far, so the sign-off asks for the PIN (with gaps it shows
        # them and asks nothing); the records the later dialogs need are made after it.
        await opened("f9", "ctrl+b", name="sign")
        opinion_book.add_entry(desk, actors["1001"], opinion_book.EntryForm(
            page="1", line="1", content="排队太久"))  # fmt: skip
        shifts.open_shift(desk, actors["1002"])
        shifts.close_shift(desk, actors["1002"], {}, "交班正常")  # waiting, and in the history
        await pilot.press("f7")
        await settle(pilot)
        app.screen.query_one("#entries").focus()
        await opened("p", name="process")
        await pilot.press("f5")
        await settle(pilot)
        await opened("ctrl+a", name="acknowledge")
        shift = app.screen
        shift.query_one("#shift-tabs").active = "tab-history"  # type: ignore[attr-defined]
        await settle(pilot)
        shift.query_one("#history", DataTable).focus()
        await opened("enter", "n", name="annotate")
        await pilot.press("escape")  # (the handover screen)
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        await opened("ctrl+n", name="add")
        app.screen.query_one(DataTable).focus()
        await opened("ctrl+o", name="role")
        await opened("ctrl+k", name="reset_pin")
        assert app.is_running


@pytest.mark.heavy
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile)
@example(text=CURATED[0])  # (one curated text: the generated one varies between runs)
def test_every_other_dialog_refuses_or_stores_cleanly(
    fresh: Callable[[], Desk], actors: dict[str, Actor], text: str
) -> None:
    run(others_case(fresh(), actors, text))


async def watch_case(desk: Desk, text: str) -> None:
    """Issue 18: the watch-list entry dialog (F10, A), as the duty manager."""
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_watch_add(pilot)
        await try_dialog(pilot, desk, text, "watch")
        assert app.is_running


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile)
@example(text=CURATED[1])
def test_the_watch_list_dialog_refuses_or_stores_cleanly(
    fresh: Callable[[], Desk], text: str
) -> None:
    run(watch_case(fresh(), text))


async def batch_case(desk: Desk, actors: dict[str, Actor], text: str) -> None:
    """Issue 18: the batch incident's open and close dialogs (F11), the case dialog (K)."""
    from deskapp.screens.detail import DetailScreen
    from deskapp.services import followup
    from deskapp.services.batches import BatchForm, open_batch

    open_batch(desk, actors["2001"], BatchForm(title="城西停电", cause_code="NET.OUTAGE"))
    closed = take(desk, actors["1001"], "王先生", "13812341234")
    followup.close(
        desk, actors["1001"], closed, outcome="已解决", facts=closing_facts(desk, closed)
    )
    linked = take(desk, actors["1001"], "王先生", "13812341234")  # the rule links it
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f11")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await try_dialog(pilot, desk, text, "batch_open")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        table.focus()
        table.move_cursor(row=table.row_count - 1)  # the open one made above (oldest last)
        await pilot.press("enter")
        await settle(pilot)
        await try_dialog(pilot, desk, text, "batch_close")
        await leave(pilot)
        app.push_screen(DetailScreen(closed))
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        await try_dialog(pilot, desk, text, "case")
        assert app.is_running
        # The repeat changed after intake (R): undone, with the reason typed.
        app.push_screen(DetailScreen(linked))
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        app.screen.query_one("#f-repeat_of", Select).value = ""
        await try_dialog(pilot, desk, text, "repeat")
        assert app.is_running


@pytest.mark.heavy
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile)
@example(text=CURATED[1])
def test_the_batch_and_case_dialogs_refuse_or_store_cleanly(
    fresh: Callable[[], Desk], actors: dict[str, Actor], text: str
) -> None:
    run(batch_case(fresh(), actors, text))


async def unlink_case(desk: Desk, actors: dict[str, Actor], texts: list[str]) -> None:
    """Issue 18: B on a ticket linked to an open batch, the link undone with a reason typed,
    as the duty manager: each text in turn in the one app (the ticket linked again after a
    text that was written)."""
    from deskapp.screens.detail import DetailScreen
    from deskapp.services.batches import BatchForm, link_to_batch, linked_batch, open_batch

    manager = actors["2001"]
    batch = open_batch(desk, manager, BatchForm(title="城东断网", cause_code="NET.OUTAGE"))
    ticket = take(desk, actors["1001"], "赵先生", "13812340000")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        for text in texts:
            if linked_batch(desk, ticket) is None:
                link_to_batch(desk, manager, ticket, batch.id)
            detail = DetailScreen(ticket)
            app.push_screen(detail)
            await settle(pilot)
            await pilot.press("b")
            await settle(pilot)
            await try_dialog(pilot, desk, text, "batch_unlink")
            assert app.is_running and app.screen is detail
            app.pop_screen()
            await settle(pilot)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
@given(text=hostile)
def test_the_batch_unlink_dialog_refuses_or_stores_cleanly(
    fresh: Callable[[], Desk], actors: dict[str, Actor], text: str
) -> None:
    """The reason empty, with control characters, a 10,000-character paste (the field keeps
    its 200), then the generated text: refused at the field with nothing written, or the
    link undone with the reason stored cleanly."""
    run(unlink_case(fresh(), actors, ["", CURATED[1], CURATED[-1], text]))


def test_every_kind_is_one_the_property_knows() -> None:
    assert set(KINDS.values()) <= {"text", "parsed", "filter", "secret"}
