"""A labelled form field with its error shown in words right under it, and the spec a form
declares its fields with (`FieldSpec`: the follow-up dialogs and the intake form)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from deskapp.i18n import t
from screens.widgets.desk_text_area import DeskTextArea

# "cause": the cause picker, which the form builds itself (it needs the cause tree).
FieldKind = Literal["text", "area", "select", "check", "time", "cause"]


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


def field_widget(
    spec: FieldSpec, check: type[Checkbox] = Checkbox
) -> Input | TextArea | Select[str] | Checkbox:
    """The widget a spec asks for (`check`: the check box class of the form)."""
    if spec.kind == "area":
        return DeskTextArea(
            spec.default or "", id=spec.id, tab_behavior="focus", soft_wrap=True, compact=True
        )
    if spec.kind == "select":
        return Select(
            list(spec.options),
            id=spec.id,
            compact=True,
            prompt=t("field.none") if spec.prompt is None else spec.prompt,
            value=spec.default if spec.default is not None else Select.NULL,
            allow_blank=spec.allow_blank,
        )
    if spec.kind == "check":
        return check(spec.label, bool(spec.default), id=spec.id, compact=True)
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
