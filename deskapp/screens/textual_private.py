"""Every use of a Textual private API, in one place. Textual may rename any of these in a minor
release; tests/ui/test_ui_textual_private.py checks that each still exists (so an upgrade says
what broke, by name) and that no other module of the desk or its tests reaches one.

Why each is used, in one line:
- `Screen._css_update_count`: a new mode screen says its styles are current, sparing Textual a
  restyle of every mode on the first `switch_mode` (deskapp/screens/widgets/mode_screen.py);
  the kept customer history is not restyled each time it is shown again unless the app's
  styles changed meanwhile (deskapp/screens/customer.py).
- `Stylesheet._variables`: the desk's `refresh_css` skips parsing every rule again when the
  theme's variables are those already parsed with (deskapp/screens/app.py).
- `Footer._bindings_ready`: the desk's footer is composed with its keys, not filled after the
  first frame (deskapp/screens/widgets/desk_footer.py); `textual.widgets._footer.FooterKey` is the
  widget of one key there.
- `Screen._modal_binding_chain`, `App._check_action_state`: the help screen lists the keys of
  a screen including those a focused widget shadows (deskapp/screens/help.py).
- `App._screen_stacks`: the screens of every mode, whose drafts are saved before a sign-out or
  a quit (deskapp/screens/app.py).
- `App._fatal_error`, `App._exception`, `App._exit_renderables`, `App._close_messages_no_wait`,
  `App._handle_exception`: Textual's last resort replaced by one line with an incident number
  instead of a traceback that prints local variables (deskapp/screens/app.py).
- `textual._loop`, `textual._parser`, `textual._xterm_parser`, `Driver._debug`: the desk's
  Linux driver, Textual's input loop with a decoder that replaces bad bytes
  (deskapp/screens/driver.py).
- `textual.widgets._select.SelectOverlay`: the open Select's Esc binding, relabelled in the
  desk's language (deskapp/screens/palette.py).
- `App._unnotify`: a notice that is no longer true (the store was busy; the retry saved) is
  taken back (deskapp/screens/intake.py).
- `MessagePump._dispatch_message`: an error in an event handler or a key's action is reported
  in words and the desk goes on, where Textual would end the app (`keep_handlers_running`).
- `App._unnotify`: the sign-in's "a handover waits, press F5" notice is taken off once F5 is
  there, not left over the acknowledge dialog's PIN at 80x24 (deskapp/screens/shift.py).
- `App._init_mode`: the intake form is composed, mounted and laid out in its own mode while
  the sign-in screen is shown, so signing in only switches to it (deskapp/screens/app.py).
- `Screen._on_timer_update`: the desk's first frame is drawn whole as soon as the app is ready,
  not at the screen's next update tick (`draw_now`, deskapp/screens/app.py).
- `App._batch_count`, `Screen._compositor_refresh`: the sign-in screen renders no frame that
  Textual's start-up batch would drop (`NoFrameInBatch`, deskapp/screens/signin.py); the
  tests count renders through `textual._compositor.Compositor`.
- `Widget._forward_event`: a key the focused field binds but does not take (Input's ↓, a
  scroll it cannot make) goes on up the chain as Textual sends it (`DeskApp._in_turn`).
- `Screen._callbacks`: for tests, whether a screen still has work put off until after a
  refresh (`after_refresh_pending`): a settled screen has none.
- `App._refresh_notifications`, `App._notifications`, `App._disable_notifications`: no toast
  lies over a question or a dialog; the notices are held while one is open, said in a line
  beneath it, and shown whole once it is answered (`NoticesBesideQuestions`,
  deskapp/screens/app.py); not where toasts are never shown (`run_test` without them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.align import Align
from rich.text import Text
from textual import _wait, events
from textual._compositor import Compositor
from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.css.stylesheet import Stylesheet
from textual.driver import Driver
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Select
from textual.widgets._footer import FooterKey
from textual.widgets._select import SelectOverlay
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.binding import BindingsMap
    from textual.dom import DOMNode
    from textual.message import Message
    from textual.notifications import Notification

__all__ = [
    "PRIVATE_ATTRIBUTES",
    "PRIVATE_MODULES",
    "Compositor",
    "FooterKey",
    "LastResort",
    "NoFrameInBatch",
    "NoticesBesideQuestions",
    "PaletteWithOwnWords",
    "ParseError",
    "SelectOverlay",
    "XTermParser",
    "action_state",
    "after_refresh_pending",
    "batch_open",
    "close_messages_now",
    "css_parsed_for",
    "draw_now",
    "driver_debug",
    "fatal_error",
    "footer_born_ready",
    "forward_event",
    "give_back_notifications",
    "handle_exception",
    "has_mode_stack",
    "keep_handlers_running",
    "loop_last",
    "merge_bindings_again",
    "modal_binding_chain",
    "notifications",
    "pending_exception",
    "pilot_idle_check_every",
    "prepare_mode",
    "print_at_exit",
    "screen_stacks",
    "select_options",
    "styles_are_current",
    "styles_current",
    "take_notifications",
    "withdraw_notifications",
]

# What this module reaches, checked by the test: (class, attribute) and private modules.
PRIVATE_ATTRIBUTES: tuple[tuple[type, str], ...] = (
    (Screen, "_css_update_count"),
    (Screen, "_callbacks"),
    (App, "_css_update_count"),
    (Stylesheet, "_variables"),
    (Footer, "_bindings_ready"),
    (Screen, "_modal_binding_chain"),
    (App, "_check_action_state"),
    (App, "_screen_stacks"),
    (App, "_init_mode"),
    (Screen, "_on_timer_update"),
    (Screen, "_compositor_refresh"),
    (App, "_batch_count"),
    (App, "_fatal_error"),
    (App, "_exception"),
    (App, "_exit_renderables"),
    (App, "_close_messages_no_wait"),
    (App, "_handle_exception"),
    (MessagePump, "_dispatch_message"),
    (App, "_notifications"),
    (App, "_unnotify"),
    (App, "_refresh_notifications"),
    (App, "_disable_notifications"),
    (Driver, "_debug"),
    (CommandPalette, "_start_no_matches_countdown"),
    (CommandPalette, "_stop_no_matches_countdown"),
    (CommandPalette, "_NO_MATCHES"),
    (CommandPalette, "_NO_MATCHES_COUNTDOWN"),
    (CommandPalette, "_list_visible"),
    (CommandPalette, "_no_matches_timer"),
    (SelectOverlay, "_merged_bindings"),
    (SelectOverlay, "_merge_bindings"),
    (Select, "_options"),
    (Widget, "_forward_event"),
)
PRIVATE_MODULES = ("textual._compositor", "textual._loop", "textual._parser",
                   "textual._xterm_parser", "textual.widgets._footer",
                   "textual.widgets._select", "textual._wait")  # fmt: skip


@contextmanager
def css_parsed_for(stylesheet: Stylesheet, variables: dict[str, str]) -> Iterator[None]:
    """While in the block, setting the stylesheet's variables to those it already has and
    parsing it again are skipped: the rules are the same (they depend on the sources, which
    add_source parses as they come, and on the variables alone)."""
    if stylesheet._variables != variables:
        yield
        return
    stylesheet.set_variables = lambda variables: None  # type: ignore[method-assign]
    stylesheet.reparse = lambda: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        del stylesheet.set_variables, stylesheet.reparse


def styles_current(screen: Screen[Any], app: App[Any]) -> None:
    """Say that a new screen's styles match the app's stylesheet (no restyle on first show)."""
    screen._css_update_count = app._css_update_count


def styles_are_current(screen: Screen[Any], app: App[Any]) -> bool:
    """Whether a screen's styles match the app's stylesheet (nothing app-wide changed since)."""
    return bool(screen._css_update_count == app._css_update_count)


def footer_born_ready(footer: Footer) -> None:
    """A footer composed with its keys, in its screen's styling pass."""
    footer.set_reactive(Footer._bindings_ready, True)


def modal_binding_chain(screen: Screen[Any]) -> list[tuple[DOMNode, BindingsMap]]:
    """The screen's binding chain up to the app, shadowed bindings included."""
    return screen._modal_binding_chain


def forward_event(widget: Widget, event: events.Event) -> None:
    """Hand an input event to a widget as the app does (marked forwarded: it bubbles back up to
    the app as any key the widget does not take, and is not taken for a new key there)."""
    widget._forward_event(event)


def action_state(app: App[Any], action: str, node: DOMNode) -> bool | None:
    """Whether an action is enabled (True), disabled (None) or hidden (False) on a node."""
    return app._check_action_state(action, node)


def screen_stacks(app: App[Any]) -> Iterator[Screen[Any]]:
    """Every screen of every mode's stack."""
    for stack in app._screen_stacks.values():
        yield from stack


def has_mode_stack(app: App[Any], mode: str) -> bool:
    """Whether a mode has been opened (its screen stack exists)."""
    return mode in app._screen_stacks


def prepare_mode(app: App[Any], mode: str) -> None:
    """Build a mode's screen (compose, mount, lay out) without showing it: a mode that is
    not current is never drawn, and `switch_mode` later shows the screen as it stands."""
    if mode not in app._screen_stacks:
        app._init_mode(mode)


def batch_open(app: App[Any]) -> bool:
    """Whether the app holds a batch update now (what is rendered is not drawn)."""
    return bool(app._batch_count)


def draw_now(screen: Screen[Any]) -> None:
    """The whole screen drawn now. Textual lays out and renders the first screen of an app
    whose DEFAULT_MODE is a screen of its own inside its start-up batch, which drops that
    frame; what it draws next are the parts that change, and the whole screen comes only at
    the screen's next update tick (1/60 s after the app is idle, later under load)."""
    screen.refresh()  # all of it
    screen._on_timer_update()  # the tick's work, done now


def notifications(app: App[Any]) -> list[Notification]:
    """The notifications shown now and those held beneath a question (for tests: what the
    desk said)."""
    return [*app._notifications, *getattr(app, "held_notifications", ())]


def withdraw_notifications(app: App[Any], messages: set[str]) -> None:
    """Take back notices that are no longer true (a failure to save, once a retry saved), shown
    or held beneath a question."""
    held = getattr(app, "held_notifications", None)
    if held:
        held[:] = [n for n in held if n.message not in messages]
    for notification in list(app._notifications):
        if notification.message in messages:
            app._unnotify(notification)


def take_notifications(app: App[Any]) -> list[Notification]:
    """The notifications shown now, taken off (not expired, each with its time left); their
    toasts go at the next refresh of notifications."""
    taken = list(app._notifications)
    app._notifications.clear()
    return taken


def give_back_notifications(app: App[Any], given: list[Notification]) -> None:
    """Notifications shown again (added as new ones: a toast a screen kept from before is not
    theirs, and goes); shown at the next refresh of notifications."""
    for notification in given:
        app._notifications.add(notification)


class NoticesBesideQuestions:
    """Textual's private `App._refresh_notifications` (run at every notice, every expiry and
    every screen shown, before the screen's toasts are put in line with the notices) calls
    the app's public `before_toasts()` first: the app may take notices off or give them back
    there. Not where toasts are never shown (`run_test` without notifications: most tests)."""

    def _refresh_notifications(self) -> None:
        if not self._disable_notifications:  # type: ignore[attr-defined]
            self.before_toasts()  # type: ignore[attr-defined]
        super()._refresh_notifications()  # type: ignore[misc]


def after_refresh_pending(screen: Screen[Any]) -> bool:
    """Whether `screen` holds callbacks put off until after its next refresh."""
    return bool(screen._callbacks)


def pilot_idle_check_every(seconds: float) -> None:
    """For tests: how often the Pilot looks whether the app has gone idle after a key
    (Textual's 1/50 s). It waits until one such sleep used less than a twentieth of it in CPU:
    the same question, asked more often."""
    if not hasattr(_wait, "SLEEP_GRANULARITY"):  # renamed in a Textual upgrade: say so
        raise AttributeError("textual._wait.SLEEP_GRANULARITY is gone")
    _wait.SLEEP_GRANULARITY = seconds
    _wait.SLEEP_IDLE = seconds / 20


def driver_debug(driver: Driver) -> bool:
    return driver._debug


def pending_exception(app: App[Any]) -> BaseException | None:
    """The exception Textual is about to die of (outside an `except` block)."""
    return app._exception


def print_at_exit(app: App[Any], renderable: Any) -> None:
    """Print this after the app's screen is gone (where Textual prints its traceback)."""
    app._exit_renderables.append(renderable)


def close_messages_now(app: App[Any]) -> None:
    app._close_messages_no_wait()


def handle_exception(app: App[Any], error: Exception) -> None:
    """Textual's own handling of an error: the app exits with its traceback."""
    app._handle_exception(error)


def fatal_error(app: App[Any]) -> None:
    """What Textual calls at its last resort (tests call it as Textual would)."""
    app._fatal_error()


def merge_bindings_again(cls: type[DOMNode]) -> None:
    """Bindings are merged when a class is made: after its BINDINGS change, merge again."""
    cls._merged_bindings = cls._merge_bindings()


def select_options(select: Select[Any]) -> list[tuple[Any, Any]]:
    """The (prompt, value) pairs of a Select (for tests: every choice it offers)."""
    return list(select._options)


class PaletteWithOwnWords(CommandPalette):
    """Textual's palette whose "No matches found" line says `no_matches_words()`: Textual's
    own private method, with the line in other words (textual is pinned in requirements.lock)."""

    def no_matches_words(self) -> str:
        return "No matches found"

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(self.no_matches_words(), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


class NoFrameInBatch:
    """A screen that renders no frame while the app holds a batch update: Textual would render
    it whole and then drop it (App._display draws nothing in a batch), and its compositor,
    taking the frame as drawn, would draw next only what changed since. Skipped, the screen
    stays dirty and its next refresh after the batch draws all of it (the sign-in screen is
    laid out in Textual's start-up batch: issue 22, bench/startup.py)."""

    def _compositor_refresh(self) -> None:
        if batch_open(self.app):  # type: ignore[attr-defined]
            return
        super()._compositor_refresh()  # type: ignore[misc]


class LastResort:
    """Textual's private last resort (`App._fatal_error`, for an error outside any worker)
    routed to the app's public `last_resort`."""

    def _fatal_error(self) -> None:
        self.last_resort()  # type: ignore[attr-defined]


_textual_dispatch = MessagePump._dispatch_message


def keep_handlers_running(
    handler_failed: Callable[[MessagePump, Exception, Message], bool],
) -> None:
    """Textual ends the app on an error in any event handler or action (and the failed widget's
    message loop stops). From now on such an error goes to `handler_failed(node, error,
    message)` first; where it returns True the error was reported and the desk goes on. Errors
    outside handlers (workers, Textual's own start-up) are unchanged."""

    async def dispatch_or_report(self: MessagePump, message: Message) -> None:
        try:
            await _textual_dispatch(self, message)
        except Exception as error:  # every error is reported, none passes unseen
            if not handler_failed(self, error, message):
                raise

    MessagePump._dispatch_message = dispatch_or_report  # type: ignore[method-assign]
