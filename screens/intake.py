"""受理投诉: the intake form. Keyboard only: Tab moves, Ctrl+S saves, Esc asks before discarding.

Rules live in deskapp.services.intake; this screen only collects text, shows the service's
errors next to their fields, and saves a draft as the handler types."""

from __future__ import annotations

import contextlib
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea
from textual.widgets.select import InvalidSelectValueError
from textual.worker import Worker

from deskapp.domain.enums import Channel, RefundMethod, Satisfaction, Severity
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.money import parse_amount
from deskapp.domain.phone import parse_phone
from deskapp.domain.refund import double_refund
from deskapp.domain.timefmt import format_local
from deskapp.i18n import error_text, t
from deskapp.incidents import Fault
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import (
    IntakeForm,
    RefundForm,
    check_intake,
    find_repeat_candidates,
    severity_suggestion,
    take_complaint,
)
from deskapp.services.pins import secret_pin
from deskapp.services.staff import list_staff
from deskapp.store.failures import StoreUnavailable
from deskapp.store.models import Complaint
from screens.boundary import desk_work
from screens.keys import keyed
from screens.widgets.cause_picker import CausePicker
from screens.widgets.check import Check
from screens.widgets.confirm import ConfirmScreen
from screens.widgets.desk_footer import DeskFooter
from screens.widgets.desk_text_area import DeskTextArea
from screens.widgets.draft_keeper import DRAFT_DELAY, DraftKeeper  # noqa: F401 (tests read it here)
from screens.widgets.field import Field
from screens.widgets.mode_screen import ModeScreen
from screens.widgets.status_line import StatusLine

FORM_KEY = "intake"
HANDOFF_STAFF = "handoff"  # a form left for a colleague under 当事人回避
# Inputs whose text maps one-to-one onto IntakeForm fields.
TEXT_INPUTS = (
    "received_at",
    "customer_name",
    "contact_phone",
    "service_number",
    "demand",
    "severity_reason",
    "outcome",
    "promised_reply_at",
)
REFUND_INPUTS = (
    "charged",
    "should_have_charged",
    "amount",
    "approver_work_no",
    "approver_pin",
    "approval_reason",
)
# What the form's widgets say when they change (silenced while the screen fills them).
FORM_MESSAGES = (
    Input.Changed,
    TextArea.Changed,
    Select.Changed,
    Checkbox.Changed,
    CausePicker.Picked,
)
# Service error field -> the Field container that shows it.
ERROR_FIELDS = {
    "refund_charged": "refund_charged",
    "refund_should": "refund_should",
    "refund_amount": "refund_amount",
    "refund_verified": "refund_verified",
    "refund_approver": "refund_approver",
    "refund_approval_reason": "refund_approval_reason",
    "refund_method": "refund_method",
}


def _set_text(widget: Static, text: str) -> None:
    """Update a line that is recomputed on every key only when its text changes (each update
    is a repaint)."""
    if widget.content != text:
        widget.update(text)


def _options(prefix: str, values: list[str]) -> list[tuple[str, str]]:
    return [(t(f"{prefix}.{v}"), v) for v in values]


class IntakeScreen(ModeScreen):
    TITLE_KEY = "intake.title"
    CSS_PATH = "intake.tcss"
    AUTO_FOCUS = "#customer_name"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "intake",
        [
            Binding("ctrl+s", "save", t("key.save"), priority=True),
            Binding("ctrl+n", "new_form", t("key.new"), show=False),  # = Esc; the footer is full
            Binding("escape", "discard", t("intake.new_form"), show=False),
            Binding("ctrl+t", "hand_off", t("intake.hand_off")),
        ],
    )

    def __init__(self) -> None:
        super().__init__()
        self.form = IntakeForm()
        self.touched: set[str] = set()
        self.show_all_errors = False
        self.saving = False
        self._pending_accused = ""  # from a draft restored before the staff list arrived
        self._recusal = False  # the handler picked themselves as the accused staff member
        self._summary = ""  # the "N problems" line above the form
        self.drafts = DraftKeeper(self, FORM_KEY, lambda: self.desk)

    @property
    def desk(self) -> Desk:
        return self.app.desk  # type: ignore[attr-defined]

    @property
    def actor(self) -> Actor:
        actor = self.app.actor  # type: ignore[attr-defined]
        assert actor is not None
        return actor

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield StatusLine()
        # Above the scrolling form, so "N problems" is seen even when they are further down.
        yield Static("", id="form-summary", classes="notice -error")
        with VerticalScroll(id="intake-form", can_focus=False):
            with Horizontal(classes="row"):
                yield Field(
                    t("intake.customer_name"),
                    Input(id="customer_name", compact=True, max_length=200),
                    name="customer_name",
                )
                yield Field(
                    t("intake.contact_phone"),
                    Input(id="contact_phone", compact=True, max_length=30),
                    name="contact_phone",
                )
                yield Field(
                    t("intake.service_number"),
                    Input(
                        id="service_number",
                        compact=True,
                        max_length=40,
                        placeholder=t("intake.service_number_hint"),
                    ),
                    name="service_number",
                )
            yield Static("", id="repeat-notice", classes="notice")
            yield Field(
                t("intake.content"),
                DeskTextArea(id="content", soft_wrap=True, tab_behavior="focus", compact=True),
                name="content",
            )
            yield Field(
                t("intake.demand"), Input(id="demand", compact=True, max_length=2000), name="demand"
            )
            yield Field(
                t("intake.cause"),
                CausePicker(
                    self.desk.refdata.causes, placeholder=t("intake.cause_hint"), id="cause"
                ),
                name="cause_code",
            )
            with Horizontal(classes="row"):
                yield Field(
                    t("intake.channel"),
                    Select(
                        _options("channel", [c.value for c in Channel]),
                        id="channel",
                        allow_blank=False,
                        value=Channel.WALK_IN.value,
                        compact=True,
                    ),
                    name="channel",
                )
                yield Field(
                    t("intake.severity"),
                    Select(
                        _options("severity", [s.value for s in Severity]),
                        id="severity",
                        allow_blank=False,
                        value=Severity.GENERAL.value,
                        compact=True,
                    ),
                    name="severity",
                )
                yield Field(
                    t("intake.received_at"),
                    Input(
                        id="received_at",
                        compact=True,
                        max_length=20,
                        placeholder=t("intake.received_at_hint"),
                    ),
                    name="received_at",
                )
            yield Field(
                t("intake.severity_reason"),
                Input(id="severity_reason", compact=True, max_length=1000),
                name="severity_reason",
            )
            with Horizontal(classes="row"):
                yield Field(
                    t("intake.accused_staff"),
                    Select([], id="accused_staff", prompt=t("intake.accused_none"), compact=True),
                    name="accused_staff",
                )
                with Horizontal(classes="flags"):
                    yield Check(t("intake.no_fault"), id="no_fault", compact=True)
                    yield Check(
                        t("intake.difficult_customer"), id="difficult_customer", compact=True
                    )
                    # 内部投诉: staff about staff, its own limits (隐患 is flagged in F4, key h)
                    yield Check(t("intake.internal"), id="internal", compact=True)
            yield Static("", id="recusal-notice", classes="notice -warning")
            # Solved on the spot → outcome and satisfaction; otherwise → when we reply.
            with Horizontal(classes="row", id="resolution-row"):
                with Vertical(classes="flags"):
                    yield Check(t("intake.solved_on_spot"), id="solved_on_spot", compact=True)
                yield Field(
                    t("intake.promised_reply_at"),
                    Input(
                        id="promised_reply_at",
                        compact=True,
                        max_length=20,
                        placeholder=t("intake.promised_hint"),
                    ),
                    name="promised_reply_at",
                )
                yield Field(
                    t("intake.outcome"),
                    Input(id="outcome", compact=True, max_length=4000),
                    name="outcome",
                )
                yield Field(
                    t("intake.satisfaction"),
                    Select(
                        _options("satisfaction", [s.value for s in Satisfaction]),
                        id="satisfaction",
                        compact=True,
                        prompt="—",
                    ),
                    name="satisfaction",
                )
            yield Check(t("intake.refund_enabled"), id="refund_enabled", compact=True)
            with Vertical(id="refund-box"):
                with Horizontal(classes="row"):
                    yield Field(
                        t("intake.refund_charged"),
                        Input(id="refund-charged", compact=True, max_length=20),
                        name="refund_charged",
                    )
                    yield Field(
                        t("intake.refund_should"),
                        Input(id="refund-should_have_charged", compact=True, max_length=20),
                        name="refund_should",
                    )
                    yield Field(
                        t("intake.refund_amount"),
                        Input(
                            id="refund-amount",
                            compact=True,
                            max_length=20,
                            placeholder=t("intake.refund_amount_hint"),
                        ),
                        name="refund_amount",
                    )
                yield Static("", id="refund-rule", classes="hint")
                with Horizontal(classes="row"):
                    yield Field(
                        t("intake.refund_method"),
                        Select(
                            _options("refund_method", [m.value for m in RefundMethod]),
                            id="refund-method",
                            allow_blank=False,
                            value=RefundMethod.ACCOUNT_CREDIT.value,
                            compact=True,
                        ),
                        name="refund_method",
                    )
                    yield Field(
                        "",
                        Check(t("intake.refund_verified"), id="refund-verified", compact=True),
                        name="refund_verified",
                    )
                with Horizontal(classes="row", id="approval-row"):
                    yield Field(
                        t("intake.refund_approver"),
                        Input(id="refund-approver_work_no", compact=True, max_length=16),
                        name="refund_approver",
                    )
                    yield Field(
                        t("intake.refund_approver_pin"),
                        Input(id="refund-approver_pin", compact=True, password=True, max_length=12),
                        name="refund_approver_pin",
                    )
                    yield Field(
                        t("intake.refund_approval_reason"),
                        Input(id="refund-approval_reason", compact=True, max_length=1000),
                        name="refund_approval_reason",
                    )
            yield Static("", id="store-failure", classes="field-error")
            yield Button(f"{t('intake.save')} (Ctrl+S)", id="save", variant="primary", compact=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self._sync_visibility()
        self.load_staff()
        self.warm_cause_index()
        self.offer_draft()

    @desk_work(group="warm")
    def warm_cause_index(self) -> None:
        # Building the pinyin index imports pypinyin: do it before the handler types "xh".
        self.desk.refdata.causes.warm()

    @desk_work(group="staff")
    def load_staff(self) -> None:
        staff = list_staff(self.desk)
        options = [(f"{s.work_no} {s.name}", s.id) for s in staff]
        self.app.call_from_thread(self._staff_loaded, options)

    def _staff_loaded(self, options: list[tuple[str, str]]) -> None:
        accused = self.query_one("#accused_staff", Select)
        with self.prevent(*FORM_MESSAGES):
            accused.set_options(options)
            # A draft restored before the list arrived keeps its accused staff member.
            if self._pending_accused in {value for _, value in options}:
                accused.value = self._pending_accused
        self._pending_accused = ""
        self.validate()

    # ------------------------------------------------------------- form <-> widgets

    def read_form(self) -> IntakeForm:
        q = self.query_one
        form = IntakeForm(
            complaint_id=self.form.complaint_id, opinion_entry_id=self.form.opinion_entry_id
        )
        for name in TEXT_INPUTS:
            setattr(form, name, q(f"#{name}", Input).value)
        form.content = q("#content", TextArea).text
        form.cause_code = q("#cause", CausePicker).code
        for name in ("channel", "severity", "satisfaction", "accused_staff"):
            value = q(f"#{name}", Select).value
            value = "" if value is Select.NULL else str(value)
            setattr(form, "accused_staff_id" if name == "accused_staff" else name, value)
        for name in ("no_fault", "difficult_customer", "internal", "solved_on_spot"):
            setattr(form, name, q(f"#{name}", Checkbox).value)
        if q("#refund_enabled", Checkbox).value:
            refund = RefundForm(
                verified=q("#refund-verified", Checkbox).value,
                method=str(q("#refund-method", Select).value),
            )
            for name in REFUND_INPUTS:
                setattr(refund, name, q(f"#refund-{name}", Input).value)
            refund.approver_pin = secret_pin(refund.approver_pin)
            form.refund = refund
        return form

    def write_form(self, form: IntakeForm) -> None:
        """Fill the widgets (restoring a draft, or clearing after a save).

        The widgets' Changed messages are prevented rather than ignored later: they would
        arrive after this method returns, and count as the handler typing."""
        with self.prevent(*FORM_MESSAGES):
            self._fill(form)
        self.touched.update(name for name in (*TEXT_INPUTS, "content") if getattr(form, name))
        if form.cause_code:
            self.touched.add("cause_code")
        self._show_repeat("")
        if form.contact_phone:
            self.check_repeat(form.contact_phone)
        self._sync_visibility()
        self.validate()
        self.refresh_bindings()

    def _fill(self, form: IntakeForm) -> None:
        q = self.query_one
        self.form = form
        for name in TEXT_INPUTS:
            q(f"#{name}", Input).value = getattr(form, name)
        q("#content", TextArea).text = form.content
        q("#cause", CausePicker).set_code(form.cause_code)
        q("#channel", Select).value = form.channel or Channel.WALK_IN.value
        q("#severity", Select).value = form.severity or Severity.GENERAL.value
        satisfaction = q("#satisfaction", Select)
        satisfaction.value = form.satisfaction if form.satisfaction else Select.NULL
        accused = q("#accused_staff", Select)
        try:
            accused.value = form.accused_staff_id or Select.NULL
        except InvalidSelectValueError:  # the staff list is still loading: set it on arrival
            accused.value = Select.NULL
            self._pending_accused = form.accused_staff_id
        for name in ("no_fault", "difficult_customer", "internal", "solved_on_spot"):
            q(f"#{name}", Checkbox).value = getattr(form, name)
        refund = form.refund or RefundForm()
        q("#refund_enabled", Checkbox).value = form.refund is not None
        q("#refund-verified", Checkbox).value = refund.verified
        q("#refund-method", Select).value = refund.method
        for name in REFUND_INPUTS:
            # The approver's PIN is never kept in a draft: typed again each time.
            value = "" if name == "approver_pin" else getattr(refund, name)
            q(f"#refund-{name}", Input).value = value

    def is_blank(self) -> bool:
        form = self.read_form()
        return (
            not any(getattr(form, n) for n in (*TEXT_INPUTS, "content", "cause_code"))
            and form.refund is None
        )

    # ------------------------------------------------------------ live validation

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(CausePicker.Picked)
    def _changed(self, event: Widget | object) -> None:
        control = getattr(event, "control", None) or getattr(event, "picker", None)
        if control is None:
            return
        name = (control.id or "").replace("refund-", "refund_")
        if name:
            self.touched.add("cause_code" if name in ("cause", "cause-query") else name)
            if name.startswith("refund_"):
                self.touched.add(name.replace("should_have_charged", "should"))
            if name.startswith("refund_approver"):
                self.touched.add("refund_approver")
        if name == "channel":
            self._suggest_severity()
        if name == "contact_phone":
            self.check_repeat(self.query_one("#contact_phone", Input).value)
        self._sync_visibility()
        self.validate()
        self._schedule_draft()

    def _suggest_severity(self) -> None:
        channel = Channel(str(self.query_one("#channel", Select).value))
        floor = severity_suggestion(self.desk, channel)
        severity = self.query_one("#severity", Select)
        if Severity(str(severity.value)).rank < floor.rank:
            severity.value = floor.value

    def _sync_visibility(self) -> None:
        q = self.query_one
        on_spot = q("#solved_on_spot", Checkbox).value
        q("#field-outcome").display = on_spot
        q("#field-satisfaction").display = on_spot
        q("#field-promised_reply_at").display = not on_spot
        refund_on = q("#refund_enabled", Checkbox).value
        q("#refund-box").display = refund_on
        channel = Channel(str(q("#channel", Select).value))
        floor = severity_suggestion(self.desk, channel)
        below = Severity(str(q("#severity", Select).value)).rank < floor.rank
        q("#field-severity_reason").display = below or bool(q("#severity_reason", Input).value)
        self._update_refund_rule(refund_on)

    def _update_refund_rule(self, refund_on: bool) -> None:
        rule = self.query_one("#refund-rule", Static)
        approval = self.query_one("#approval-row")
        if not refund_on:
            approval.display = False
            return
        maximum = self.desk.refdata.settings.refund.max_amount
        try:
            charged = parse_amount(self.query_one("#refund-charged", Input).value, "c", maximum)
            should = parse_amount(
                self.query_one("#refund-should_have_charged", Input).value, "s", maximum
            )
        except RuleViolation:
            _set_text(rule, "")
            approval.display = False
            return
        quote = double_refund(charged, should)
        if not quote.eligible:
            _set_text(rule, t("intake.refund_none"))
            approval.display = False
            return
        _set_text(
            rule, t("intake.refund_rule", amount=quote.rule_amount, charged=charged, should=should)
        )
        amount_text = self.query_one("#refund-amount", Input).value
        try:
            over = bool(amount_text.strip()) and quote.exceeds_rule(
                parse_amount(amount_text, "a", maximum)
            )
        except RuleViolation:
            over = False
        approval.display = over

    def validate(self) -> list[FieldError]:
        form = self.read_form()
        try:
            check_intake(self.desk, self.actor, form)
            errors: list[FieldError] = []
        except RuleViolation as violation:
            errors = violation.errors
        self.show_errors(errors)
        return errors

    def show_errors(self, errors: list[FieldError]) -> None:
        by_field: dict[str, str] = {}
        for error in errors:
            target = ERROR_FIELDS.get(error.field, error.field)
            by_field.setdefault(target, error_text(error))
        shown = 0
        for field in self.query(Field):
            name = field.field_name
            visible = self.show_all_errors or name in self.touched or name == "accused_staff"
            message = by_field.get(name) if visible else None
            shown += message is not None
            field.show_error(message)
        recusal = any(e.key == "error.recusal.self" for e in errors)
        if recusal != self._recusal:
            self._recusal = recusal
            notice = self.query_one("#recusal-notice", Static)
            offer = f"{t('intake.recusal_offer')}  {t('intake.hand_off_hint')}"
            notice.update(offer if recusal else "")
            notice.display = recusal
            self.refresh_bindings()  # Ctrl+T appears in the footer only when it applies
        summary_text = (
            t("intake.errors_count", count=shown) if self.show_all_errors and shown else ""
        )
        if summary_text != self._summary:  # (this runs on every key: repaint only on change)
            self._summary = summary_text
            summary = self.query_one("#form-summary", Static)
            summary.update(summary_text)
            summary.display = bool(summary_text)

    # --------------------------------------------------------------- repeat check

    @desk_work(exclusive=True, group="repeat")
    def check_repeat(self, phone_text: str) -> None:
        candidates = (
            find_repeat_candidates(self.desk, phone_text) if parse_phone(phone_text) else []
        )
        text = ""
        if candidates:
            text = "⟳ " + t(
                "intake.repeat_found",
                count=len(candidates),
                tickets="、".join(c.ticket_no for c in candidates[:3]),
            )
        self.app.call_from_thread(self._show_repeat, text)

    def _show_repeat(self, text: str) -> None:
        notice = self.query_one("#repeat-notice", Static)
        notice.update(text)
        notice.display = bool(text)

    # --------------------------------------------------------------------- drafts

    def _schedule_draft(self) -> None:
        self.drafts.schedule(self.save_draft_now)

    def save_draft_now(self, staff_id: str | None = None) -> Worker[None] | None:
        """Write the draft now; the caller may await the returned worker (signing out)."""
        self.drafts.stop()
        if self.saving or self.app.actor is None or self.is_blank():  # type: ignore[attr-defined]
            return None  # (a form being saved leaves no draft: the save discards it)
        return self.drafts.save(staff_id or self.actor.id, self.read_form().to_json())

    @desk_work(group="draft-offer")
    def offer_draft(self) -> None:
        own = self.drafts.load(self.actor.id)
        handoff = self.drafts.load(HANDOFF_STAFF)
        draft = own or handoff
        if draft is None:
            return
        form = IntakeForm.from_json(draft.data)
        if draft is handoff and form.accused_staff_id == self.actor.id:
            return  # the colleague it was handed to is the one complained about
        at = format_local(draft.updated_at, self.desk.tz)

        def answer(restore: bool | None) -> None:
            if restore:
                self.write_form(form)
                if draft is handoff:
                    self.drafts.discard(HANDOFF_STAFF)
            else:
                self.drafts.discard(draft.staff_id)

        self.app.call_from_thread(
            self.app.push_screen,
            ConfirmScreen(
                t("intake.draft_title"),
                t("intake.draft_body", at=at),
                yes=t("confirm.restore"),
                no=t("confirm.discard"),
            ),
            answer,
        )

    # -------------------------------------------------------------------- actions

    def action_save(self) -> None:
        if self.saving:
            return  # the second press of Save while the first is still writing
        self.show_all_errors = True
        form = self.read_form()
        if self.validate():
            self._focus_first_error()
            return
        self.saving = True
        self.drafts.stop()  # a draft written after the save would outlive it
        self.query_one("#save", Button).disabled = True
        self.save(form)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @desk_work(exclusive=True, group="save")
    def save(self, form: IntakeForm) -> None:
        complaint = take_complaint(self.desk, self.actor, form)
        with contextlib.suppress(StoreUnavailable):
            # Saved: a draft left behind by a full disk is only offered back once more.
            self.drafts.discard_now(self.actor.id)
        self.app.call_from_thread(self._saved, complaint)

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        if worker.group == "save":
            if fault.violation is not None:
                self._save_refused(fault.violation)
            else:
                self._save_failed(fault.message)
            return True
        return self.drafts.failed(worker, fault)  # the form is still on screen either way

    def _save_failed(self, message: str) -> None:
        """The store refused the write (full disk, read-only file, busy, damaged): nothing was
        saved, every field stays as typed, and Ctrl+S tries again."""
        self.saving = False
        self.query_one("#save", Button).disabled = False
        notice = self.query_one("#store-failure", Static)
        notice.update(message)
        notice.display = True
        self.notify(message, severity="error", timeout=30)
        self._schedule_draft()

    def _save_refused(self, violation: RuleViolation) -> None:
        self.saving = False
        self.query_one("#save", Button).disabled = False
        self.show_errors(violation.errors)
        self._focus_first_error()
        self._schedule_draft()  # still unsaved: keep the draft

    def _saved(self, complaint: Complaint) -> None:
        self.query_one("#store-failure", Static).display = False
        self.saving = False
        self.query_one("#save", Button).disabled = False
        key = "intake.saved_closed" if complaint.solved_on_spot else "intake.saved_open"
        self.notify(t(key, ticket=complaint.ticket_no), timeout=8)
        self._reset()

    def _reset(self) -> None:
        self.drafts.stop()
        self.touched.clear()
        self.show_all_errors = False
        self._show_repeat("")
        self.write_form(IntakeForm())
        self.query_one("#customer_name", Input).focus()
        self.query_one("#intake-form", VerticalScroll).scroll_home(animate=False)

    def _focus_first_error(self) -> None:
        for field in self.query(Field):
            if field.has_class("-invalid") and field.display:
                focusable = [w for w in field.query("*") if w.focusable]
                if focusable:
                    focusable[0].focus()
                    self.query_one("#intake-form", VerticalScroll).scroll_to_widget(field)
                return

    def action_new_form(self) -> None:
        self.action_discard()

    def action_discard(self) -> None:
        if self.is_blank():
            self._reset()
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.drafts.discard(self.actor.id)
                self._reset()

        self.app.push_screen(
            ConfirmScreen(t("intake.discard_title"), t("intake.discard_body")), answer
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hand_off":
            return self._recusal  # only a recused handler hands the form over
        return True

    async def action_hand_off(self) -> None:
        """当事人回避: leave the typed form for the colleague who signs in next."""
        if not self._recusal:
            return
        # Each on disk before the next, and before the screen and its workers go away.
        written = self.save_draft_now(staff_id=HANDOFF_STAFF)
        if written is not None:
            await written.wait()
        await self.drafts.discard(self.actor.id).wait()
        self._reset()
        await self.app.run_action("sign_out")
