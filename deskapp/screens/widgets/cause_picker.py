"""Choosing the complaint's cause (levels 1–3) by typing Chinese or pinyin initials."""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from deskapp.domain.categories import CauseTree
from deskapp.screens.keys import keyed

VISIBLE_MATCHES = 30


class _Matches(OptionList):
    """The matches, out of the Tab order: Tab from the query always goes on to the next field
    (whether the list is open or not, so counting Tabs never overshoots); ↓ enters them."""

    can_focus = False

    def on_blur(self) -> None:
        self.can_focus = False


class CausePicker(Vertical):
    """An input that filters the cause tree as you type; ↓ moves into the matches, Enter picks."""

    DEFAULT_CSS = """
    CausePicker { height: auto; }
    CausePicker > OptionList { height: auto; max-height: 8; display: none; }
    CausePicker.-open > OptionList { display: block; }
    """
    # The match list is shown and hidden with the -open class; `_open` also sets `display`
    # directly, because a class change reaches the styles only on the next refresh and the
    # focus chain (Tab, focus_next) must skip a closed list at once.
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "cause",
        [
            Binding("down", "into_matches", show=False),
            # Esc first closes the list of matches; only a closed picker lets Esc reach the form
            # (which asks whether to discard everything typed).
            Binding("escape", "close_matches", show=False),
        ],
    )

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

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self._placeholder, id="cause-query", max_length=40, compact=True)
        yield _Matches(id="cause-matches")

    def set_code(self, code: str) -> None:
        """Show an already chosen cause (a restored draft)."""
        self.code = code if code in self.cause_tree else ""
        # Prevented, not skipped later: when the text does not change no message comes, and a
        # "skip the next one" flag would then swallow the handler's first keystroke.
        with self.prevent(Input.Changed):
            self.query_one(Input).value = self.cause_tree.path(self.code).label if self.code else ""
        self._open(False)

    def _open(self, is_open: bool) -> None:
        self.set_class(is_open, "-open")
        self.query_one(OptionList).display = is_open

    @on(Input.Changed, "#cause-query")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        if self.code:
            self.code = ""
            self.post_message(self.Picked(self, ""))
        query = event.value
        matches = self.cause_tree.find(query, limit=VISIBLE_MATCHES) if query.strip() else []
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(path.label, id=path.code) for path in matches)
        self._open(bool(matches))
        if matches:
            options.highlighted = 0

    @on(Input.Submitted, "#cause-query")
    def _pick_first(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if self.has_class("-open") and options.option_count:
            self._pick(options.get_option_at_index(options.highlighted or 0).id or "")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        # Tab out of the picker with no cause picked: the list closes (eight rows of matches
        # left open over the next fields at 80×24); the empty cause is said at its field.
        self.call_after_refresh(self._close_when_left)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Back in the query (Shift+Tab) with its matches unpicked: they show again.
        options = self.query_one(OptionList)
        if event.widget is self.query_one(Input) and not self.code and options.option_count:
            self._open(True)

    def _close_when_left(self) -> None:
        focused = self.app.focused
        if self.has_class("-open") and (focused is None or self not in focused.ancestors):
            self._open(False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_matches":
            return self.has_class("-open")
        return True

    def action_close_matches(self) -> None:
        self._open(False)
        self.screen.set_focus(self.query_one(Input))

    def action_into_matches(self) -> None:
        if self.has_class("-open"):
            matches = self.query_one(OptionList)
            matches.can_focus = True
            # At once (`focus` would wait in the app's queue behind the keys typed after ↓).
            self.screen.set_focus(matches)
        else:
            self.screen.focus_next()

    @on(OptionList.OptionSelected, "#cause-matches")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option.id or "")

    def _pick(self, code: str) -> None:
        self.set_code(code)
        self.post_message(self.Picked(self, code))
        # On to the field after the picker (not from the list, which has just been hidden
        # and is no longer in the focus chain: focus would jump to the top of the form).
        self.screen.set_focus(self.query_one(Input), scroll_visible=False)
        self.screen.focus_next()
