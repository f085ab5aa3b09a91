"""The Footer every screen shows: compact, and without the English "palette" hint (Ctrl+P
still opens the command palette), so the keys of a screen fit 80 columns."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class DeskFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        kwargs.setdefault("show_command_palette", False)
        super().__init__(**kwargs)
