"""The line at the foot of a question or dialog that says the notices held beneath it
(DeskApp.before_toasts): docked, so the dialog is laid out in the rows above it and nothing of
it is covered; the notices themselves are shown whole once the question is answered."""

from __future__ import annotations

from deskapp.screens.widgets.plain import Static


class HeldNotices(Static):
    DEFAULT_CSS = """
    HeldNotices {
        dock: bottom;
        height: auto;
        max-height: 2;
        width: 1fr;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    HeldNotices.-warning { background: $warning 30%; }
    HeldNotices.-error { background: $error 30%; }
    """
