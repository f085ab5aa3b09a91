"""Mode screens are styled once, as they mount, and not again for Textual's bookkeeping."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from textual import events


class StyledAsMounted:
    """Mixed into a mode's Screen. A new screen's CSS generation (-1) differs from the app's,
    so Textual restyles every widget of every mode (the intake form's many) when a mode is
    first shown, and then the new screen's whole tree again on each of the two resumes of
    its first `switch_mode`, although nothing app-wide has changed: the screen's own widgets
    are styled with the current stylesheet as they mount. On the first F4 that was ~95 ms
    (bench/queue.py). Once the screen has been hidden, a resume restyles as usual (a theme
    may have changed meanwhile). `_css_update_count` is private to Textual 8: were it
    renamed, the assignment would do nothing and the cost would simply return."""

    _been_hidden = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with suppress(RuntimeError):  # no app running: nothing to be current with
            self._css_update_count = self.app._css_update_count  # type: ignore[attr-defined]

    def on_screen_suspend(self) -> None:
        self._been_hidden = True

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._been_hidden:
            event.refresh_styles = False
