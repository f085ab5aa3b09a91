"""The Footer every screen shows: compact, and without the English "palette" hint (Ctrl+P
still opens the command palette), so the keys of a screen fit 80 columns."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class DeskFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        kwargs.setdefault("show_command_palette", False)
        super().__init__(**kwargs)

    _recompose_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        # Textual schedules a recompose for every change of the bindings, and a screen being
        # shown changes them several times before the next refresh: one recompose is enough
        # (each rebuilds every key; a dozen of them were half of the first F4).
        if self._recompose_pending:
            self._bindings_ready = True
            return
        self._recompose_pending = True
        super().bindings_changed(screen)
        if not self._recompose_pending:
            return
        self.call_after_refresh(self._recomposed)

    def _recomposed(self) -> None:
        self._recompose_pending = False

    def compose(self) -> ComposeResult:
        # Each key is born compact: Textual's FooterKey would otherwise add the class after it
        # is styled and restyle itself, once per key and per recompose: a third of the time
        # of the first F4 (bench/queue.py). The look is the same (the snapshots say so).
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.set_class(True, "-compact", update=False)
            yield widget
