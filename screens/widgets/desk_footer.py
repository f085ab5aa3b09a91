"""The Footer every screen shows: compact, and without the English "palette" hint (Ctrl+P
still opens the command palette), so the keys of a screen fit 80 columns."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class DeskFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        kwargs.setdefault("show_command_palette", False)
        super().__init__(**kwargs)

    def compose(self) -> ComposeResult:
        # Each key is born compact: Textual's FooterKey would otherwise add the class after it
        # is styled and restyle itself, once per key and per recompose: a third of the time
        # of the first F4 (bench/queue.py). The look is the same (the snapshots say so).
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.set_class(True, "-compact", update=False)
            yield widget
