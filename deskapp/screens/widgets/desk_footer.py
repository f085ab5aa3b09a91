"""The Footer every screen shows: compact, without the English "palette" hint (Ctrl+P still
opens the command palette), and fitted to the terminal's width so that every key it shows is
readable whole at 80 columns: the screen's own keys first, then F1 帮助 (which lists every
key), then the other screens' keys in the order a handler needs them; what does not fit is
left out, never cut mid-word. Labels are the short ones of the catalogue's [footer] table
where it has one (the help and the palette keep the full words)."""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from deskapp.i18n import catalogue, language
from deskapp.screens.textual_private import FooterKey, footer_born_ready

# The app's keys by how much a handler at the counter needs them in sight (the help lists all).
APP_KEY_RANK = (
    "app.help",
    "app.switch_mode_intake",
    "app.switch_mode_queue",
    "app.switch_mode_search",
    "app.switch_mode_shift",
    "app.sign_out",
    "app.switch_mode_opinion",
    "app.switch_mode_reports",
    "app.switch_mode_day_close",
    "app.switch_mode_staff",
    "app.quit",
)
# Where the app's keys stand in the footer's line: F1 … F12, then Ctrl+Q.
APP_KEY_PLACE = (
    "app.help",
    "app.switch_mode_intake",
    "app.switch_mode_search",
    "app.switch_mode_queue",
    "app.switch_mode_shift",
    "app.switch_mode_reports",
    "app.switch_mode_opinion",
    "app.sign_out",
    "app.switch_mode_day_close",
    "app.switch_mode_staff",
    "app.quit",
)
HELP_ID = "app.help"


class ShownKey(NamedTuple):
    """One key in the footer: the key, how it is shown, its words, what it does."""

    key: str
    display: str
    label: str
    action: str
    enabled: bool
    tooltip: str

    @property
    def cells(self) -> int:
        """Columns it takes in a compact footer: key, a space, the words, a space after."""
        return cell_len(self.display) + 1 + cell_len(self.label) + 1


def footer_label(binding: Binding) -> str:
    """The footer's words for a binding: the catalogue's short form, or its description."""
    short = catalogue(language()).get(f"footer.{binding.id}") if binding.id else None
    return short or binding.description


def fitted_keys(screen: Screen[Any], width: int) -> list[ShownKey]:
    """The keys a footer `width` columns wide shows on `screen`, in their order."""
    app = screen.app
    current_mode = f"switch_mode('{app.current_mode}')"
    own: list[tuple[Binding, ShownKey]] = []
    app_keys: list[tuple[Binding, ShownKey]] = []
    seen: set[str] = set()
    for node, binding, enabled, tooltip in screen.active_bindings.values():
        if not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        if binding.action == current_mode:
            continue  # the key of the screen on view takes nowhere
        shown = ShownKey(binding.key, app.get_key_display(binding), footer_label(binding),
                         binding.action, enabled, tooltip or binding.description)  # fmt: skip
        (app_keys if node is app else own).append((binding, shown))

    def rank(pair: tuple[Binding, ShownKey]) -> int:
        bid = pair[0].id or ""
        return APP_KEY_RANK.index(bid) if bid in APP_KEY_RANK else len(APP_KEY_RANK)

    def place(pair: tuple[Binding, ShownKey]) -> int:
        bid = pair[0].id or ""
        return APP_KEY_PLACE.index(bid) if bid in APP_KEY_PLACE else len(APP_KEY_PLACE)

    by_need = [shown for _, shown in own] + [shown for _, shown in sorted(app_keys, key=rank)]
    # F1 is kept whatever the screen's own keys take: it is where the others are listed.
    help_key = next((s for b, s in app_keys if b.id == HELP_ID), None)
    room = width - (help_key.cells if help_key else 0)
    chosen: set[ShownKey] = {help_key} if help_key else set()
    for shown in by_need:
        if shown in chosen:
            continue
        if shown.cells <= room:
            chosen.add(shown)
            room -= shown.cells
    in_line = [s for _, s in own] + [s for _, s in sorted(app_keys, key=place)]
    return [s for s in in_line if s in chosen]


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
        self._shown: list[ShownKey] | None = None
        self._recompose_pending = False

    # (Footer's own on_mount and on_unmount, subscribing to the screen's bindings signal, are
    # called by Textual as well: handlers run for every class of the widget.)
    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        self.app.screen_change_signal.unsubscribe(self)

    def on_resize(self, event: events.Resize) -> None:
        self.bindings_changed(self.screen)  # a wider or narrower line fits other keys

    def _screen_changed(self, screen: Screen[Any]) -> None:
        if screen is self.screen:
            self.bindings_changed(screen)

    def _width(self) -> int:
        # Docked along the bottom: as wide as the screen (known before the footer's layout).
        return self.size.width or self.app.size.width

    def _showing(self) -> list[ShownKey]:
        return fitted_keys(self.screen, self._width())

    def bindings_changed(self, screen: Screen[Any]) -> None:
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
        for shown in self._shown:
            key = FooterKey(shown.key, shown.display, shown.label, shown.action,
                            disabled=not shown.enabled, tooltip=shown.tooltip)  # fmt: skip
            # Born compact: Textual's FooterKey would otherwise add the class after it is
            # styled and restyle itself, once per key and per rebuild.
            key.set_class(self.compact, "-compact", update=False)
            yield key
