"""The loading indicator the desk shows over a part still being read (`widget.loading`)."""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.widgets import LoadingIndicator

from deskapp.i18n import t


class DeskLoadingIndicator(LoadingIndicator):
    """Textual's pulsing dots; where animations are off (TEXTUAL_ANIMATIONS=none, a slow
    remote terminal) Textual writes "Loading..." instead: here it is in the desk's words."""

    def render(self) -> RenderResult:
        if self.app.animation_level == "none":
            return Text(t("app.loading"))
        return super().render()
