"""A yes/no question that must be answered before going on (discard a form, restore a draft)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from deskapp.i18n import t
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.plain import Static


class YesOrNo(ModalScreen[bool]):
    """A question answered yes or no: its buttons #yes and #no (focus starts on "no"), or its
    keys bound to `answer(True)` / `answer(False)` (ConfirmScreen, DiscardHandOffScreen)."""

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ConfirmScreen(YesOrNo):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 56; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen #confirm-title { text-style: bold; padding-bottom: 1; }
    ConfirmScreen Horizontal { height: auto; align: right middle; padding-top: 1; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "confirm",
        [
            Binding("y", "answer(True)", t("confirm.yes")),
            Binding("n,escape", "answer(False)", t("confirm.no")),
        ],
    )

    def __init__(self, title: str, body: str, *, yes: str | None = None, no: str | None = None):
        super().__init__()
        self._title, self._body = title, body
        self._yes, self._no = yes or t("confirm.yes"), no or t("confirm.no")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, id="confirm-title")
            yield Static(self._body)
            with Horizontal():
                yield Button(f"{self._no} (N)", id="no")
                yield Button(f"{self._yes} (Y)", id="yes", variant="warning")
