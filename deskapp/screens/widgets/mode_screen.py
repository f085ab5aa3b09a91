"""The base of the desk's mode screens (F2 受理 … F9 结束营业): styled once, as they mount;
their data read when mounted and again each time they are shown after another screen or a
dialog was on top, since what was done there may have changed it."""

from __future__ import annotations

from contextlib import suppress

from textual import events
from textual.screen import Screen

from deskapp.screens.boundary import WorkBoundary
from deskapp.screens.textual_private import styles_current


class ModeScreen(WorkBoundary, Screen[None]):
    """Two costs of a mode's first `switch_mode` avoided (bench/queue.py, first F4 and
    bench/signin_intake.py, sign-in → intake form):

    * A new screen's CSS generation (-1) differs from the app's, so Textual restyles every
      widget of every mode, and then this screen's whole tree again on each of the two
      resumes it posts; yet nothing app-wide has changed, and the screen's own widgets are
      styled with the current stylesheet as they mount. `_css_update_count` is private to
      Textual 8 (deskapp/screens/textual_private.py, whose test says when it is renamed).
      Once the screen has been hidden, a resume restyles as usual (the theme may have changed).
    * Each of those two resumes would start the screen's reads again, in a worker of its own:
      `reload_on_return` runs only on a resume that follows a suspend."""

    def __init__(self) -> None:
        super().__init__()
        with suppress(RuntimeError):  # no app running: nothing to be current with
            styles_current(self, self.app)
        self._hidden = False  # suspended, not resumed yet
        self._ever_hidden = False

    def on_screen_suspend(self) -> None:
        self._hidden = self._ever_hidden = True

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._ever_hidden:
            event.refresh_styles = False  # the first show: styled as it mounted
        elif self._hidden:
            self._hidden = False
            self.reload_on_return()

    def reload_on_return(self) -> None:
        """Read again what another screen or a dialog may have changed (none by default)."""
