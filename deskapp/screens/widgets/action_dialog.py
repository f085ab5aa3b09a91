"""One dialog for every follow-up action: the fields come from a spec, the rules from the
service. Errors show in words under their fields; nothing typed is lost on a refusal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Spacing
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, TextArea
from textual.worker import Worker

from deskapp.domain.categories import CauseTree
from deskapp.domain.errors import RuleViolation
from deskapp.i18n import error_text, t
from deskapp.incidents import Fault
from deskapp.screens.boundary import WorkBoundary, desk_work
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.cause_picker import CausePicker
from deskapp.screens.widgets.field import Field, FieldSpec, field_widget
from deskapp.screens.widgets.plain import Static
from deskapp.services.pins import secret_pin

__all__ = ["ActionDialog", "DialogSpec", "FieldSpec"]  # FieldSpec: deskapp/screens/widgets/field.py


@dataclass(frozen=True)
class DialogSpec:
    title: str
    fields: Sequence[FieldSpec] = field(default_factory=tuple)
    intro: str = ""
    causes: CauseTree | None = None  # the tree a "cause" field picks from


class ActionDialog(WorkBoundary, ModalScreen[bool]):
    """Ctrl+S (or the button) submits; Esc cancels, asking first when anything was typed.
    `submit(values)` runs in a thread and raises RuleViolation to refuse; the dialog then
    stays open with the errors shown."""

    # Every control starts in the same column as its label (compact controls, no label
    # padding); the buttons are compact so a three-field dialog fits 80×24 without scrolling.
    # The buttons' ids are the dialog's own: a screen's CSS file applies app-wide once loaded
    # and outranks DEFAULT_CSS, and signin.tcss stretches a `#submit` to the full width.
    DEFAULT_CSS = """
    ActionDialog { align: center middle; }
    ActionDialog > VerticalScroll {
        width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    ActionDialog #dialog-title { text-style: bold; padding: 1 0 0 0; }
    ActionDialog #dialog-intro { color: $text-muted; padding: 0; }
    ActionDialog #dialog-intro-box { height: auto; max-height: 40vh; }
    ActionDialog Field { padding: 0; }
    ActionDialog Field > Label { padding: 0; }
    ActionDialog Field.-check > Label { display: none; }
    ActionDialog TextArea { height: 3; padding: 0; background: $boost; }
    ActionDialog Input, ActionDialog Select { width: 100%; }
    ActionDialog #dialog-error { color: $error; padding: 0; height: auto; }
    ActionDialog Horizontal { height: auto; align: right middle; padding: 1 0; }
    /* Docked: the body scrolls under them, so a refusal's lines at 80×24 never push the
       buttons out of view (rules18c). */
    ActionDialog #dialog-buttons { dock: bottom; }
    ActionDialog Button { width: auto; min-width: 12; margin: 0 0 0 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "dialog",
        [
            Binding("ctrl+s", "submit", t("action.submit"), priority=True),
            Binding("escape", "cancel", t("action.cancel")),
            Binding("pageup", "scroll_intro(-1)", t("action.intro_up"), show=False),
            Binding("pagedown", "scroll_intro(1)", t("action.intro_down"), show=False),
            # Tab moves the cursor as the app receives it (as at intake): unbound, it waited
            # in the field's queue behind the keys sent with it, and a burst (one terminal
            # write "138…<Tab><Tab>text") put everything in the first field. No words: the
            # footer and the help are unchanged (tests/ui/test_ui_dialogs18d.py).
            Binding("tab", "next_field(1)", "", show=False, priority=True, id="dialog.next_field"),
            Binding(
                "shift+tab",
                "next_field(-1)",
                "",
                show=False,
                priority=True,
                id="dialog.previous_field",
            ),
        ],
    )

    def __init__(self, spec: DialogSpec, submit: Callable[[dict[str, Any]], None]) -> None:
        super().__init__()
        self.spec = spec
        self._submit = submit
        self._busy = False
        self._opened_with: dict[str, Any] = {}  # the values as opened (Esc asks if changed)
        # A refused field waiting for its error line's layout to be scrolled into view.
        self._to_view: Widget | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.spec.title, id="dialog-title")
            if self.spec.intro:
                # A long intro (a handover of 40 tickets) scrolls in its own box, read from
                # its top with PgUp/PgDn while the cursor stays in the first field below it.
                with VerticalScroll(id="dialog-intro-box", can_focus=False):
                    yield Static(self.spec.intro, id="dialog-intro")
            for spec in self.spec.fields:
                # A check box carries its own label: no second one above it.
                yield Field(
                    spec.label if spec.kind != "check" else "",
                    self._widget(spec),
                    name=spec.name,
                    classes="-check" if spec.kind == "check" else "",
                )
            yield Static("", id="dialog-error")
            with Horizontal(id="dialog-buttons"):
                yield Button(f"{t('action.cancel')} (Esc)", id="dialog-cancel", compact=True)
                yield Button(
                    f"{t('action.submit')} (Ctrl+S)",
                    id="dialog-submit",
                    variant="primary",
                    compact=True,
                )

    def _widget(self, spec: FieldSpec) -> Widget:
        if spec.kind == "cause":
            # Picked by its words or pinyin initials, as at intake: never a code typed blind.
            assert self.spec.causes is not None, "a cause field needs DialogSpec.causes"
            return CausePicker(self.spec.causes, placeholder=spec.placeholder, id=spec.id)
        return field_widget(spec)

    def _focus_field(self, widget_id: str, *, scroll_visible: bool = True) -> None:
        widget = self.query_one(f"#{widget_id}")
        if isinstance(widget, CausePicker):
            widget = widget.query_one(Input)
        widget.focus(scroll_visible=scroll_visible)

    def on_mount(self) -> None:
        # Other screens' CSS files style fields by id (intake.tcss narrows #field-satisfaction,
        # #field-severity; app.tcss pads .field-error) and outrank DEFAULT_CSS once loaded:
        # inline styles keep every field of the dialog full width and aligned with its label.
        for box in self.query(Field):
            box.styles.width = "1fr"
        for error in self.query(".field-error"):
            error.styles.padding = 0
        # The first field, not the scroll container: the handler types straight away.
        if self.spec.fields:
            self._focus_field(self.spec.fields[0].id)
        # Opened at its top: the title and what the PIN confirms are read first.
        self.call_after_refresh(self._to_top)
        self._opened_with = self.values()
        self.screen_layout_refresh_signal.subscribe(self, self._laid_out)

    def _to_top(self) -> None:
        for box in self.query(VerticalScroll):
            box.scroll_home(animate=False, immediate=True)

    def action_next_field(self, step: int) -> None:
        """Tab: the fields in their order, then the buttons. Textual orders focus by place on
        the screen, and the docked buttons sit above the fields scrolled below them (the F10
        entry's last fields at 100×30 and 80×24): the dialog's own order instead (its
        widgets' order, as composed), the field reached scrolled into view."""
        # (Not the body itself: a scroll container takes focus too, with nothing to type.)
        chain = [w for w in self.focus_chain if not isinstance(w, VerticalScroll)]
        if not chain:
            return
        order = {id(w): i for i, w in enumerate(self.walk_children(with_self=False))}
        chain.sort(key=lambda w: order.get(id(w), len(order)))
        focused = self.focused
        at = chain.index(focused) if focused in chain else (-1 if step > 0 else 0)
        widget = chain[(at + step) % len(chain)]
        self.set_focus(widget)  # at once, as app.focus_next did (widget.focus() waits a turn)
        self.call_after_refresh(self._into_view, widget)

    @property
    def arranging(self) -> bool:
        """A refused field is waiting for its error line's layout to be scrolled into view
        (read by the tests' `settle` before a snapshot)."""
        return self._to_view is not None

    def _into_view_laid_out(self, widget: Widget) -> None:
        """`widget` scrolled into view once its error lines just shown are laid out. Each
        line asks for its layout from its own queue, some refreshes later (more or fewer as
        the CPU is shared): scrolled before, the last line stays under the buttons."""
        self._to_view = widget
        self._laid_out(self)

    def _laid_out(self, _screen: Screen[Any]) -> None:
        widget = self._to_view
        if widget is None:
            return
        lines = [widget, *widget.query(".field-error.-shown")]
        if any(line.display and not line.size.height for line in lines):
            return  # the next layout, which the line has asked for, calls again
        self._to_view = None
        self.call_after_refresh(self._into_view, widget)

    def _into_view(self, widget: Widget) -> None:
        """`widget`'s part of the body (its field with the field's error line) scrolled into
        view above the docked buttons: Textual's own scroll counts them as visible room."""
        body = self.query_one(VerticalScroll)
        part = next((w for w in widget.ancestors_with_self if w.parent is body), None)
        if not isinstance(part, Widget):
            return
        buttons = self.query_one("#dialog-buttons").outer_size.height
        body.scroll_to_region(part.virtual_region_with_margin, spacing=Spacing(0, 0, buttons, 0),
                              animate=False, immediate=True)  # fmt: skip

    def action_scroll_intro(self, pages: int) -> None:
        boxes = list(self.query("#dialog-intro-box").results(VerticalScroll))
        box = boxes[0] if boxes else self.query_one(VerticalScroll)
        if pages < 0:
            box.scroll_page_up(animate=False)
        else:
            box.scroll_page_down(animate=False)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in self.spec.fields:
            widget = self.query_one(f"#{spec.id}")
            if isinstance(widget, TextArea):
                out[spec.name] = widget.text
            elif isinstance(widget, Select):
                out[spec.name] = "" if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, Checkbox):
                out[spec.name] = widget.value
            elif isinstance(widget, CausePicker):
                out[spec.name] = widget.code
            else:
                out[spec.name] = widget.value  # type: ignore[attr-defined]
        return out

    def set_value(self, name: str, value: Any) -> None:
        """Put `value` in the field `name` (as `values()` reads it back): a refusal that
        brings a newer value of a field left as it was (services/customer.EditedMeanwhile)."""
        spec = next(spec for spec in self.spec.fields if spec.name == name)
        widget = self.query_one(f"#{spec.id}")
        if isinstance(widget, TextArea):
            widget.load_text(value or "")
        elif isinstance(widget, Select):
            widget.value = value if value else Select.NULL
        elif isinstance(widget, Checkbox):
            widget.value = bool(value)
        elif isinstance(widget, Input):
            widget.value = value or ""

    def action_submit(self) -> None:
        """Ctrl+S, a priority binding: handled as the app receives it, while the keys typed
        just before it may still wait in the focused field's queue. The save runs from that
        queue, after them: it reads the text whole (issue 18, case18g)."""
        focused = self.app.focused
        if focused is not None:
            focused.call_later(self._submit_now)
        else:
            self._submit_now()

    @on(Button.Pressed, "#dialog-submit")
    def _submit_now(self) -> None:
        if self._busy:
            return  # a second press while the first is being written
        self._busy = True
        self.query_one("#dialog-submit", Button).disabled = True
        # The buttons covered while the work runs (K's first check loads jieba, ~1.5 s): the
        # texts stay readable above it.
        self.query_one("#dialog-buttons").loading = True
        # A PIN leaves the dialog as a SecretStr: no repr or traceback of the work shows it.
        secret = {spec.name for spec in self.spec.fields if spec.password}
        values = self.values()
        self._run({k: secret_pin(v) if k in secret else v for k, v in values.items()})

    @desk_work(exclusive=True)
    def _run(self, values: dict[str, Any]) -> None:
        self._submit(values)
        self.app.call_from_thread(self.dismiss, True)

    def work_failed(self, worker: Worker[Any], fault: Fault) -> bool:
        """Refused or not written: the dialog stays open as typed, Ctrl+S tries again."""
        if fault.violation is not None:
            self._refused(fault.violation)
        else:
            self._refused(RuleViolation([]), general=fault.message)
        return True

    def _refused(self, violation: RuleViolation, general: str = "") -> None:
        self._busy = False
        self.query_one("#dialog-buttons").loading = False
        self.query_one("#dialog-submit", Button).disabled = False
        ids = {spec.name: spec.id for spec in self.spec.fields}
        for f in self.query(Field):
            f.show_error(None)
        lines: list[str] = [general] if general else []
        first: str | None = None
        for error in violation.errors:
            if error.field in ids:
                self.query_one(f"#field-{error.field}", Field).show_error(error_text(error))
                first = first or error.field
            else:
                lines.append(error_text(error))
        self.query_one("#dialog-error", Static).update("\n".join(f"✗ {m}" for m in lines))
        if first is not None:  # straight to what needs correcting; nothing typed is lost
            # (Not scrolled by the focus as well: a second scroll, after or before this one
            # as the frames fall, left the dialog at either place.)
            self._focus_field(ids[first], scroll_visible=False)
            # Its error line too, drawn below the field: not left under the docked buttons.
            self._into_view_laid_out(self.query_one(f"#field-{first}", Field))
        elif lines:
            self._into_view_laid_out(self.query_one("#dialog-error", Static))

    @on(Button.Pressed, "#dialog-cancel")
    def action_cancel(self) -> None:
        # Every dialog, not one spec at a time (issue 18: the follow-up's notes, a refund's
        # figures, the watch list's 两解、两不理 take a while to write): with something typed or
        # chosen since it opened, Esc asks before dropping it; left as opened, it closes.
        if self.values() == self._opened_with:
            self.dismiss(False)
            return
        from deskapp.screens.widgets.confirm import ConfirmScreen

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        # Esc again (or N) goes back to the dialog as typed; only Y drops it.
        self.app.push_screen(
            ConfirmScreen(t("action.discard_title"), t("action.discard_body"),
                          yes=t("action.discard_yes"), no=t("action.discard_no")),
            answer,
        )  # fmt: skip
