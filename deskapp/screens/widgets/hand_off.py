"""当事人回避: what the colleague sees when a complaint form was handed to them.

Not the generic "draft found" question: it says that the form was handed over because of
recusal, by whom and when, and whose complaint it is. It answers to no letter key, so that keys
typed ahead for the next form can neither take nor discard it: Enter on the focused "take"
button takes it, Esc leaves it for later (kept), and only Ctrl+D asks to discard it, a second
time, where again only Ctrl+D discards and Enter or Esc keep it."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from deskapp.i18n import t
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.confirm import YesOrNo
from deskapp.screens.widgets.plain import Static

HandOffAnswer = Literal["take", "later", "discard"]

_DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 64; max-width: 100%; height: auto; max-height: 100%; border: thick $warning;
    background: $surface; padding: 1 2;
}}
{name} .dialog-title {{ text-style: bold; padding-bottom: 1; }}
{name} Horizontal {{ height: auto; align: right middle; padding-top: 1; }}
{name} Button {{ margin-left: 1; }}
"""


class HandOffScreen(ModalScreen[str]):
    DEFAULT_CSS = _DIALOG_CSS.format(name="HandOffScreen")
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "handoff",
        [
            Binding("escape", "answer('later')", t("handoff.later")),
            Binding("ctrl+d", "answer('discard')", t("handoff.discard")),
        ],
    )

    def __init__(self, by: str, at: str, customer: str, summary: str, others: int = 0) -> None:
        super().__init__()
        self._body = t("handoff.body", by=by, at=at, customer=customer or "—", summary=summary)
        if others:
            self._body += "\n" + t("handoff.others", count=others)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("handoff.title"), id="handoff-title", classes="dialog-title")
            yield Static(self._body, id="handoff-body")
            with Horizontal():
                yield Button(f"{t('handoff.discard')} (Ctrl+D)", id="discard", compact=True)
                yield Button(f"{t('handoff.later')} (Esc)", id="later", compact=True)
                yield Button(f"{t('handoff.take')} (⏎)", id="take", variant="primary",
                             compact=True)  # fmt: skip

    def on_mount(self) -> None:
        self.query_one("#take", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(str(event.button.id))

    def action_answer(self, answer: str) -> None:
        if answer != "discard":
            self.dismiss(answer)
            return

        def confirmed(discard: bool | None) -> None:
            if discard:
                self.dismiss("discard")

        self.app.push_screen(DiscardHandOffScreen(), confirmed)


class DiscardHandOffScreen(YesOrNo):
    """The second, explicit question: only Ctrl+D (or Enter on its own button, reached with
    Tab) discards; Enter on the focused "keep" button, Esc and every letter keep it."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="DiscardHandOffScreen")
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "handoff_discard",
        [
            Binding("ctrl+d", "answer(True)", t("handoff.discard_yes")),
            Binding("escape", "answer(False)", t("handoff.discard_no")),
        ],
    )

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("handoff.discard_title"), id="discard-title", classes="dialog-title")
            yield Static(t("handoff.discard_body"))
            with Horizontal():
                yield Button(f"{t('handoff.discard_yes')} (Ctrl+D)", id="yes", variant="error",
                             compact=True)  # fmt: skip
                yield Button(f"{t('handoff.discard_no')} (Esc)", id="no", variant="primary",
                             compact=True)  # fmt: skip
