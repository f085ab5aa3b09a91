"""A labelled form field with its error shown in words right under it."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label, Static


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
