"""One dialog for every follow-up action: the fields come from a spec, the rules from the
service. Errors show in words under their fields; nothing typed is lost on a refusal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from deskapp.domain.errors import RuleViolation
from deskapp.i18n import error_text, t
from screens.widgets.field import Field

FieldKind = Literal["text", "area", "select", "check", "time"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: FieldKind = "text"
    options: Sequence[tuple[str, str]] = ()
    placeholder: str = ""
    default: Any = None
    max_length: int = 2000
    password: bool = False


@dataclass(frozen=True)
class DialogSpec:
    title: str
    fields: Sequence[FieldSpec] = field(default_factory=tuple)
    intro: str = ""


class ActionDialog(ModalScreen[bool]):
    """Ctrl+S (or the button) submits; Esc cancels. `submit(values)` runs in a thread and
    raises RuleViolation to refuse; the dialog then stays open with the errors shown."""

    DEFAULT_CSS = """
    ActionDialog { align: center middle; }
    ActionDialog > VerticalScroll {
        width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ActionDialog #dialog-title { text-style: bold; padding: 1 0 0 1; }
    ActionDialog #dialog-intro { color: $text-muted; padding: 0 1; }
    ActionDialog TextArea { height: 4; border: none; }
    ActionDialog Horizontal { height: auto; align: right middle; padding: 1 0; }
    ActionDialog Button { margin-left: 2; width: auto; min-width: 14; }
    ActionDialog #dialog-error { color: $error; padding: 0 1; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", t("action.submit"), priority=True),
        Binding("escape", "cancel", t("action.cancel")),
    ]

    def __init__(self, spec: DialogSpec, submit: Callable[[dict[str, Any]], None]) -> None:
        super().__init__()
        self.spec = spec
        self._submit = submit
        self._busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.spec.title, id="dialog-title")
            if self.spec.intro:
                yield Static(self.spec.intro, id="dialog-intro")
            for spec in self.spec.fields:
                yield Field(spec.label if spec.kind != "check" else "", self._widget(spec),
                            name=spec.name)
            yield Static("", id="dialog-error")
            with Horizontal():
                yield Button(f"{t('action.cancel')} (Esc)", id="cancel")
                yield Button(f"{t('action.submit')} (Ctrl+S)", id="submit", variant="primary")

    def _widget(self, spec: FieldSpec) -> Input | TextArea | Select[str] | Checkbox:
        wid = f"f-{spec.name}"
        if spec.kind == "area":
            return TextArea(spec.default or "", id=wid, tab_behavior="focus", soft_wrap=True)
        if spec.kind == "select":
            return Select(list(spec.options), id=wid, compact=True, prompt=t("field.none"),
                          value=spec.default if spec.default is not None else Select.NULL)
        if spec.kind == "check":
            return Checkbox(spec.label, bool(spec.default), id=wid, compact=True)
        return Input(spec.default or "", id=wid, compact=True, placeholder=spec.placeholder,
                     max_length=spec.max_length, password=spec.password)

    def on_mount(self) -> None:
        # The first field, not the scroll container: the handler types straight away.
        if self.spec.fields:
            self.query_one(f"#f-{self.spec.fields[0].name}").focus()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in self.spec.fields:
            widget = self.query_one(f"#f-{spec.name}")
            if isinstance(widget, TextArea):
                out[spec.name] = widget.text
            elif isinstance(widget, Select):
                out[spec.name] = "" if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, Checkbox):
                out[spec.name] = widget.value
            else:
                out[spec.name] = widget.value  # type: ignore[attr-defined]
        return out

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if self._busy:
            return  # a second press while the first is being written
        self._busy = True
        self.query_one("#submit", Button).disabled = True
        self._run(self.values())

    @work(thread=True, exclusive=True)
    def _run(self, values: dict[str, Any]) -> None:
        try:
            self._submit(values)
        except RuleViolation as violation:
            self.app.call_from_thread(self._refused, violation)
            return
        self.app.call_from_thread(self.dismiss, True)

    def _refused(self, violation: RuleViolation) -> None:
        self._busy = False
        self.query_one("#submit", Button).disabled = False
        names = {spec.name for spec in self.spec.fields}
        for f in self.query(Field):
            f.show_error(None)
        general: list[str] = []
        for error in violation.errors:
            if error.field in names:
                self.query_one(f"#field-{error.field}", Field).show_error(error_text(error))
            else:
                general.append(error_text(error))
        self.query_one("#dialog-error", Static).update("\n".join(f"✗ {m}" for m in general))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
