"""当事人回避: what the colleague sees when a complaint form was handed to them.

Not the generic "draft found" question: it says that the form was handed over because of
recusal, by whom and when, and whose complaint it is. Taking it is one key; leaving it for later
keeps it; only discarding asks a second time, with "keep" as the answer under the cursor."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from deskapp.i18n import t
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.confirm import ConfirmScreen

HandOffAnswer = Literal["take", "later", "discard"]


class HandOffScreen(ModalScreen[str]):
    DEFAULT_CSS = """
    HandOffScreen { align: center middle; }
    HandOffScreen > Vertical {
        width: 64; max-width: 100%; height: auto; border: thick $warning; background: $surface;
        padding: 1 2;
    }
    HandOffScreen #handoff-title { text-style: bold; padding-bottom: 1; }
    HandOffScreen Horizontal { height: auto; align: right middle; padding-top: 1; }
    HandOffScreen Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "handoff",
        [
            Binding("y", "answer('take')", t("handoff.take")),
            Binding("escape", "answer('later')", t("handoff.later")),
            Binding("d", "answer('discard')", t("handoff.discard")),
        ],
    )

    def __init__(self, by: str, at: str, customer: str, summary: str) -> None:
        super().__init__()
        self._body = t("handoff.body", by=by, at=at, customer=customer or "—", summary=summary)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("handoff.title"), id="handoff-title")
            yield Static(self._body, id="handoff-body")
            with Horizontal():
                yield Button(f"{t('handoff.discard')} (D)", id="discard", compact=True)
                yield Button(f"{t('handoff.later')} (Esc)", id="later", compact=True)
                yield Button(f"{t('handoff.take')} (Y)", id="take", variant="primary",
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

        # The second, explicit question: N, Esc or Enter on the focused "keep" button keep it.
        self.app.push_screen(
            ConfirmScreen(
                t("handoff.discard_title"),
                t("handoff.discard_body"),
                yes=t("handoff.discard_yes"),
                no=t("handoff.discard_no"),
            ),
            confirmed,
        )
