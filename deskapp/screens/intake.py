"""受理投诉: the intake form. Keyboard only: Tab moves, Ctrl+S saves, Esc asks before discarding.

Rules live in deskapp.services.intake; this screen only collects text, shows the service's
errors next to their fields, and saves a draft as the handler types."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, TextArea
from textual.widgets.select import InvalidSelectValueError
from textual.worker import Worker

from deskapp.domain.clean_input import printable
from deskapp.domain.enums import Channel, ClaimedTo, RefundMethod, Satisfaction, Severity
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.money import parse_amount
from deskapp.domain.phone import parse_phone
from deskapp.domain.refund import refund_quote
from deskapp.domain.repeat import matter_of
from deskapp.domain.timefmt import format_local
from deskapp.domain.watch import marks_difficult
from deskapp.i18n import error_text, t
from deskapp.incidents import Fault
from deskapp.screens.boundary import desk_work
from deskapp.screens.desk_app import desk_app
from deskapp.screens.keys import keyed
from deskapp.screens.textual_private import withdraw_notifications
from deskapp.screens.widgets.cause_picker import CausePicker
from deskapp.screens.widgets.check import Check
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.draft_keeper import DRAFT_DELAY, DraftKeeper  # noqa: F401 (tests read it here)
from deskapp.screens.widgets.field import Field, FieldSpec, field_widget
from deskapp.screens.widgets.hand_off import HandOffScreen
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.batches import open_batches_for
from deskapp.services.customer import HistoryPage, WatchView, customer_key, watch_for_customer
from deskapp.services.desk import Actor, Desk
from deskapp.services.drafts import (
    HandOff,
    desk_holder,
    discard_hand_off,
    hand_off,
    open_to,
    take_hand_off,
    waiting_hand_offs,
)
from deskapp.services.intake import (
    IntakeForm,
    RefundForm,
    RepeatCandidate,
    below_severity_floor,
    check_intake,
    find_repeat_candidates,
    severity_suggestion,
    standard_script,
    take_complaint,
)
from deskapp.services.pins import secret_pin
from deskapp.services.records import BatchIncident, Complaint, StoreUnavailable
from deskapp.services.search import ticket_no_of
from deskapp.services.staff import list_staff

FORM_KEY = "intake"
# Check boxes whose value maps one-to-one onto IntakeForm fields.
CHECKS = ("no_fault", "difficult_customer", "internal", "hidden_risk", "solved_on_spot")
# The choices a blank form holds as IntakeForm's defaults (is_blank).
CHOICES = ("channel", "severity", "satisfaction", "accused_staff_id", "claimed_to", "batch_id",
           *CHECKS)  # fmt: skip
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
    "repeat_unlink_reason",
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
# Rows a look-up shows while the handler types (the customer's earlier complaints once the phone
# is typed, the open batches once the cause is chosen): out of the Tab order, which stays the
# same whatever a look-up finds, so keys typed through the form never land in a row that
# appeared meanwhile. Each has its key (Ctrl+L, Ctrl+B); Tab moves within a row once in it.
OFFERED = ("repeat-row", "batch-row")
# Service error field -> the Field container that shows it.
ERROR_FIELDS = {
    "refund_charged": "refund_charged",
    "refund_should": "refund_should",
    "refund_amount": "refund_amount",
    "refund_verified": "refund_verified",
    "refund_approver": "refund_approver",
    "refund_approval_reason": "refund_approval_reason",
    "refund_method": "refund_method",
    "refund_error_type": "refund_error_type",
}


def _set_text(widget: Static, text: str) -> None:
    """Update a line that is recomputed on every key only when its text changes (each update
    is a repaint)."""
    if widget.content != text:
        widget.update(text)


def _options(prefix: str, values: list[str]) -> list[tuple[str, str]]:
    return [(t(f"{prefix}.{v}"), v) for v in values]


# ------------------------------------------------------------------------------ the form


@dataclass(frozen=True)
class CheckSpec:
    """A check box on its own (not a labelled field)."""

    widget_id: str
    label: str


@dataclass(frozen=True)
class Note:
    """A line the screen fills (a notice, a rule, a failure)."""

    widget_id: str
    classes: str = ""


@dataclass(frozen=True)
class Group:
    """Parts side by side (`row`), or stacked (`vertical`)."""

    parts: tuple[Part, ...]
    classes: str = "row"
    widget_id: str | None = None
    vertical: bool = False


Part = FieldSpec | CheckSpec | Note | Group


def _row(*parts: Part, widget_id: str | None = None) -> Group:
    return Group(parts, widget_id=widget_id)


def _text(name: str, max_length: int, hint: str = "", widget_id: str = "",
          password: bool = False) -> FieldSpec:  # fmt: skip
    """An input whose label is `intake.<name>` (and hint `intake.<hint>`)."""
    placeholder = t(f"intake.{hint}") if hint else ""
    return FieldSpec(name, t(f"intake.{name}"), max_length=max_length,
                     widget_id=widget_id or name, placeholder=placeholder,
                     password=password)  # fmt: skip


def _choice(name: str, values: list[str], default: str | None = None, prompt: str = "",
            widget_id: str = "") -> FieldSpec:  # fmt: skip
    """A select of `values` (words from the catalogue under `name`): with a `default` it always
    holds a value; without, `prompt` names the empty choice."""
    return FieldSpec(name, t(f"intake.{name}"), kind="select",
                     options=_options(name, values), default=default,
                     widget_id=widget_id or name, prompt=prompt or None,
                     allow_blank=default is None)  # fmt: skip


def _chosen(select: Select[str]) -> str:
    """A select's value, "" while it holds its empty choice (never the blank's repr)."""
    value = select.value
    return "" if value is Select.NULL else str(value)


def form_layout(error_types: list[tuple[str, str]] | None = None) -> tuple[Part, ...]:
    """The intake form, top to bottom: each field with its label, widget and limits.
    `error_types`: the refund's error types (data/refund_errors.toml) as (name, code)."""
    return (
        _row(
            _text("customer_name", 200),
            _text("contact_phone", 30),
            _text("service_number", 40, hint="service_number_hint"),
        ),
        Note("watch-notice", "notice -watch"),
        Note("repeat-notice", "notice"),
        # 重复投诉: the candidate the rule links, another chosen by hand, or none (with why).
        _row(
            _choice("repeat_of", [], prompt=t("intake.repeat_none")),  # filled as typed
            _text("repeat_unlink_reason", 500),
            widget_id="repeat-row",
        ),
        FieldSpec("content", t("intake.content"), kind="area", widget_id="content"),
        _text("demand", 2000),
        FieldSpec(
            "cause_code",
            t("intake.cause"),
            kind="cause",
            widget_id="cause",
            placeholder=t("intake.cause_hint"),
        ),
        Note("script-notice", "hint -script"),  # 标准话术 of the cause chosen
        _row(
            _choice("channel", [c.value for c in Channel], Channel.WALK_IN.value),
            _choice("severity", [s.value for s in Severity], Severity.GENERAL.value),
            _text("received_at", 20, hint="received_at_hint"),
        ),
        _text("severity_reason", 1000),
        _row(
            _choice("accused_staff", [], prompt=t("intake.accused_none")),  # filled on mount
            Group(
                (
                    CheckSpec("no_fault", t("intake.no_fault")),
                    CheckSpec("difficult_customer", t("intake.difficult_customer")),
                    # 内部投诉: staff about staff, its own limits
                    CheckSpec("internal", t("intake.internal")),
                ),
                "flags",
            ),
        ),
        # 隐患投诉 and 声称升级 (where the customer says they will go): the hidden-risk clock
        # starts at intake; a claim raises the severity floor (also flagged later, F4 key h).
        _row(
            Group((CheckSpec("hidden_risk", t("intake.hidden_risk")),), "flags"),
            _choice("claimed_to", [c.value for c in ClaimedTo], prompt=t("intake.claimed_none")),
            widget_id="risk-row",
        ),
        Note("recusal-notice", "notice -warning"),
        # 批量投诉: the open batches whose cause takes this one (Ctrl+B links the first).
        _row(_choice("batch", [], prompt=t("intake.batch_none")), widget_id="batch-row"),
        Note("batch-notice", "notice"),
        # Solved on the spot → outcome and satisfaction; otherwise → when we reply.
        _row(
            Group(
                (CheckSpec("solved_on_spot", t("intake.solved_on_spot")),), "flags", vertical=True
            ),
            _text("promised_reply_at", 20, hint="promised_hint"),
            _text("outcome", 4000),
            _choice("satisfaction", [s.value for s in Satisfaction], prompt="—"),
            widget_id="resolution-row",
        ),
        CheckSpec("refund_enabled", t("intake.refund_enabled")),
        Group(
            (
                # the error type decides the rule (the six kinds double, others the difference)
                FieldSpec(
                    "refund_error_type",
                    t("intake.refund_error_type"),
                    kind="select",
                    options=error_types or [],
                    widget_id="refund-error_type",  # starts at (无): the type is chosen, as
                    allow_blank=True,  # F4's `y` asks (a default would double by mistake)
                ),
                _row(
                    _text("refund_charged", 20, widget_id="refund-charged"),
                    _text("refund_should", 20, widget_id="refund-should_have_charged"),
                    _text(
                        "refund_amount", 20, hint="refund_amount_hint", widget_id="refund-amount"
                    ),
                ),
                Note("refund-rule", "hint"),
                _row(
                    _choice(
                        "refund_method",
                        [m.value for m in RefundMethod],
                        RefundMethod.ACCOUNT_CREDIT.value,
                        widget_id="refund-method",
                    ),
                    FieldSpec(
                        "refund_verified",
                        t("intake.refund_verified"),
                        kind="check",
                        widget_id="refund-verified",
                    ),
                ),
                _row(
                    _text("refund_approver", 16, widget_id="refund-approver_work_no"),
                    FieldSpec(
                        "refund_approver_pin",
                        t("intake.refund_approver_pin"),
                        max_length=12,
                        widget_id="refund-approver_pin",
                        password=True,
                    ),
                    _text("refund_approval_reason", 1000, widget_id="refund-approval_reason"),
                    widget_id="approval-row",
                ),
            ),
            classes="",
            widget_id="refund-box",
            vertical=True,
        ),
        Note("store-failure", "field-error"),
    )


def warm(desk: Desk) -> None:
    """What the form needs before its first frame, done ahead from a thread (the sign-in
    screen, while the PIN is typed): this module imported, and the causes' pinyin index."""
    desk.refdata.causes.warm()


class IntakeScreen(ModeScreen):
    TITLE_KEY = "intake.title"
    CSS_PATH = "intake.tcss"
    AUTO_FOCUS = "#customer_name"
    HELP_ALWAYS = frozenset({"hand_off"})  # F1 lists Ctrl+T even before a recusal
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "intake",
        [
            Binding("ctrl+s", "save", t("key.save"), priority=True),
            Binding("ctrl+n", "new_form", t("key.new"), show=False),  # = Esc; the footer is full
            Binding("escape", "discard", t("intake.new_form"), show=False),
            Binding("ctrl+t", "hand_off", t("intake.hand_off")),
            # (not in the footer, which is full: the customer line says it when there is one)
            Binding("ctrl+y", "history", t("intake.history"), show=False, priority=True),
            Binding("ctrl+b", "link_batch", t("intake.batch_key"), show=False, priority=True),
            # The hand-offs of colleagues waiting (said above the form when there are).
            Binding("ctrl+g", "hand_offs", t("intake.key_hand_offs"), show=False),
            # Straight to the part of the form a solved case or a refund needs: fewer Tabs.
            Binding("ctrl+o", "on_spot", t("intake.key_on_spot"), show=False, priority=True),
            Binding("ctrl+r", "refund", t("intake.key_refund"), show=False, priority=True),
            # Tab moves the cursor as the app receives it, before the keys after it are handed
            # on: unbound, it waited in the field's own queue behind the keys sent with it,
            # and a burst (a fast typist, a scanner, one terminal write "zw<Tab>139") put
            # those keys in the field being left (tests/ui/test_ui_intake_burst18.py).
            # 重复投诉's choice, out of the Tab order (`OFFERED`): the cursor put on it.
            Binding("ctrl+l", "repeat_choice", t("intake.repeat_key"), show=False, priority=True),
            Binding(
                "tab",
                "next_field(1)",
                "",  # (no words: the help's hint line says Tab, as for every screen)
                show=False,
                priority=True,
                id="intake.next_field",
            ),
            Binding(
                "shift+tab",
                "next_field(-1)",
                "",
                show=False,
                priority=True,
                id="intake.previous_field",
            ),
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
        # A colleague's form taken under 当事人回避: it stays their hand-off until saved.
        self._hand_off: HandOff | None = None
        self.drafts = DraftKeeper(self, FORM_KEY, lambda: self.desk)
        # 重复投诉 as offered for the number typed: the candidates, the one the rule links,
        # whether the handler changed the choice, and a draft's choice waiting for them.
        self._candidates: list[RepeatCandidate] = []
        # The customer's first history page, read as the phone was typed, for Ctrl+Y: the
        # numbers it is of, and the page.
        # the first page read ahead, for these numbers and this accused staff member
        self._history: tuple[tuple[tuple[str, ...], str], HistoryPage] | None = None
        self._fields: list[Field] | None = None
        self._repeat_rule = ""
        self._repeat_touched = False
        self._pending_repeat: tuple[bool, str] | None = None
        self._batches: list[BatchIncident] = []  # open batches matching the cause
        self._pending_batch = ""  # a draft's batch, its list still coming
        self._holder = uuid.uuid4().hex[:12]  # this form's claim on a hand-off it takes
        self._failures_told: set[str] = set()  # failures to save said as notices
        # What the last save was refused for that only the write can know (an approver's PIN,
        # a batch closed meanwhile): shown at its field until that field is changed, not
        # wiped by the next key's check of the rest.
        self._refused: list[FieldError] = []

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    @property
    def actor(self) -> Actor:
        actor = desk_app(self).actor
        assert actor is not None
        return actor

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield StatusLine()
        # Above the scrolling form, so "N problems" is seen even when they are further down.
        yield Static("", id="form-summary", classes="notice -error")
        yield Static("", id="handoff-waiting", classes="notice")
        with VerticalScroll(id="intake-form", can_focus=False):
            types = [(e.name, e.code) for e in self.desk.refdata.refund_errors.values()]
            for part in form_layout(types):
                yield self._build(part)
            yield Button(f"{t('intake.save')} (Ctrl+S)", id="save", variant="primary", compact=True)
        yield DeskFooter()

    def _build(self, part: Part) -> Widget:
        """A widget of the form from its declaration (`form_layout`)."""
        if isinstance(part, FieldSpec) and part.kind == "cause":
            picker = CausePicker(self.desk.refdata.causes, placeholder=part.placeholder,
                                 id=part.id)  # fmt: skip
            return Field(part.label, picker, name=part.name)
        if isinstance(part, FieldSpec):
            return Field("" if part.kind == "check" else part.label,
                         field_widget(part), name=part.name)  # fmt: skip
        if isinstance(part, CheckSpec):
            return Check(part.label, id=part.widget_id, compact=True)
        if isinstance(part, Note):
            return Static("", id=part.widget_id, classes=part.classes)
        box = Vertical if part.vertical else Horizontal
        return box(*(self._build(p) for p in part.parts), id=part.widget_id,
                   classes=part.classes)  # fmt: skip

    def on_mount(self) -> None:
        self._example_times()
        self._sync_visibility()
        self.load_staff()
        self.warm_cause_index()
        if desk_app(self).actor is None:
            # Built beneath the sign-in screen (DeskApp.prepare_intake): blank, and nobody's
            # until someone signs in; `begin` then makes it theirs.
            self._waiting_for_actor = True
        else:  # built after sign-in (or signed in while it was being built)
            self._begun = True
            self.query_one(StatusLine).refresh_head()
            self.offer_draft()

    _waiting_for_actor = False  # mounted before anyone signed in; `begin` not run yet
    _begun = False
    _unchecked = False  # a check came while nobody was signed in

    def begin(self) -> None:
        """The form built beneath the sign-in becomes the signed-in handler's: their name in
        the status line, the rules checked as theirs, their own draft (or a colleague's
        hand-off) offered."""
        if self._begun:
            return
        self._begun = True
        self._waiting_for_actor = False
        self.query_one(StatusLine).refresh_head()
        if self._unchecked:  # a check asked for before anyone signed in (`validate`)
            self.validate()
        self.offer_draft()

    def begin_when_mounted(self) -> None:
        """Signed in: `begin` now if the form was built beneath the sign-in, else its
        `on_mount` (still to come) does, the actor being set by then."""
        if self._waiting_for_actor:
            self.begin()

    def _example_times(self) -> None:
        """The promise's example is tomorrow at 10:00, never a fixed date that has passed."""
        tomorrow = self.desk.clock.now().astimezone(self.desk.tz) + timedelta(days=1)
        example = tomorrow.replace(hour=10, minute=0)
        self.query_one("#promised_reply_at", Input).placeholder = t(
            "intake.promised_example",
            example=example.strftime("%Y-%m-%d %H:%M"),
            short=example.strftime("%m-%d %H:%M"),
        )

    @desk_work(group="warm")
    def warm_cause_index(self) -> None:
        # Building the pinyin index imports pypinyin: do it before the handler types "xh".
        self.desk.refdata.causes.warm()

    @desk_work(group="staff")
    def load_staff(self) -> None:
        staff = list_staff(self.desk)
        options = [(Text(f"{s.work_no} {s.name}"), s.id) for s in staff]
        self.app.call_from_thread(self._staff_loaded, options)

    def _staff_loaded(self, options: list[tuple[Text, str]]) -> None:
        accused = self.query_one("#accused_staff", Select)
        with self.prevent(*FORM_MESSAGES):
            accused.set_options(options)
            # A draft restored before the list arrived keeps its accused staff member.
            if self._pending_accused in {value for _, value in options}:
                accused.value = self._pending_accused
        pending, self._pending_accused = self._pending_accused, ""
        if pending and self._accused_now() != pending:
            self.synchronized()  # the draft's accused is gone: checked again without them
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
        for name in ("channel", "severity", "satisfaction", "accused_staff", "claimed_to"):
            value = q(f"#{name}", Select).value
            value = "" if value is Select.NULL else str(value)
            setattr(form, "accused_staff_id" if name == "accused_staff" else name, value)
        for name in CHECKS:
            setattr(form, name, q(f"#{name}", Checkbox).value)
        chosen = q("#repeat_of", Select).value
        chosen = "" if chosen is Select.NULL else str(chosen)
        if self._pending_repeat is not None:  # a draft's choice, its candidates still coming
            form.link_repeat, form.repeat_of_id = self._pending_repeat
        elif chosen and chosen != self._repeat_rule:
            form.repeat_of_id = chosen  # linked by hand
        else:  # the rule's link, or the handler unlinked it (a reason then asked for)
            form.link_repeat = bool(chosen) or not self._repeat_rule
        batch = q("#batch", Select).value
        form.batch_id = self._pending_batch or ("" if batch is Select.NULL else str(batch))
        if q("#refund_enabled", Checkbox).value:
            refund = RefundForm(
                verified=q("#refund-verified", Checkbox).value,
                method=str(q("#refund-method", Select).value),
                error_type=_chosen(q("#refund-error_type", Select)),
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
        self._candidates, self._repeat_rule = [], ""
        self._repeat_touched = not form.link_repeat or bool(form.repeat_of_id)
        self._pending_repeat = (
            (form.link_repeat, form.repeat_of_id) if self._repeat_touched else None
        )
        self._show_candidates()
        self._batches, self._pending_batch = [], form.batch_id
        self._show_batches()
        if form.cause_code:
            self.check_batches(form.cause_code)
        if form.contact_phone or form.service_number:
            self.check_repeat(*self._asked_now())  # as the widgets hold them (what is compared)
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
        claimed = q("#claimed_to", Select)
        claimed.value = form.claimed_to if form.claimed_to in set(ClaimedTo) else Select.NULL
        accused = q("#accused_staff", Select)
        try:
            accused.value = form.accused_staff_id or Select.NULL
        except InvalidSelectValueError:  # the staff list is still loading: set it on arrival
            accused.value = Select.NULL
            self._pending_accused = form.accused_staff_id
        for name in CHECKS:
            q(f"#{name}", Checkbox).value = getattr(form, name)
        refund = form.refund or RefundForm()
        q("#refund_enabled", Checkbox).value = form.refund is not None
        q("#refund-verified", Checkbox).value = refund.verified
        q("#refund-method", Select).value = refund.method
        types = self.desk.refdata.refund_errors  # a draft's type no longer in the list: default
        if form.refund is not None and refund.error_type in types:
            q("#refund-error_type", Select).value = refund.error_type
        else:
            q("#refund-error_type", Select).clear()
        for name in REFUND_INPUTS:
            # The approver's PIN is never kept in a draft: typed again each time.
            value = "" if name == "approver_pin" else getattr(refund, name)
            q(f"#refund-{name}", Input).value = value

    def is_blank(self) -> bool:
        """Nothing typed and nothing chosen: a choice changed (the channel, the severity, a
        box ticked) counts as typed (Esc asks before dropping it, the draft keeps it)."""
        form, blank = self.read_form(), IntakeForm()
        return (
            not any(getattr(form, n) for n in (*TEXT_INPUTS, "content", "cause_code"))
            and all(getattr(form, n) == getattr(blank, n) for n in CHOICES)
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
            changed = {"cause_code" if name in ("cause", "cause-query") else name}
            if name.startswith("refund_"):
                changed.add(name.replace("should_have_charged", "should"))
            if name.startswith("refund_approver"):
                changed.add("refund_approver")
            self.touched |= changed
            if name == "repeat_of":  # another choice: the reason's refusal may not hold
                changed.add("repeat_unlink_reason")
            self._refused = [e for e in self._refused if e.field not in changed]
        if name in ("channel", "claimed_to"):
            self._suggest_severity()
        if name == "claimed_to" and self._claimed() is not None:
            self.query_one("#hidden_risk", Checkbox).value = True  # a claim is a hidden risk
        if name == "repeat_of":
            self._repeat_touched, self._pending_repeat = True, None
        if name in ("cause", "cause-query"):
            self.check_batches(self.query_one("#cause", CausePicker).code)
        if name == "batch":
            self._pending_batch = ""
            self._show_batch_notice()
        if name in ("contact_phone", "service_number", "cause", "cause-query", "accused_staff"):
            self._check_as_typed(name)  # the accused too: 当事人回避 hides the alert
        self._sync_visibility()
        self.validate()
        self._schedule_draft()

    def _claimed(self) -> ClaimedTo | None:
        value = self.query_one("#claimed_to", Select).value
        return None if value is Select.NULL else ClaimedTo(str(value))

    def _suggest_severity(self) -> None:
        """Raise the severity to the floor of the channel or of a claimed escalation."""
        channel = Channel(str(self.query_one("#channel", Select).value))
        severity = self.query_one("#severity", Select)
        claimed = self._claimed()
        if below_severity_floor(self.desk, channel, Severity(str(severity.value)), claimed):
            severity.value = severity_suggestion(self.desk, channel, claimed).value

    def _sync_visibility(self) -> None:
        q = self.query_one
        on_spot = q("#solved_on_spot", Checkbox).value
        q("#field-outcome").display = on_spot
        q("#field-satisfaction").display = on_spot
        q("#field-promised_reply_at").display = not on_spot
        refund_on = q("#refund_enabled", Checkbox).value
        q("#refund-box").display = refund_on
        channel = Channel(str(q("#channel", Select).value))
        below = below_severity_floor(
            self.desk, channel, Severity(str(q("#severity", Select).value)), self._claimed()
        )
        q("#field-severity_reason").display = below or bool(q("#severity_reason", Input).value)
        q("#repeat-row").display = bool(self._candidates)
        q("#batch-row").display = bool(self._batches)
        chosen = q("#repeat_of", Select).value
        q("#field-repeat_unlink_reason").display = bool(self._repeat_rule) and (
            chosen is Select.NULL
        )
        self._update_refund_rule(refund_on)
        self._show_script()

    def _show_script(self) -> None:
        """标准话术 beside the form once the cause is chosen; offered as the explanation when
        无责投诉 is ticked."""
        q = self.query_one
        script = standard_script(self.desk, q("#cause", CausePicker).code)
        text = ""
        if script:
            key = "intake.script_no_fault" if q("#no_fault", Checkbox).value else "intake.script"
            text = t(key, text=script)
        notice = q("#script-notice", Static)
        _set_text(notice, text)
        notice.display = bool(text)

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
        chosen = self.desk.refdata.refund_errors.get(
            _chosen(self.query_one("#refund-error_type", Select))
        )
        if chosen is None:  # no type yet: no rule to quote
            _set_text(rule, "")
            approval.display = False
            return
        double = chosen.double
        quote = refund_quote(charged, should, double)
        if not quote.eligible:
            _set_text(rule, t("intake.refund_none"))
            approval.display = False
            return
        key = "intake.refund_rule" if double else "intake.refund_rule_single"
        _set_text(rule, t(key, amount=quote.rule_amount, charged=charged, should=should))
        amount_text = self.query_one("#refund-amount", Input).value
        try:
            over = bool(amount_text.strip()) and quote.exceeds_rule(
                parse_amount(amount_text, "a", maximum)
            )
        except RuleViolation:
            over = False
        approval.display = over

    def validate(self) -> list[FieldError]:
        if desk_app(self).actor is None:  # built beneath the sign-in: checked at `begin`
            self._unchecked = True
            return []
        form = self.read_form()
        try:
            # The rule's repeat unlinked: its reason is asked for here, with the other fields.
            check_intake(self.desk, self.actor, form, repeat_found=bool(self._repeat_rule))
            errors: list[FieldError] = []
        except RuleViolation as violation:
            errors = violation.errors
        checked = {e.field for e in errors}
        self.show_errors(errors + [e for e in self._refused if e.field not in checked])
        return errors  # (a refusal only the write knows is tried again by the next Save)

    def show_errors(self, errors: list[FieldError]) -> None:
        by_field: dict[str, str] = {}
        for error in errors:
            target = ERROR_FIELDS.get(error.field, error.field)
            # 当事人回避 under the narrow staff field in a few words, on one line; the line
            # below the form says what to do (Ctrl+T), once.
            recused = error.key == "error.recusal.self"
            words = t("intake.recusal_field") if recused else error_text(error)
            by_field.setdefault(target, words)
        shown = 0
        if self._fields is None:  # composed once; a query of the whole form on every key
            self._fields = list(self.query(Field))  # was most of this check's time
        for field in self._fields:
            name = field.field_name
            visible = self.show_all_errors or name in self.touched or name == "accused_staff"
            message = by_field.get(name) if visible else None
            shown += message is not None
            field.show_error(message)
        recusal = any(e.key == "error.recusal.self" for e in errors)
        if recusal != self._recusal:
            self._recusal = recusal
            notice = self.query_one("#recusal-notice", Static)
            notice.update(t("intake.recusal_offer") if recusal else "")
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

    def _check_customer(
        self, asked: tuple[str, str, str, str]
    ) -> tuple[list[RepeatCandidate], WatchView | None]:
        """The customer as soon as the phone is typed: the earlier complaints the rule would
        link (or the handler may), and the watch-list entry (重点客户), if this handler may
        see it, the form's own accused staff member counting (当事人回避) (the store's part:
        ~1-2 ms, bench/customer.py)."""
        phone_text, service_text, cause_code, accused = asked
        if not parse_phone(phone_text):
            # A listed service number alerts alone, the phone not typed yet (or partly).
            if not customer_key(service_text):
                return [], None
            return [], watch_for_customer(self.desk, self.actor, service_text,
                                          accused=accused or None)  # fmt: skip
        candidates = find_repeat_candidates(self.desk, phone_text, service_number=service_text,
                                            cause_code=cause_code)  # fmt: skip
        watch = watch_for_customer(self.desk, self.actor, phone_text, service_text,
                                   accused=accused or None)  # fmt: skip
        return candidates, watch

    def _check_as_typed(self, name: str) -> None:
        """The phone's last digit: checked here, before the next frame, so the alert is drawn
        with the key (one layout, no thread to wait for: from a worker it came 40-60 ms
        after the key, more under load; bench/customer.py). The rest (each key of the
        service number, the cause) in the worker; and here too, if the read fails, where its
        failure reaches the desk's boundary."""
        asked = self._asked_now()
        # The accused chosen: at once too, so the alert never stays drawn for the accused.
        if name in ("contact_phone", "accused_staff") and parse_phone(asked[0]):
            try:
                found = self._check_customer(asked)
            except Exception:  # sorted and shown by the boundary, from the worker's attempt
                self.check_repeat(*asked)
                return
            self._customer_found(asked, *found)
            return
        self.check_repeat(*asked)

    def synchronized(self) -> None:
        """Another desk on this store (or a sync) listed or retired a watch entry, took a
        complaint of this customer, or opened or closed a batch: the alert, the repeat and
        the batch suggestion read again for what is typed now (DeskApp._brought_changes);
        nothing typed is touched. A batch closed since is no longer offered nor linked."""
        if desk_app(self).actor is None:
            return  # prepared behind the sign-in: nothing typed, nobody to check for
        asked = self._asked_now()
        self._history = None  # the page read ahead may be out of date
        if customer_key(asked[0]) or customer_key(asked[1]):
            self.check_repeat(*asked)
        if asked[2]:
            self.check_batches(asked[2])

    @desk_work(exclusive=True, group="repeat")
    def check_repeat(
        self, phone_text: str, service_text: str = "", cause_code: str = "", accused: str = ""
    ) -> None:
        asked = (phone_text, service_text, cause_code, accused)
        self.app.call_from_thread(self._customer_found, asked, *self._check_customer(asked))

    def _asked_now(self) -> tuple[str, str, str, str]:
        """What a check is asked with: the phone, the service number and the cause as typed,
        and the accused staff member chosen (当事人回避 counts the form's own)."""
        q = self.query_one
        return (q("#contact_phone", Input).value, q("#service_number", Input).value,
                q("#cause", CausePicker).code, self._accused_now())  # fmt: skip

    def _accused_now(self) -> str:
        """The accused chosen, or a restored draft's before the staff list arrived (its alert
        is never drawn for the accused in the meantime)."""
        value = self.query_one("#accused_staff", Select).value
        return self._pending_accused if value is Select.NULL else str(value)

    @desk_work(exclusive=True, group="history-ahead")
    def read_ahead(self, known: tuple[str, ...], accused: str = "") -> None:
        """The customer's first page, once the alert is drawn, while the handler listens:
        Ctrl+Y then shows it at once (issue 18's budget runs from the phone typed); the
        history screen reads it again behind it and shows what changed since, if anything.
        (In the check's own worker, it fought the alert's drawing for the interpreter.)"""
        from deskapp.screens.customer import read_page

        page = read_page(self.desk, self.actor, known, accused=accused or None)
        self.app.call_from_thread(self._history_read, (known, accused), page)

    def _known(self) -> tuple[str, ...]:
        q = self.query_one
        texts = (q("#contact_phone", Input).value, q("#service_number", Input).value)
        return tuple(text for text in texts if customer_key(text))

    def _read_ahead_if_current(self, known: tuple[str, ...]) -> None:
        held, accused = self._history, self._accused_now()
        if known == self._known() and (held is None or held[0] != (known, accused)):
            self.read_ahead(known, accused)

    def _history_read(self, asked: tuple[tuple[str, ...], str], page: HistoryPage | None) -> None:
        if page is not None and asked == (self._known(), self._accused_now()):
            self._history = (asked, page)

    def _customer_found(
        self,
        asked: tuple[str, str, str, str],
        candidates: list[RepeatCandidate],
        watch: WatchView | None,
    ) -> None:
        # The answer for what is typed now, or none: typed on since (even the service number
        # alone, the watch entry may be another's), a newer check is on its way, and an
        # older one still running in its thread may come after a newer one.
        if asked != self._asked_now():
            return
        self._candidates = candidates
        same = [c for c in candidates if c.same_matter]
        self._repeat_rule = same[0].id if same else ""
        text = ""
        if candidates:
            text = "⟳ " + t(
                "intake.repeat_found",
                count=len(candidates),
                tickets="、".join(c.ticket_no for c in candidates[:3]),
            )
            if same:
                text += t("intake.repeat_will_link", ticket=same[0].ticket_no)
            elif not self.query_one("#cause", CausePicker).code:
                text += t("intake.repeat_needs_cause")
            else:
                text += t("intake.repeat_other_matter")
        if candidates:  # (the choice is out of the Tab order: its key said)
            text += t("intake.repeat_key_hint") + t("intake.history_hint")
        self._show_repeat(text)
        self._show_candidates()
        notice = self.query_one("#watch-notice", Static)
        notice.display = watch is not None
        self._mark_difficult(watch is not None and marks_difficult(watch.kind))
        if watch is not None:
            line = t("intake.watch_alert", kind=t(f"watch_kind.{watch.kind}"),
                     advice=printable(watch.advice))  # fmt: skip
            if watch.designated_handler:
                line += t("intake.watch_handler", handler=watch.designated_handler)
            line += t("intake.history_hint")
            notice.update(line)
        self._sync_visibility()
        self.validate()
        known = self._known()
        if parse_phone(asked[0]) and known:
            self.call_after_refresh(self._read_ahead_if_current, known)

    def _mark_difficult(self, listed: bool) -> None:
        """The B类/疑难客户 box follows the watch list as the phone is typed (ticked for a B类
        or 疑难 entry, unticked again when the number changes) until the handler ticks or
        unticks it: from then on it is theirs."""
        if "difficult_customer" in self.touched:
            return
        box = self.query_one("#difficult_customer", Checkbox)
        if box.value != listed:
            with self.prevent(Checkbox.Changed):
                box.value = listed

    def _show_candidates(self) -> None:
        """The choice of the repeat link: the rule's candidate chosen unless the handler
        (or a restored draft) chose otherwise."""
        select = self.query_one("#repeat_of", Select)
        causes = self.desk.refdata.causes
        tz = self.desk.tz
        options = []
        for c in self._candidates:
            matter = matter_of(c.cause_code)
            name = causes.path(matter).name if matter in causes else matter
            mark = t("intake.repeat_same") if c.same_matter else t("intake.repeat_other")
            when = format_local(c.received_at, tz)[5:10]
            options.append((f"{c.ticket_no} {when} {name}({mark})", c.id))
        ids = {c.id for c in self._candidates}
        with self.prevent(*FORM_MESSAGES):
            current = select.value
            select.set_options(options)
            if self._pending_repeat is not None and self._candidates:
                link, chosen = self._pending_repeat
                self._pending_repeat = None
                wanted = chosen if chosen in ids else (self._repeat_rule if link else "")
            elif self._repeat_touched:
                wanted = str(current) if current is not Select.NULL and current in ids else ""
            else:
                wanted = self._repeat_rule
            select.value = wanted or Select.NULL

    @desk_work(exclusive=True, group="batches")
    def check_batches(self, cause_code: str) -> None:
        found = open_batches_for(self.desk, cause_code)
        self.app.call_from_thread(self._batches_found, cause_code, found)

    def _batches_found(self, cause_code: str, found: list[BatchIncident]) -> None:
        if cause_code != self.query_one("#cause", CausePicker).code:
            return  # another cause chosen since
        self._batches = found
        self._show_batches()
        self._sync_visibility()

    def _show_batches(self) -> None:
        select = self.query_one("#batch", Select)
        with self.prevent(*FORM_MESSAGES):
            current = self._pending_batch or (
                "" if select.value is Select.NULL else str(select.value)
            )
            select.set_options([(Text(printable(b.title)), b.id) for b in self._batches])
            ids = {b.id for b in self._batches}
            select.value = current if current in ids else Select.NULL
            if self._batches and current in ids:
                self._pending_batch = ""
        self._show_batch_notice()

    def _show_batch_notice(self) -> None:
        notice = self.query_one("#batch-notice", Static)
        value = self.query_one("#batch", Select).value
        chosen = next((b for b in self._batches if b.id == value), None)
        text = ""
        if chosen is not None:
            text = t("intake.batch_linked", title=printable(chosen.title))
            if chosen.scripts:
                text += "\n" + t("intake.batch_scripts", text=printable(chosen.scripts))
        elif self._batches:
            text = t("intake.batch_found", count=len(self._batches),
                     title=printable(self._batches[0].title))  # fmt: skip
        notice.update(text)
        notice.display = bool(text)

    def action_link_batch(self) -> None:
        """Ctrl+B: link the ticket to the (first) open batch its cause matches, the cursor on
        the choice (out of the Tab order: another batch, or none, chosen there)."""
        if not self._batches:
            self.notify(t("intake.batch_none_found"), timeout=6)
            return
        select = self.query_one("#batch", Select)
        select.value = self._batches[0].id  # (its Changed message updates the notice)
        select.focus()

    def action_repeat_choice(self) -> None:
        """Ctrl+L: the cursor on the repeat link's choice (the rule's candidate, another, or
        不关联 with a reason), which a look-up shows and Tab does not reach from outside."""
        if not self._candidates:
            self.notify(t("intake.repeat_none_found"), timeout=6)
            return
        select = self.query_one("#repeat_of", Select)
        select.focus()
        self.query_one("#intake-form", VerticalScroll).scroll_to_widget(select, animate=False)

    def action_next_field(self, direction: int) -> None:
        """Tab (1) and Shift+Tab (-1): the next field of the form's fixed order, the rows a
        look-up shows (`OFFERED`) skipped unless the cursor is already in that row."""
        focused = self.focused
        row = next((a for a in focused.ancestors if a.id in OFFERED), None) if focused else None

        def reachable(widget: Widget) -> bool:
            offered = next((a for a in widget.ancestors if a.id in OFFERED), None)
            return offered is None or offered is row

        chain = [w for w in self.focus_chain if w is focused or reachable(w)]
        if not chain:
            return
        if focused is None or focused not in chain:
            target = chain[0 if direction > 0 else -1]
        else:
            target = chain[(chain.index(focused) + direction) % len(chain)]
        # At once, as the key arrives (`Widget.focus` would wait behind the keys after it).
        self.set_focus(target)

    def _show_repeat(self, text: str) -> None:
        notice = self.query_one("#repeat-notice", Static)
        notice.update(text)
        notice.display = bool(text)

    def action_history(self) -> None:
        """Ctrl+Y: the customer's history (the phone typed, else the service number)."""
        from deskapp.screens.customer import open_history

        q = self.query_one
        texts = [q("#contact_phone", Input).value, q("#service_number", Input).value]
        known = tuple(text for text in texts if customer_key(text))
        if known:
            held, accused = self._history, self._accused_now()
            same = held is not None and held[0] == (known, accused)
            open_history(self.app, *known, page=held[1] if held and same else None,
                         accused=accused or None)  # fmt: skip
            return
        self.notify(t("intake.history_needs_number"), timeout=6)

    # --------------------------------------------------------------------- drafts

    def _schedule_draft(self) -> None:
        self.drafts.schedule(self.save_draft_now)

    def save_draft_now(self, *, leaving: bool = False) -> Worker[None] | None:
        """Write the draft now; the caller may await the returned worker (signing out).
        A taken hand-off stays one until saved: written back to it, and given back for the
        next colleague when the handler is `leaving`."""
        self.drafts.stop()
        if self.saving or desk_app(self).actor is None or self.is_blank():
            return None  # (a form being saved leaves no draft: the save discards it)
        data = self.read_form().to_json()
        if self._hand_off is not None:
            return self.drafts.save_hand_off(self._hand_off, data, self.actor.id,
                                             release=leaving)  # fmt: skip
        return self.drafts.save(self.actor.id, data)

    @desk_work(group="draft-offer")
    def offer_draft(self) -> None:
        """The handler's own unsaved draft first; a colleague's hand-off when the form is
        blank at sign-in. After that a waiting hand-off is said on the form (Ctrl+G opens
        it), never put up by itself over the next customer's typing."""
        draft = self.drafts.load(self.actor.id)
        if draft is None:
            self._offer_hand_off_now()
            return
        form = IntakeForm.from_json(draft.data)
        at = format_local(draft.updated_at, self.desk.tz)

        def answer(restore: bool | None) -> None:
            if restore:
                self.write_form(form)
                self.count_hand_offs()
            else:
                self.drafts.discard(draft.staff_id)
                self.offer_hand_off()

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

    @desk_work(group="draft-offer")
    def offer_hand_off(self) -> None:
        self._offer_hand_off_now()

    def _open_to_me(self) -> tuple[list[HandOff], int]:
        """In a worker: the hand-offs this handler may take, and how many wait in all."""
        actor = desk_app(self).actor
        if actor is None:  # signed out meanwhile
            return [], 0
        waiting = waiting_hand_offs(self.desk, FORM_KEY)
        return [h for h in waiting if open_to(h, actor.id)], len(waiting)

    def _offer_hand_off_now(self) -> None:
        """In a worker: the oldest form a colleague handed over under 当事人回避, said as such
        (with how many more wait)."""
        mine, waiting = self._open_to_me()
        self.app.call_from_thread(self._show_waiting, len(mine), waiting)
        if not mine:
            return
        hand_off = mine[0]
        form = IntakeForm.from_json(hand_off.data)
        by = (
            f"{hand_off.by_name}(工号 {hand_off.by_work_no})"
            if hand_off.by_name
            else t("handoff.unknown")
        )
        at = format_local(hand_off.at, self.desk.tz)
        summary = form.content.strip().splitlines()[0][:40] if form.content.strip() else "—"
        screen = HandOffScreen(by, at, form.customer_name, summary, others=len(mine) - 1)

        def answer(choice: str | None) -> None:
            if choice == "take":
                self.claim_hand_off(hand_off.key)
            elif choice == "discard":  # asked twice (HandOffScreen)
                self.drop_hand_off(hand_off.key)
            else:
                self.notify(t("handoff.kept"), timeout=8)

        self.app.call_from_thread(self.app.push_screen, screen, answer)

    @desk_work(group="handoff-count")
    def count_hand_offs(self) -> None:
        mine, waiting = self._open_to_me()
        self.app.call_from_thread(self._show_waiting, len(mine), waiting)

    def _show_waiting(self, mine: int, waiting: int) -> None:
        """The line above the form that says a hand-off waits (for this handler, or for
        another colleague when only its accused or author is signed in)."""
        if not self.is_attached:
            return
        if self._hand_off is not None:
            mine = max(mine - 1, 0)
        text = ""
        if mine:
            text = t("handoff.waiting_mine", count=mine)
        elif waiting:
            text = t("handoff.waiting_others", count=waiting)
        notice = self.query_one("#handoff-waiting", Static)
        _set_text(notice, text)
        notice.display = bool(text)

    @desk_work(group="handoff")
    def claim_hand_off(self, key: str) -> None:
        taken = take_hand_off(self.desk, FORM_KEY, key, self.actor, desk_holder(self._holder))
        self.app.call_from_thread(self._taken, taken)

    def _taken(self, taken: HandOff) -> None:
        self._hand_off = taken
        self.write_form(IntakeForm.from_json(taken.data))
        self.count_hand_offs()

    @desk_work(group="handoff")
    def drop_hand_off(self, key: str) -> None:
        with self.drafts.lock:
            discard_hand_off(self.desk, FORM_KEY, key)
        self.count_hand_offs()

    def action_hand_offs(self) -> None:
        """Ctrl+G: the hand-offs waiting, once the form in front of the handler is blank."""
        if not self.is_blank():
            self.notify(t("handoff.form_not_blank"), severity="warning", timeout=8)
            return
        self.offer_hand_off()

    # -------------------------------------------------------------------- actions

    def action_save(self) -> None:
        """Ctrl+S, a priority binding, arrives before the keys typed just before it reach the
        focused field: the form is read from that field's queue, after them (case18g)."""
        focused = self.app.focused
        if focused is not None:
            focused.call_later(self._save_now)
        else:
            self._save_now()

    def _save_now(self) -> None:
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
        self._save_now()

    @desk_work(exclusive=True, group="save")
    def save(self, form: IntakeForm) -> None:
        complaint = take_complaint(self.desk, self.actor, form)
        repeat_of = (
            ticket_no_of(self.desk, complaint.repeat_of_id) if complaint.repeat_of_id else ""
        )
        with contextlib.suppress(StoreUnavailable):
            # Saved: a draft left behind by a full disk is only offered back once more.
            self.drafts.discard_now(self.actor.id)
            if self._hand_off is not None:  # the colleague's hand-off is a ticket now
                with self.drafts.lock:
                    discard_hand_off(self.desk, FORM_KEY, self._hand_off.key)
        self.app.call_from_thread(self._saved, complaint, repeat_of or "")

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        if worker.group == "save":
            if fault.violation is not None:
                self._save_refused(fault.violation)
            else:
                self._save_failed(fault.message)
            return True
        if worker.group == "handoff":
            self._hand_off_failed(fault)
            return True
        return self.drafts.failed(worker, fault)  # the form is still on screen either way

    def _hand_off_failed(self, fault: Fault) -> None:
        """Handing over, taking or discarding a hand-off was refused (a busy, read-only or
        full store; a colleague at another desk took it first): said in words, the form and
        the handler's sign-in as they were."""
        if fault.violation is not None:
            message = "; ".join(error_text(e) for e in fault.violation.errors)
        else:
            message = t("handoff.store_failed", reason=fault.message)
        notice = self.query_one("#store-failure", Static)
        notice.update(message)
        notice.display = True
        self.notify(message, severity="error", timeout=30)
        self.count_hand_offs()

    def _save_failed(self, message: str) -> None:
        """The store refused the write (full disk, read-only file, busy, damaged): nothing was
        saved, every field stays as typed, and Ctrl+S tries again."""
        self.saving = False
        self.query_one("#save", Button).disabled = False
        notice = self.query_one("#store-failure", Static)
        notice.update(message)
        notice.display = True
        self.notify(message, severity="error", timeout=30)
        self._failures_told.add(message)
        self._schedule_draft()

    def _save_refused(self, violation: RuleViolation) -> None:
        self.saving = False
        self.query_one("#save", Button).disabled = False
        self._refused = list(violation.errors)
        self.show_errors(violation.errors)
        self._focus_first_error()
        self._schedule_draft()  # still unsaved: keep the draft

    def _saved(self, complaint: Complaint, repeat_of: str = "") -> None:
        self.query_one("#store-failure", Static).display = False
        if self._failures_told:  # said while it did not save: no longer true
            withdraw_notifications(self.app, self._failures_told)
            self._failures_told.clear()
        self.saving = False
        self.query_one("#save", Button).disabled = False
        key = "intake.saved_closed" if complaint.solved_on_spot else "intake.saved_open"
        message = t(key, ticket=complaint.ticket_no)
        if repeat_of:  # linked by the service: said, with the ticket it repeats
            message += t("intake.saved_repeat", ticket=repeat_of)
        self.notify(message, timeout=8)
        self._reset()

    def _reset(self) -> None:
        self.drafts.stop()
        self._hand_off = None
        self.touched.clear()
        self._refused = []
        self.show_all_errors = False
        self._show_repeat("")
        self.query_one("#watch-notice", Static).display = False
        self._history = None
        self.write_form(IntakeForm())
        self.query_one("#customer_name", Input).focus()
        self.query_one("#intake-form", VerticalScroll).scroll_home(animate=False)
        # One left waiting ("later") is said above the blank form, not put up over it.
        self.count_hand_offs()

    def _focus_first_error(self) -> None:
        for field in self.query(Field):
            if field.has_class("-invalid") and field.display:
                focusable = [w for w in field.query("*") if w.focusable]
                if focusable:
                    focusable[0].focus()
                    self.query_one("#intake-form", VerticalScroll).scroll_to_widget(field)
                return

    def action_on_spot(self) -> None:
        """Ctrl+O: solved on the spot (or not, pressed again), the cursor on what that asks:
        the outcome, or the promised reply time."""
        box = self.query_one("#solved_on_spot", Checkbox)
        box.value = not box.value
        target = "#outcome" if box.value else "#promised_reply_at"
        self.call_after_refresh(lambda: self.query_one(target).focus())

    def action_refund(self) -> None:
        """Ctrl+R: the refund part opened, the cursor on its error type (it decides the rule;
        Tab goes on to the amount charged)."""
        self.query_one("#refund_enabled", Checkbox).value = True
        self.call_after_refresh(lambda: self.query_one("#refund-error_type").focus())

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

    def action_hand_off(self) -> None:
        """当事人回避: asked first, then the typed form is left, a hand-off of its own, for
        a colleague at this terminal, with who left it; then the handler is signed out."""
        if not self._recusal:
            return

        def answer(hand_off: bool | None) -> None:
            if hand_off and self._recusal:
                self.drafts.stop()
                self.write_hand_off(self.read_form().to_json())

        self.app.push_screen(
            ConfirmScreen(
                t("intake.hand_off_title"),
                t("intake.hand_off_body"),
                yes=t("intake.hand_off_yes"),
                no=t("intake.hand_off_no"),
            ),
            answer,
        )

    @desk_work(group="handoff")
    def write_hand_off(self, data: str) -> None:
        """The hand-off and the end of the handler's own draft, in one transaction; only once
        it is on disk is the handler signed out. A store that refuses it changes nothing."""
        taken = self._hand_off.key if self._hand_off is not None else ""
        with self.drafts.lock:
            hand_off(self.desk, FORM_KEY, data, self.actor, replaces=taken)
        self.app.call_from_thread(self._handed_off)

    def _handed_off(self) -> None:
        self._reset()
        self.app.call_later(self.app.run_action, "sign_out")
