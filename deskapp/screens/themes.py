"""The desk's own theme: high contrast for bright halls and tired eyes. Every state the queue
marks in colour also has its symbol and words (⚠ overdue, ◷ due soon, ‖ paused), so nothing is
told by colour alone in any theme."""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="desk-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    boost="#303030",
    warning="#FFFF00",
    error="#FF6060",
    success="#00FF66",
    dark=True,
    variables={
        "border": "#FFFFFF",
        "border-blurred": "#A0A0A0",
        "text-muted": "#E0E0E0",
        "footer-key-foreground": "#FFFF00",
        "footer-description-foreground": "#FFFFFF",
        "footer-background": "#000000",
        "input-cursor-background": "#FFFF00",
        "input-cursor-foreground": "#000000",
        "input-selection-background": "#0050A0",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
    },
)

DESK_THEMES = (HIGH_CONTRAST,)
