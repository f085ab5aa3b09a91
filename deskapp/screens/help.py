"""F1 帮助: every key of the current screen, read from its active bindings when F1 is pressed,
so the list can never drift from what the keys really do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

from deskapp.i18n import t
from deskapp.screens.keys import keyed
from deskapp.screens.textual_private import action_state, modal_binding_chain
from deskapp.screens.widgets.plain import Static


@dataclass(frozen=True)
class DeskKey:
    """One of the desk's own keys on a screen: what the help lists, what the palette runs."""

    key: str  # as shown (after any remapping)
    description: str
    action: str
    node: DOMNode  # the screen or the app: where the action runs


def desk_keys(app: App, screen: Screen) -> list[DeskKey]:
    """The bindings of the screen and the app that the desk declares (not Textual's: focus,
    copy, palette are in the hint line), enabled now. Read from the binding chain rather than
    `active_bindings`, where a focused table's own Enter would hide the screen's Enter."""
    keys: list[DeskKey] = []
    seen: set[tuple[str, str]] = set()
    screen_bound: set[str] = set()  # keys the screen binds: the app's same key is shadowed
    # Private, with no public equivalent that keeps shadowed screen bindings.
    for node, bindings in modal_binding_chain(screen):
        if node is not screen and node is not app:
            continue
        ours = _declared_actions(type(node))
        # Keys of the screen that work only at times (Ctrl+T under 当事人回避) are listed all
        # the same: the help says every key of the screen.
        always: frozenset[str] = getattr(node, "HELP_ALWAYS", frozenset())
        for key, binding in bindings:
            if not binding.description or binding.action not in ours:
                continue
            if node is screen:
                screen_bound.add(key)
            elif key in screen_bound and not binding.priority:
                continue  # F5 on F5 moves through its tabs: not also "go to F5"
            if action_state(app, binding.action, node) is False and binding.action not in always:
                continue
            shown = app.get_key_display(binding) or key
            if (shown, binding.description) not in seen:
                seen.add((shown, binding.description))
                keys.append(DeskKey(shown, binding.description, binding.action, node))
    return keys


def screen_keys(app: App, screen: Screen) -> list[tuple[str, str]]:
    """(key as shown, what it does) for the help screen."""
    return [(k.key, k.description) for k in desk_keys(app, screen)]


def _declared_actions(cls: type) -> set[str]:
    """Actions bound by the desk's own classes (not inherited from Textual's)."""
    actions: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("deskapp.screens"):
            for binding in klass.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding):
                    actions.add(binding.action)
    return actions


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 60; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    HelpScreen #help-title { text-style: bold; padding: 1 0; }
    HelpScreen #help-hint { color: $text-muted; padding: 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "help",
        [
            Binding("escape,f1,q", "app.pop_screen", t("detail.close")),
        ],
    )

    def __init__(self, title: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(t("help.title", screen=self._title), id="help-title")
            table = Table.grid(padding=(0, 3))
            table.add_column(style="bold yellow", no_wrap=True)
            table.add_column()
            for key, description in self.keys:
                table.add_row(key, description)
            yield Static(table, id="help-keys")
            yield Static(t("help.hint"), id="help-hint")
