"""A labelled form field with its error shown in words right under it."""

from __future__ import annotations

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

    def show_error(self, message: str | None) -> None:
        message = message or None
        if message == self._shown:
            return  # forms call this on every key: no repaint when nothing changed
        self._shown = message
        error = self.query_one(f"#error-{self.field_name}", Static)
        error.update(f"✗ {message}" if message else "")
        error.set_class(bool(message), "-shown")
        self.set_class(bool(message), "-invalid")
