"""A labelled form field with its error shown in words right under it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from deskapp.i18n import t


class Field(Vertical):
    """Label, the input widget, an optional hint, and the field's error line."""

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
        if getattr(self, "_note_for", None) not in (None, event.value):
            self._note_for = None
            self.query_one(f"#paste-{self.field_name}", Static).display = False

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
