"""Choosing the complaint's cause (levels 1–3) by typing Chinese or pinyin initials."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from deskapp.domain.categories import CauseTree

VISIBLE_MATCHES = 30


class CausePicker(Vertical):
    """An input that filters the cause tree as you type; ↓ moves into the matches, Enter picks."""

    DEFAULT_CSS = """
    CausePicker { height: auto; }
    CausePicker > OptionList { height: auto; max-height: 8; display: none; }
    CausePicker.-open > OptionList { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "into_matches", show=False),
    ]

    class Picked(Message):
        def __init__(self, picker: CausePicker, code: str) -> None:
            super().__init__()
            self.picker = picker
            self.code = code

    def __init__(self, tree: CauseTree, *, placeholder: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cause_tree = tree
        self.code = ""
        self._placeholder = placeholder
        self._setting = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self._placeholder, id="cause-query", max_length=40)
        yield OptionList(id="cause-matches")

    def set_code(self, code: str) -> None:
        """Show an already chosen cause (a restored draft)."""
        self.code = code if code in self.cause_tree else ""
        self._setting = True
        self.query_one(Input).value = self.cause_tree.path(self.code).label if self.code else ""
        self.remove_class("-open")

    @on(Input.Changed, "#cause-query")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        if self._setting:
            self._setting = False
            return
        if self.code:
            self.code = ""
            self.post_message(self.Picked(self, ""))
        matches = self.cause_tree.find(event.value, limit=VISIBLE_MATCHES) if event.value.strip() else []
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(path.label, id=path.code) for path in matches)
        self.set_class(bool(matches), "-open")
        if matches:
            options.highlighted = 0

    @on(Input.Submitted, "#cause-query")
    def _pick_first(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if self.has_class("-open") and options.option_count:
            self._pick(options.get_option_at_index(options.highlighted or 0).id or "")

    def action_into_matches(self) -> None:
        if self.has_class("-open"):
            self.query_one(OptionList).focus()
        else:
            self.screen.focus_next()

    @on(OptionList.OptionSelected, "#cause-matches")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option.id or "")

    def _pick(self, code: str) -> None:
        self.set_code(code)
        self.post_message(self.Picked(self, code))
        self.screen.focus_next()
