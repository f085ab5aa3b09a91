"""A labelled form field with its error shown in words right under it, and the spec a form
declares its fields with (`FieldSpec`: the follow-up dialogs and the intake form)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from deskapp.i18n import t
from deskapp.screens.widgets.plain import Label, Static

if TYPE_CHECKING:  # the sign-in's fields are Inputs: the rest is imported by the forms' first use
    from textual.widgets import Checkbox, Select, TextArea

# "cause": the cause picker, which the form builds itself (it needs the cause tree).
FieldKind = Literal["text", "area", "select", "check", "time", "cause"]


def date_filter(placeholder: str, widget_id: str) -> Input:
    """A compact date box (YYYY-MM-DD) of a list's filter row: from, to."""
    return Input(placeholder=placeholder, id=widget_id, compact=True, max_length=10)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form, as data: what it asks (`label`), the widget that takes it (`kind`)
    and how. `widget_id` defaults to `f-<name>` (the dialogs' ids); a select without
    `allow_blank` always holds one of its options, and `prompt` names its empty choice."""

    name: str
    label: str
    kind: FieldKind = "text"
    options: Sequence[tuple[str, str]] = ()
    placeholder: str = ""
    default: Any = None
    max_length: int = 2000
    password: bool = False
    widget_id: str = ""
    prompt: str | None = None  # None: the catalogue's "none" (field.none)
    allow_blank: bool = True

    @property
    def id(self) -> str:
        return self.widget_id or f"f-{self.name}"


def field_widget(spec: FieldSpec) -> Input | TextArea | Select[str] | Checkbox:
    """The widget a spec asks for; a check box is every form's `Check` (✓ or blank: Textual's
    own draws X ticked or not, only its colour differs)."""
    from textual.widgets import Select

    from deskapp.screens.widgets.check import Check
    from deskapp.screens.widgets.desk_text_area import DeskTextArea

    if spec.kind == "area":
        return DeskTextArea(
            spec.default or "", id=spec.id, tab_behavior="focus", soft_wrap=True, compact=True
        )
    if spec.kind == "select":
        return Select(
            # (a choice may be what someone typed: a batch's title, a staff member's name)
            [(Text(label), value) for label, value in spec.options],
            id=spec.id,
            compact=True,
            prompt=t("field.none") if spec.prompt is None else spec.prompt,
            value=spec.default if spec.default is not None else Select.NULL,
            allow_blank=spec.allow_blank,
        )
    if spec.kind == "check":
        return Check(spec.label, bool(spec.default), id=spec.id, compact=True)
    return Input(
        spec.default or "",
        id=spec.id,
        compact=True,
        placeholder=spec.placeholder,
        max_length=spec.max_length,
        password=spec.password,
    )


class Field(Vertical):
    """Label, the input widget, an optional hint, and the field's error line."""

    _note_for: str | None = None  # the value a paste's note was shown for (show_note)

    DEFAULT_CSS = """
    Field {
        height: auto;
        width: 1fr;
        padding: 0 1 0 0;
    }
    Field > Label {
        padding: 0 1;
        color: $text-muted;
    }
    Field.-invalid > Label {
        color: $error;
    }
    /* The field with the cursor is unmistakable in every theme (high contrast included), not
       only by the block cursor: its label in reverse on the accent colour; its box is tinted
       in app.tcss, beside the screens' own input backgrounds it must outrank. */
    Field.-focused > Label {
        background: $accent;
        color: auto 90%;
        text-style: bold;
    }
    """

    def __init__(self, label: str, widget: Widget, *, name: str, hint: str = "", **kwargs) -> None:
        super().__init__(id=f"field-{name}", **kwargs)
        self.field_name = name
        self._label = label
        self._widget = widget
        self._hint = hint
        self._shown: str | None = None

    def compose(self) -> ComposeResult:
        yield Label(self._label)
        yield self._widget
        if self._hint:
            yield Static(self._hint, classes="hint")
        yield Static("", id=f"error-{self.field_name}", classes="field-error")
        note = Static("", id=f"paste-{self.field_name}", classes="field-note")
        note.display = False  # shown by a paste that did not fit (fit_paste)
        yield note

    def show_note(self, message: str, value: str) -> None:
        """Say under the field what a paste left out; it stays until the value changes from
        `value` (the form's own checks use the error line, and would clear it)."""
        self._note_for = value
        note = self.query_one(f"#paste-{self.field_name}", Static)
        note.update(f"! {message}")
        note.display = True

    @on(Input.Changed)
    def _clear_note(self, event: Input.Changed) -> None:
        if self._note_for not in (None, event.value):
            self._note_for = None
            self.query_one(f"#paste-{self.field_name}", Static).display = False

    # A class rather than :focus-within: Textual restyles the widget whose pseudo-class
    # changed, not its label beside the focused control.
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.add_class("-focused")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.remove_class("-focused")

    def show_error(self, message: str | None) -> None:
        message = message or None
        if message == self._shown:
            return  # forms call this on every key: no repaint when nothing changed
        self._shown = message
        error = self.query_one(f"#error-{self.field_name}", Static)
        error.update(f"✗ {message}" if message else "")
        error.set_class(bool(message), "-shown")
        self.set_class(bool(message), "-invalid")


def fit_paste(widget: Input, text: str) -> str | None:
    """A paste into a one-line input with a maximum: Textual drops a paste that would not fit,
    whole and without a word, and keeps only the first of several lines. Here what fits is
    kept, and the words saying what was left out are returned (None: the paste fits as it
    is, and Textual pastes it)."""
    lines = text.splitlines() or [""]
    line = lines[0]
    selection = widget.selection
    start, end = sorted((selection.start, selection.end))
    room = (widget.max_length or 0) - (len(widget.value) - (end - start))
    too_long = bool(widget.max_length) and len(line) > room
    if not too_long and len(lines) == 1:
        return None
    kept = line[: max(room, 0)] if too_long else line
    if kept:
        widget.replace(kept, start, end)
    if too_long:
        return t("paste.cut", pasted=len(line), kept=len(kept), max=widget.max_length)
    return t("paste.first_line", lines=len(lines))
