"""Screens that read their data when mounted and again each time they are shown after
another screen or a dialog was on top: what was done there may have changed it."""

from __future__ import annotations


class ReloadOnReturn:
    """Mixed into a Screen: `reload_on_return` runs on every resume that follows a suspend,
    and not on the first show: the screen has just read its data when mounted, and Textual
    posts two resumes for a mode's first `switch_mode`; each started the same reads again in
    a worker of its own, each redrawing the screen, on the first press of the mode's key."""

    _away = False

    def on_screen_suspend(self) -> None:
        self._away = True

    def on_screen_resume(self) -> None:
        if self._away:
            self._away = False
            self.reload_on_return()

    def reload_on_return(self) -> None:
        raise NotImplementedError
