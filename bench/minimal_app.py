"""The baseline for the desk's start: the smallest Textual app with one focused Input.

Started by bench/startup.py exactly like the desk (a whole process in a pseudo-terminal), and
used in-process by bench/signin_intake.py as the baseline for switching to a screen."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

TITLE = "bench minimal app"
PLACEHOLDER = "bench-minimal-ready"


class TrivialScreen(Screen[None]):
    """One Input, focused on arrival: what switching to a screen costs at the least."""

    AUTO_FOCUS = "#only"

    def compose(self) -> ComposeResult:
        yield Input(id="only", placeholder="trivial")


class MinimalApp(App[None]):
    MODES = {"trivial": TrivialScreen}

    def compose(self) -> ComposeResult:
        yield Static(TITLE)
        yield Input(id="first", placeholder=PLACEHOLDER)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#first", Input).focus()


def main() -> None:
    MinimalApp().run()


if __name__ == "__main__":
    main()
