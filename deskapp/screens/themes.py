"""The desk's own theme: high contrast for bright halls and tired eyes. Every state the queue
marks in colour also has its symbol and words (⚠ overdue, ◷ due soon, ‖ paused), so nothing is
told by colour alone in any theme."""

from __future__ import annotations

from rich.text import Text
from textual.theme import Theme

from deskapp.i18n import t

# 投诉级别 as the escalation standard colours it: 严重 orange, 重大 red, each a filled tag with
# its word inside, so neither is mistaken for the clocks' overdue red or due-soon amber (plain
# coloured text) and the word says it without the colour. Fixed colours: the same in every theme.
SEVERITY_STYLES = {
    "serious": "bold #000000 on #FF8C00",
    "major": "bold #FFFFFF on #D00000",
}


def severity_text(severity: str) -> Text:
    """The severity's word, tagged in its colour (一般 plain)."""
    return Text(t(f"severity.{severity}"), style=SEVERITY_STYLES.get(severity, ""))


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
