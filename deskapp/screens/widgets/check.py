"""A check box whose state reads from its symbol, not only from its colour."""

from __future__ import annotations

from textual.widgets import Checkbox


class Check(Checkbox):
    """Textual's Checkbox draws the same "X" checked or not, only coloured differently; at the
    counter that reads as checked either way. This one shows ✓ when checked, nothing when not."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # Textual reads this name
        return "✓" if self.value else " "
