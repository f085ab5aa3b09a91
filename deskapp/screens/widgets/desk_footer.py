"""The Footer every screen shows: compact, and without the English "palette" hint (Ctrl+P
still opens the command palette), so the keys of a screen fit 80 columns."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from deskapp.screens.textual_private import FooterKey, footer_born_ready

# What a footer shows: each shown key with its words, whether it is enabled, its tooltip. A
# set: focus moving to a widget with hidden keys of its own reorders the screen's bindings
# without changing what is shown.
Shown = frozenset[tuple[str, str, str, bool, str]]


class DeskFooter(Footer):
    """Textual's Footer rebuilds every key (a dozen widgets, each styled as it mounts) on each
    change of the bindings, and focus moving inside a screen, a screen being shown or hidden
    each publish one. This one rebuilds only when what it shows has changed, and only while
    its screen is the one on view: on the first F4 that was three rebuilds out of three, a
    third of the time to the queue's rows (bench/queue.py)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        kwargs.setdefault("show_command_palette", False)
        super().__init__(**kwargs)
        # Born ready: the keys are composed with the screen, in its own styling pass,
        # instead of an empty footer filled by a rebuild after the first frame.
        footer_born_ready(self)
        self._shown: Shown | None = None
        self._recompose_pending = False

    # (Footer's own on_mount and on_unmount, subscribing to the screen's bindings signal, are
    # called by Textual as well: handlers run for every class of the widget.)
    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        self.app.screen_change_signal.unsubscribe(self)

    def _screen_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.bindings_changed(screen)

    def _showing(self) -> Shown:
        return frozenset(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen) -> None:
        if not (self.is_attached and screen is self.screen and screen.is_current):
            return  # a screen out of view is brought up to date when it is shown again
        if not screen.app.app_focus or self._recompose_pending:
            return
        if self._showing() == self._shown:
            return
        self._recompose_pending = True
        self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._recompose_pending = False
        if self._showing() != self._shown:
            await self.recompose()

    def compose(self) -> ComposeResult:
        self._shown = self._showing()
        # Each key is born compact: Textual's FooterKey would otherwise add the class after it
        # is styled and restyle itself, once per key and per rebuild.
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.set_class(True, "-compact", update=False)
            yield widget
