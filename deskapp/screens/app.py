"""The desk: a Textual app whose modes are the handler's jobs, switched by function keys."""

from __future__ import annotations

import contextlib
import gc
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.actions import ActionParseResult
from textual.actions import parse as parse_action
from textual.app import App, ScreenStackError, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.driver import Driver
from textual.message import Message
from textual.message_pump import MessagePump
from textual.notifications import Notification, SeverityLevel
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import AwaitMount, Widget
from textual.worker import Worker, WorkerFailed, WorkerState

from deskapp.clock import Clock
from deskapp.domain.actor import Actor
from deskapp.domain.enums import Role
from deskapp.domain.permissions import Permission, allowed
from deskapp.i18n import os_reason, t
from deskapp.incidents import Fault, describe, new_incident
from deskapp.screens.boundary import desk_work
from deskapp.screens.keys import keyed
from deskapp.screens.signin import SignInScreen
from deskapp.screens.textual_private import (
    LastResort,
    NoticesBesideQuestions,
    close_messages_now,
    css_parsed_for,
    draw_now,
    forward_event,
    give_back_notifications,
    handle_exception,
    has_mode_stack,
    keep_handlers_running,
    modal_binding_chain,
    pending_exception,
    prepare_mode,
    print_at_exit,
    screen_stacks,
    take_notifications,
)
from deskapp.screens.themes import DESK_THEMES, HIGH_CONTRAST

if TYPE_CHECKING:
    from deskapp.config import DeskSettings
    from deskapp.screens.intake import IntakeScreen
    from deskapp.services.desk import Desk
    from deskapp.services.records import Shift


# The signed-in screens (and the store, SQLAlchemy, pydantic behind them) are imported when
# first shown, not at start: the sign-in screen is ready to type in a fraction of the time.
def _lazy(module: str, name: str) -> Callable[[], Screen]:
    def make() -> Screen:
        import importlib

        return getattr(importlib.import_module(module), name)()

    make.__name__ = name
    return make


SIGNED_IN_MODES: dict[str, Callable[[], Screen]] = {
    "intake": _lazy("deskapp.screens.intake", "IntakeScreen"),
    "search": _lazy("deskapp.screens.search", "SearchScreen"),
    "queue": _lazy("deskapp.screens.queue", "QueueScreen"),
    "shift": _lazy("deskapp.screens.shift", "ShiftScreen"),
    "reports": _lazy("deskapp.screens.reports", "ReportsScreen"),
    "opinion": _lazy("deskapp.screens.opinion_book", "OpinionBookScreen"),
    "day_close": _lazy("deskapp.screens.day_close", "DayCloseScreen"),
    "staff": _lazy("deskapp.screens.staff", "StaffScreen"),
    "cases": _lazy("deskapp.screens.cases", "CasesScreen"),  # 案例库 (issue 18): every role
    # 重点客户名单 and 批量投诉 (issue 18), the managers': modes like the others, so that F10
    # and F11 always show their own screen and the other keys theirs. (Pushed onto whichever
    # mode was open, they were shown by that mode's key until Esc, and keys typed there
    # landed on them: tests/ui/test_ui_modes18.py.)
    "watch": _lazy("deskapp.screens.watch_list", "WatchListScreen"),
    "batches": _lazy("deskapp.screens.batches", "BatchScreen"),
}
# Modes only some roles may open, by the permission they need (the services refuse the others
# whatever a screen shows); the screen's title names it when someone else presses its key.
MODE_PERMISSIONS: dict[str, tuple[Permission, str]] = {
    "staff": (Permission.MANAGE_STAFF, "staff.title"),
    "watch": (Permission.MANAGE_WATCH_LIST, "watch.title"),
    "batches": (Permission.MANAGE_BATCH, "batch.title"),
}
# Modes a manager opens for an errand and leaves with Esc, back to the mode they came from.
ERRAND_MODES = frozenset({"watch", "batches"})


def _lazy_provider(name: str) -> Callable[[], type]:
    """A palette provider imported when the palette first opens, not at start."""

    def provider() -> type:
        from deskapp.screens import palette

        return getattr(palette, name)

    return provider


def checked_keymap(keymap: dict[str, str], problems: list[str]) -> dict[str, str]:
    """The entries of a user's keymap that name a desk binding and valid keys; each other
    entry is left out with its reason in `problems`."""
    from deskapp.screens.keys import desk_binding_ids, valid_key

    known = desk_binding_ids()
    usable: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            problems.append(t("prefs.unknown_id", id=binding_id))
        elif not all(valid_key(k) for k in keys.split(",")):
            problems.append(t("prefs.bad_key", id=binding_id, keys=keys))
        else:
            usable[binding_id] = ",".join(k.strip().lower() for k in keys.split(","))
    # Two bindings of one screen (or of the app, which every screen has) on one key: Textual
    # would silently keep one; the desk says so and keeps the defaults instead.
    keys_of = {bid: set((usable.get(bid) or b.key).split(",")) for bid, b in known.items()}
    for binding_id in list(usable):
        scope = binding_id.split(".")[0]
        for key in keys_of[binding_id]:
            others = sorted(
                other
                for other, keys in keys_of.items()
                if other != binding_id
                and key in keys
                and (scope == "app" or other.split(".")[0] in (scope, "app"))
            )
            if others:
                ids = "、".join([binding_id, *others])
                problems.append(t("prefs.clash", ids=ids, keys=key))
                del usable[binding_id]
                keys_of[binding_id] = set(known[binding_id].key.split(","))
                break
    return usable


# Textual's palette commands by their English titles → catalogue keys (palette.*).
TEXTUAL_COMMANDS = {"Theme": "theme", "Quit": "quit", "Keys": "keys", "Screenshot": "screenshot",
                    "Maximize": "maximize", "Minimize": "minimize", "Bell": "bell"}  # fmt: skip

_OPEN_LOCK = threading.Lock()
# After a failed sync (hall unreachable, this store busy, anything else) the desk tries again
# by itself, waiting longer each time up to the last step; a good sync starts over.
SYNC_RETRY_SECONDS = (15, 30, 60, 120, 300)
# How soon a change made by another desk on the same store shows (`_watch_store`).
STORE_WATCH_SECONDS = 1.0
# A notice held beneath a question is shown at least this long once it is answered.
HELD_SHOWN_AT_LEAST = 8.0
# What counts as someone at the counter: a key, a click, a scroll, a paste (not a mouse drift).
ACTIVITY_EVENTS = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp,
                   events.Paste)  # fmt: skip


@dataclass(frozen=True)
class DemoLogin:
    work_no: str
    name: str
    role: str
    pin: str


class StoreWritten(Message):
    """A write of this desk was committed (posted from whichever thread wrote)."""


class DeskApp(NoticesBesideQuestions, LastResort, App[None]):
    # The sign-in screen's styles too: parsed at start with the app's, once (SignInScreen).
    CSS_PATH: ClassVar = ["app.tcss", "signin.tcss"]
    TITLE = t("app.title")
    MODES: ClassVar = {"signin": SignInScreen, **SIGNED_IN_MODES}
    DEFAULT_MODE = "signin"
    ENABLE_COMMAND_PALETTE = True
    # The screen's own actions and complaints by ticket or phone, besides Textual's commands.
    COMMANDS: ClassVar = App.COMMANDS | {_lazy_provider("ScreenActions"),
                                         _lazy_provider("Complaints")}  # fmt: skip
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "app",
        [
            Binding("f1", "help", t("help.key")),
            Binding("f2", "switch_mode('intake')", t("key.intake")),
            Binding("f3", "switch_mode('search')", t("key.search")),
            Binding("f4", "switch_mode('queue')", t("queue.title")),
            Binding("f5", "switch_mode('shift')", t("shift.title")),
            Binding("f6", "switch_mode('reports')", t("reports.title")),
            Binding("f7", "switch_mode('opinion')", t("opinion.title")),
            Binding("f8", "sign_out", t("key.signout")),
            Binding("f9", "switch_mode('day_close')", t("day.title")),
            Binding("f12", "switch_mode('staff')", t("staff.key_open")),
            # 重点客户名单 and 批量投诉 (issue 18): duty and hall managers; not in the crowded
            # footer. Their ids are those they had before they were modes (users' keymaps).
            Binding(
                "f10", "switch_mode('watch')", t("watch.key_open"), show=False, id="app.watch_list"
            ),
            Binding(
                "f11", "switch_mode('batches')", t("batch.key_open"), show=False, id="app.batches"
            ),
            # 案例库: the function keys are all taken; Ctrl+\ is bound by no field, so it
            # opens the cases from anywhere like they do (also 案例库 in the palette).
            Binding("ctrl+backslash", "switch_mode('cases')", t("cases.key_open"), show=False),
            Binding("ctrl+q", "quit", t("key.quit"), priority=True),
        ],
    )

    def get_driver_class(self) -> type[Driver]:
        """Textual's choice, except that a Linux terminal gets the desk's driver, which turns
        bytes that are not UTF-8 into U+FFFD instead of dying (deskapp/screens/driver.py)."""
        chosen = super().get_driver_class()
        if chosen.__name__ == "LinuxDriver" and chosen.__module__ == "textual.drivers.linux_driver":
            from deskapp.screens.driver import DeskDriver  # termios: only where Linux's driver runs

            return DeskDriver
        return chosen

    actor: reactive[Actor | None] = reactive(None)
    # The synchronization state for the status line ("" when no hall store is configured).
    sync_line: reactive[str] = reactive("")

    def __init__(
        self,
        settings: Callable[[], DeskSettings],
        *,
        desk: Desk | None = None,
        clock: Clock | None = None,
        demo_logins: list[DemoLogin] | None = None,
        cursor_blink: bool | None = None,
    ) -> None:
        """Built by `make_app` (below), the one way the CLI, the tests, the benchmarks and the
        screenshot script build it.

        `settings`: called when first needed, in the sign-in screen's background worker, so
        the sign-in screen is ready to type before pydantic is imported or the store opened.
        `desk`: an open store instead of `settings.db` (tests that reach into its engine).

        `cursor_blink`: None blinks text cursors except in a headless run (tests, screenshots),
        where a blink caught half-way would make every snapshot a coin toss."""
        super().__init__()
        self.cursor_blink = cursor_blink
        self._settings = settings
        self._hall: str | None = None  # the settings' hall unless set (tests)
        self._export_dir: Path | None = None  # the settings' folder unless set (tests)
        self._sync_retry: Timer | None = None
        self._sync_failures = 0  # failed syncs in a row: the step of the backoff
        self._sync_timer: Timer | None = None
        # None: the settings' sync_interval_minutes and idle_signout_minutes (tests set these)
        self._sync_minutes: float | None = None
        self._idle_minutes: float | None = None
        self._watching_writes = False
        self._desk = desk
        self._clock = clock
        self.demo_logins = demo_logins or []
        self._notified: set[tuple[str, str, str]] = set()
        # Notices that came while a question or dialog was open (`before_toasts`).
        self.held_notifications: list[Notification] = []
        # Where each errand mode (F10, F11) was opened from: its Esc goes back there.
        self._came_from: dict[str, str] = {}
        self._config_path: Path | None = None
        for theme in DESK_THEMES:
            self.register_theme(theme)
        self._last_activity = time.monotonic()
        self._idle_timer: Timer | None = None
        self._idle_deferred_said = False

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """The desk as a program (the CLI): when it returns, the process ends. Run by a pilot
        (`auto_pilot`: a snapshot test, in pytest's process, which goes on) it is not the
        program, and the collector is left as it is: the program's freezes at each sign-in
        would keep every later test's garbage for good."""
        if kwargs.get("auto_pilot") is not None:
            return super().run(*args, **kwargs)
        from deskapp.collector import start_program

        start_program(freeze=True)  # what start-up imported, out of the cycle collector's walks
        try:
            return super().run(*args, **kwargs)
        finally:
            # The store is closed and the log flushed by now. What is left is the
            # interpreter's shutdown, whose garbage collections walk every object the desk
            # imported or built (≈ 1.5 s under load, 4× the minimal app's whole exit);
            # frozen objects are skipped, and freed by their reference counts as before.
            gc.freeze()

    def refresh_css(self, animate: bool = True) -> None:
        """Textual's, without parsing every rule again when the theme's variables have not
        changed: the first mode's screen asks for it as it is shown (its CSS generation is
        new), and that parse, on the path to the first frame, gave nothing new (issue 22)."""
        with css_parsed_for(self.stylesheet, self.get_css_variables()):
            super().refresh_css(animate)

    @property
    def settings(self) -> DeskSettings:
        return self._settings()

    @property
    def hall(self) -> str | None:
        """The hall store synchronized with (None: this terminal works alone)."""
        return self._hall or self.settings.hall

    @hall.setter
    def hall(self, hall: str | None) -> None:
        self._hall = hall

    @property
    def export_dir(self) -> Path:
        """Where printable files (handover sheets, reports) are written."""
        return self._export_dir or self.settings.export_dir

    @export_dir.setter
    def export_dir(self, folder: Path) -> None:
        self._export_dir = folder

    @property
    def desk(self) -> Desk:
        if self._desk is None:
            # Normally opened by the sign-in screen's worker long before anyone needs it; a
            # quick typist's sign-in worker may ask at the same time: open (and migrate) once.
            with _OPEN_LOCK:
                if self._desk is None:
                    from deskapp.services.desk import Desk

                    settings = self.settings
                    self._desk = Desk.open(
                        settings.db, clock=self._clock, data_dir=settings.data_dir
                    )
                    self._desk.hold_in_use()  # a restore waits until this window closes
        return self._desk

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        blink = self.cursor_blink if self.cursor_blink is not None else not self.is_headless
        widget = event.widget
        if not blink and hasattr(widget, "cursor_blink"):
            widget.cursor_blink = False

    # ------------------------------------------------------------ idle sign-out

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, ACTIVITY_EVENTS):
            self._last_activity = time.monotonic()
        if isinstance(event, events.Paste) and not event.is_forwarded and self._fit_paste(event):
            return
        if isinstance(event, events.Key) and not event.is_forwarded and await self._in_turn(event):
            return
        await super().on_event(event)

    async def _in_turn(self, event: events.Key) -> bool:
        """A key the focused field or a part of the form around it binds (Backspace, Delete,
        the arrows, Home…; the cause picker's ↓ into its matches, Enter to pick) acts in its
        turn: after the keys typed before it have been taken and what they set off has run
        (the matches of the text typed), and before any key after it (a Tab).
        Textual handles a field's printable keys in the field, but finds its bindings only when
        the key has bubbled back up to the app, behind every key of the same burst: "abc",
        two Backspaces and "d" gave "ab", not "ad" (tests/ui/test_ui_burst_keys18g.py); the
        cause picker's ↓ came after the Tab and opened the 渠道 list
        (tests/ui/test_ui_cause_burst18i.py). The app takes its next key only once this one
        has acted: the keys after it wait in the app's queue, in order. Keys a priority
        binding takes (Tab at intake, Ctrl+S), keys the field may consume itself, and keys of
        the screen or the app are left to Textual."""
        focused = self.focused
        if focused is None or event.is_printable:
            return False
        if focused.check_consume_key(event.key, event.character):
            return False
        active = self.screen.active_bindings.get(event.key)
        if active is None or not active.enabled or active.binding.priority:
            return False
        node = active.node
        if isinstance(node, (App, Screen)) or node not in focused.ancestors_with_self:
            return False
        await self._until_taken(focused)
        if self.focused is not focused or not focused.is_attached:
            forward_event(self.focused or self.screen, event)  # (the field went meanwhile)
            return True
        for namespace, bindings in modal_binding_chain(self.screen):
            if isinstance(namespace, (App, Screen)):
                break
            for binding in bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await self.run_action(binding.action, namespace):
                    await self._until_taken(focused)
                    return True
        # Not taken by the field or the form around it (Input's ↓ is a scroll it cannot
        # make): on up the chain to the screen and the app, as Textual sends it.
        forward_event(focused, event)
        return True

    async def _until_taken(self, widget: Widget, rounds: int = 200) -> None:
        """Until the messages waiting in the widget and the parts of the screen around it
        (the keys typed into it, what they posted, bubbling up) have been handled, or the
        focused one's: the other parts of the desk run meanwhile, the app's queue waits."""
        import asyncio

        for _ in range(rounds):
            nodes = [*widget.ancestors_with_self]
            if self.focused is not None and self.focused is not widget:
                nodes.extend(self.focused.ancestors_with_self)
            if all(n.message_queue_size == 0 for n in nodes if not isinstance(n, App)):
                return
            await asyncio.sleep(0)

    def _fit_paste(self, event: events.Paste) -> bool:
        """A paste a one-line input could not take whole: what fits is pasted, and the rest
        said at the field (or, for an input outside a labelled field, in a notification)."""
        from textual.widgets import Input

        from deskapp.screens.widgets.field import Field, fit_paste

        widget = self.focused
        if not isinstance(widget, Input) or not event.text:
            return False
        message = fit_paste(widget, event.text)
        if message is None:
            return False
        field = next((a for a in widget.ancestors if isinstance(a, Field)), None)
        if field is not None:
            field.show_note(message, widget.value)
        else:
            self.notify(message, severity="warning")
        return True

    def idle_limit_seconds(self) -> float:
        minutes = self._idle_minutes
        if minutes is None:
            minutes = self.settings.idle_signout_minutes
        return minutes * 60

    def _start_idle_watch(self) -> None:
        """A counter left signed in is a counter anyone can use: after the configured time
        without a key or click the desk signs out by itself (drafts kept, as with F8)."""
        limit = self.idle_limit_seconds()
        self._last_activity = time.monotonic()
        if limit <= 0 or self._idle_timer is not None:
            return
        self._idle_timer = self.set_interval(min(limit / 4, 30), self._check_idle)

    async def _check_idle(self) -> None:
        if self.actor is None:
            return
        idle = time.monotonic() - self._last_activity
        if idle >= self.idle_limit_seconds():
            minutes = max(1, round(self.idle_limit_seconds() / 60))
            if not await self.idle_sign_out():
                return
            self.notify(t("signin.idle_signed_out", minutes=minutes), severity="warning",
                        timeout=3600)  # fmt: skip

    # ------------------------------------------------------------ Textual's words, the desk's

    def search_themes(self) -> None:
        """切换主题: Textual's list of themes in the desk's palette (its prompt and its "no
        matches" in the desk's language; Textual writes "Search for themes…")."""
        from textual.theme import ThemeProvider

        from deskapp.screens.palette import DeskCommandPalette

        self.push_screen(DeskCommandPalette([ThemeProvider], t("palette.theme_placeholder")))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast as literal text: its words may hold what a handler typed (a batch's
        title, a store fault naming a field), and the desk writes no markup of its own
        (deskapp/screens/widgets/plain.py). `markup` is taken and ignored (Textual passes it)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def before_toasts(self) -> None:
        """Before the shown screen's toasts follow the notices (each notice, each expiry, each
        screen shown). Toasts lie bottom right over whatever is there: over a question or a
        dialog they hid its body, its buttons or a field's error (the notices of the first
        seconds after sign-in: a handover waiting, extensions, deadlines, the sync). So while
        a question or dialog is open, the notices are held beneath it, each with the time it
        had left, and a line docked at its foot (outside the dialog, which is laid out above
        it) says how many and the newest; once no question is open they are shown whole,
        their time counted from then (at least HELD_SHOWN_AT_LEAST seconds)."""
        try:
            screen = self.screen
        except ScreenStackError:
            return
        if isinstance(screen, ModalScreen):
            taken = take_notifications(self)
            self.held_notifications += [
                Notification(n.message, n.title, n.severity,
                             max(n.time_left, HELD_SHOWN_AT_LEAST), markup=n.markup)
                for n in taken
            ]  # fmt: skip
            self._say_held(screen)
        elif self.held_notifications:
            held, self.held_notifications = self.held_notifications, []
            now = time.time()
            for notification in held:
                notification.raised_at = now
            give_back_notifications(self, held)

    def clear_notifications(self) -> None:
        """Every notice gone, those held beneath a question too (signing in or out)."""
        self.held_notifications.clear()
        super().clear_notifications()

    def _say_held(self, screen: Screen[Any]) -> None:
        """The line at the question's foot: how many notices wait, and the newest."""
        from deskapp.screens.widgets.held_notices import HeldNotices

        held, lines = self.held_notifications, screen.query(HeldNotices)
        if not held:
            lines.remove()
            return
        newest = held[-1]
        said = " ".join(part for part in (newest.title, newest.message) if part)
        text = t("notices.held", count=len(held), newest=" ".join(said.split()))
        line = lines.first() if lines else HeldNotices(id="held-notices")
        line.update(text)
        line.set_class(newest.severity == "warning", "-warning")
        line.set_class(newest.severity == "error", "-error")
        if not lines:
            screen.mount(line)

    def action_show_help_panel(self) -> None:
        """按键说明 in the palette: the desk's help (F1), every key in the desk's words, instead
        of Textual's key panel, which lists its widgets' keys in English."""
        self.action_help()

    def get_loading_widget(self) -> Widget:
        """Textual's LoadingIndicator, which reads "Loading..." where animations are off."""
        from deskapp.screens.widgets.loading import DeskLoadingIndicator

        return DeskLoadingIndicator()

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:  # fmt: skip
        """截图 (the palette): saved in the export folder, beside the printable files, rather
        than a Downloads folder a counter terminal may not have; written like every export
        (paths.write_export: 0600, never over an earlier file, never through a link planted
        there: a screenshot shows customers' data), where Textual would write it with the
        umask's 0644; said in the desk's words. In a browser it is the browser's download."""
        if self.is_web:
            return super().deliver_screenshot(filename, path, time_format)
        from datetime import datetime

        from deskapp.paths import write_export

        folder = Path(path) if path else self.export_dir
        stamp = datetime.now().strftime(time_format or "%Y-%m-%dT%H_%M_%S")
        name = filename or re.sub(r"[^\w.-]+", "_", f"{self.title}_{stamp}") + ".svg"
        svg = self.export_screenshot()
        try:
            written = write_export(folder / name, lambda temp: temp.write_text(svg, "utf-8"))
        except OSError as error:  # a folder that cannot be made or written: said, no exit
            self._screenshot_failed(error)
            return None
        self.notify(t("palette.screenshot_saved", path=str(written)), markup=False)
        return str(written)

    def _screenshot_failed(self, error: BaseException) -> None:
        from deskapp.paths import NoHomeFolder

        if isinstance(error, NoHomeFolder):
            self.notify(t("error.no_home", variable=error.variable), severity="error",
                        markup=False)  # fmt: skip
            return
        reason = os_reason(error)
        self.notify(t("palette.screenshot_failed", folder=str(self.export_dir), reason=reason),
                    severity="error", markup=False)  # fmt: skip

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        if event.name == "screenshot":
            event.prevent_default()  # not Textual's English "Saved screenshot to …"
            where = str(event.path) if event.path is not None else ""
            self.notify(t("palette.screenshot_saved", path=where), markup=False)

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        if event.name == "screenshot":
            event.prevent_default()  # not Textual's English "Failed to save screenshot"
            self._screenshot_failed(event.exception)

    def action_command_palette(self) -> None:
        """Ctrl+P: Textual's palette, in the desk's words (deskapp/screens/palette.py)."""
        from textual.command import CommandPalette

        from deskapp.screens.palette import DeskCommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(DeskCommandPalette())

    def action_help(self) -> None:
        from deskapp.screens.help import HelpScreen, screen_keys

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = t(getattr(screen, "TITLE_KEY", "app.title"))
        self.push_screen(HelpScreen(title, screen_keys(self, screen)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing but signing in until someone has signed in.
        if action in ("switch_mode", "sign_out", "leave_mode") and self.actor is None:
            return False
        # A mode for some roles only: not shown (footer, help, palette), not opened by its key
        # (which says whose it is instead: run_action).
        if action == "switch_mode" and parameters and parameters[0] in MODE_PERMISSIONS:
            return self._may_open(str(parameters[0]))
        return True

    def _may_open(self, mode: str) -> bool:
        needed = MODE_PERMISSIONS.get(mode)
        return self.actor is not None and (needed is None or allowed(self.actor, needed[0]))

    async def run_action(self, action: str | ActionParseResult,
                         default_namespace: DOMNode | None = None,
                         namespaces: Mapping[str, DOMNode] | None = None) -> bool:  # fmt: skip
        """Textual's, except that the key of a mode some roles only may open (F10, F11, F12),
        or of a screen's action some roles only may take (its ROLE_ACTIONS: the case
        library's Ctrl+E, Ctrl+D, E), pressed by someone else signed in, says whose it is
        rather than nothing at all."""
        if isinstance(action, str) and self.actor is not None:
            destination, name, params = parse_action(action)
            ours = destination == "app" or (not destination and default_namespace in (None, self))
            if ours and name == "switch_mode" and params:
                mode = str(params[0])
                if mode in MODE_PERMISSIONS and not self._may_open(mode):
                    permission, title = MODE_PERMISSIONS[mode]
                    self._say_not_yours(permission, "app.mode_not_yours", t(title))
                    return True
            role_actions: Mapping[str, tuple[Permission, str]] = getattr(
                default_namespace, "ROLE_ACTIONS", {}
            )
            gated = role_actions.get(name) if not destination else None
            if gated is not None and not allowed(self.actor, gated[0]):
                self._say_not_yours(gated[0], "app.key_not_yours", t(gated[1]))
                return True
        return await super().run_action(action, default_namespace, namespaces)

    def _say_not_yours(self, permission: Permission, key: str, what: str) -> None:
        """Whose `what` (a mode's title, an action's name) is: the roles with `permission`."""
        from deskapp.domain.permissions import MATRIX

        actor = self.actor
        if actor is None:
            return
        roles = t("app.mode_roles_joiner").join(
            t(f"role.{r.value}") for r in Role if permission in MATRIX[r]
        )
        role = t(f"role.{actor.role.value}")
        said = t(key, screen=what, roles=roles, role=role)
        self.notify(said, severity="warning", timeout=6)

    def switch_mode(self, mode: str) -> AwaitMount:
        """Textual's; an errand mode (F10, F11) remembers the job it was opened from (opened
        from another errand, that one's), for its Esc (`action_leave_mode`)."""
        current = self.current_mode
        if mode in ERRAND_MODES and mode != current:
            came = self._came_from
            came[mode] = came.get(current, "intake") if current in ERRAND_MODES else current
        return super().switch_mode(mode)

    def action_leave_mode(self) -> None:
        """Esc on the watch list or the batches: back to the mode they were opened from (the
        form, the search, the queue… as it was left there)."""
        back = self._came_from.get(self.current_mode, "intake")
        if back in SIGNED_IN_MODES and back != self.current_mode:
            self.switch_mode(back)

    def signed_in(self, actor: Actor) -> None:
        from deskapp.screens.palette import translate_select_overlay

        translate_select_overlay()  # before the first Select opens (signed-in screens only)
        self.actor = actor
        # The previous handler's notices (a handover for them, a store that was busy) are
        # theirs: they would cover this one's hand-off dialog.
        self.clear_notifications()
        self.switch_mode("intake")
        intake = self._prepared_intake()
        if intake is not None:  # built beneath the sign-in: now this handler's
            intake.begin_when_mounted()
        self.refresh_bindings()
        self._notified.clear()
        if actor.role is Role.HANDLER:
            self.start_shift(actor)
        self.tell_handovers(actor)
        self.tell_extensions(actor)
        if self._deadline_timer is None:
            every = self.desk.refdata.settings.followup.notify_every_seconds
            self._deadline_timer = self.set_interval(every, self.watch_deadlines)
        self.watch_deadlines()
        self.refresh_sync_line()
        self._start_idle_watch()
        self._watch_writes()
        self._watch_store()
        self._start_background_sync()

    _deadline_timer: Timer | None = None
    _store_timer: Timer | None = None
    _store_version: int | None = None

    def _watch_store(self) -> None:
        """Another desk on the same store (a second terminal window, a script) writes
        without telling this one: the store's data version, read every STORE_WATCH_SECONDS
        (microseconds, no lock waited for), says when anything was committed, and the screen
        on show reads again as after a sync (`_brought_changes`). This desk's own writes
        change it too: the screen then reads once more what it has just shown."""
        if self._store_timer is None:
            self._store_version = self.desk.data_version()
            self._store_timer = self.set_interval(STORE_WATCH_SECONDS, self._store_changed)

    def _store_changed(self) -> None:
        version = self.desk.data_version()
        if version is None or version == self._store_version:
            return
        self._store_version = version
        self._brought_changes()

    def prepare_intake(self) -> None:
        """While the PIN is typed (and again after each sign-out): the intake form is
        composed, mounted and laid out in its mode, which is not drawn while the sign-in
        screen is shown; signing in then only switches to it (issue 22). It is built blank
        with nobody signed in, so nothing of a previous handler is in it; the handler who
        signs in gets their own status line, rules and draft (IntakeScreen.begin)."""
        if not self.is_running:  # closing: no new mode while the stacks are closed
            return
        if self.actor is None and isinstance(self.screen, SignInScreen):
            from deskapp.screens.palette import translate_select_overlay

            translate_select_overlay()  # before the form's Selects are made
            prepare_mode(self, "intake")

    def _prepared_intake(self) -> IntakeScreen | None:
        from deskapp.screens.intake import IntakeScreen

        screen = self.screen
        return screen if isinstance(screen, IntakeScreen) else None

    @desk_work(group="shift")
    def start_shift(self, actor: Actor) -> None:
        """A handler signing in starts (or resumes) their shift at this terminal."""
        from deskapp.services.shifts import open_shift

        open_shift(self.desk, actor)

    # The tab F5 opens on next (set when signing in found handovers waiting; read once).
    shift_tab_wanted: str | None = None
    # What signing in said of it: taken back once F5 is there (it would cover the dialogs).
    handover_notice = ""

    @desk_work(group="handovers-waiting")
    def tell_handovers(self, actor: Actor) -> None:
        """Signing in: a handover waiting to be taken over (a handler) or filed (a manager)
        is said at once, whose and how many tickets, with the key that goes there."""
        from deskapp.services.shifts import handovers_waiting

        waiting = handovers_waiting(self.desk, actor)
        if waiting is None:
            return
        said = "shift.waiting_to_file" if waiting.to_file else "shift.waiting_incoming"
        message = t(said, count=len(waiting.shifts), names="、".join(waiting.names),
                    tickets=waiting.tickets, fkey="F5")  # fmt: skip
        self.call_from_thread(setattr, self, "shift_tab_wanted", "tab-waiting")
        self.call_from_thread(setattr, self, "handover_notice", message)
        self.call_from_thread(self.notify, message, severity="warning", timeout=60)

    @desk_work(group="extensions-waiting")
    def tell_extensions(self, actor: Actor) -> None:
        """Signing in as a duty manager (or above): the deadline extensions waiting for a
        decision are said, with their tickets and where to decide them (F4, s)."""
        from deskapp.domain.permissions import Permission, allowed
        from deskapp.services.extensions import pending_extensions

        if not allowed(actor, Permission.APPROVE_EXTENSION):
            return
        waiting = pending_extensions(self.desk)
        if not waiting:
            return
        tickets = "、".join(p.ticket_no[-13:] for p in waiting[:3])
        message = t("extension.notice", count=len(waiting), tickets=tickets)
        self.call_from_thread(self.notify, message, severity="warning", timeout=30)

    def after_handover(self, shift: Shift | None) -> None:
        """Called once a handover is written, acknowledged or filed: the moments the hall
        needs to know, so the terminal synchronizes at once."""
        self.sync_now()

    # ------------------------------------------------------------ synchronization

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own commands, in the desk's words (titles are what the palette searches).
        for command in super().get_system_commands(screen):
            key = TEXTUAL_COMMANDS.get(command.title)
            if key is None:
                yield command
            else:
                yield command._replace(title=t(f"palette.{key}"), help=t(f"palette.{key}_help"))
        if self.actor is not None and self.hall:
            yield SystemCommand(t("sync.command"), t("sync.command_help"), self.sync_now)

    @desk_work(exclusive=True, group="sync")
    def sync_now(self, quiet: bool = False) -> None:
        """Push this terminal's changes, pull everyone else's; the desk keeps working offline
        and, after any failed sync, tries again by itself (SYNC_RETRY_SECONDS)."""
        if not self.hall:
            return
        from deskapp.services.hall_sync import SyncOutcome, sync

        # Before sign-in (the background runs start with the desk) nothing is said: what a
        # sync did or met is for staff, not for whoever stands at the counter.
        signed_in = self.actor is not None
        if not quiet and signed_in:
            self.call_from_thread(self.notify, t("sync.running"), timeout=3)
        result = sync(self.desk, self.hall, window_days=self._window_days())
        # A retry or a background run that fails the same way again is not news.
        routine = result.outcome in (SyncOutcome.UNREACHABLE, SyncOutcome.BUSY_LOCAL)
        news = not quiet or not (result.ok or routine) or (result.ok and self._sync_failures)
        if news and signed_in:
            severity = "information" if result.ok else "warning"
            self.call_from_thread(self.notify, result.message, severity=severity, timeout=10)
        retry = not result.ok and result.outcome is not SyncOutcome.MUST_UPDATE
        self.call_from_thread(self._retry_after_failure, retry)
        self.call_from_thread(self.refresh_sync_line)
        if result.ok and (result.pulled or result.applied or result.released):
            self.call_from_thread(self._brought_changes)

    def _brought_changes(self) -> None:
        """A sync brought other terminals' changes, or another desk wrote to this store
        (`_watch_store`): the screen on show reads again what they may have changed (its
        `synchronized`), leaving what is being typed as it is. A screen under another one
        reads again when it is shown (ModeScreen.reload_on_return); one still being mounted
        reads as it mounts (its tables have no columns before that); one being taken down, or
        the desk closing, reads nothing (its fields may be gone already)."""
        if not self.is_running:  # closing: its screens may be gone already (a test's Pilot
            return  # shuts the desk down without exit())
        screen = self.screen
        hook = getattr(screen, "synchronized", None)
        if callable(hook) and screen.is_mounted and screen.is_attached:
            hook()

    def _window_days(self) -> int:
        return self.settings.sync_window_days

    def _retry_after_failure(self, failed: bool) -> None:
        if self._sync_retry is not None:
            self._sync_retry.stop()
            self._sync_retry = None
        if not failed:
            self._sync_failures = 0
            return
        delay = SYNC_RETRY_SECONDS[min(self._sync_failures, len(SYNC_RETRY_SECONDS) - 1)]
        self._sync_failures += 1
        self._sync_retry = self.set_timer(delay, lambda: self.sync_now(True))

    def sync_interval_seconds(self) -> float:
        minutes = self._sync_minutes
        if minutes is None:
            minutes = self.settings.sync_interval_minutes
        return minutes * 60

    def store_opened(self) -> None:
        """The store is open (the sign-in screen's first worker): the background
        synchronization starts now, with a first run at once, before anyone signs in, so a
        new terminal receives its staff while its sign-in screen waits (and that screen's
        "never synchronized" notice goes by itself). A sync's local writes wait for any other
        write of this desk to commit (run.py, _local_txn), so it never runs inside one."""
        if self._start_background_sync():
            self.sync_now(True)

    def _start_background_sync(self) -> bool:
        """While the hall store answers, synchronize every few minutes without anyone asking
        (a handover taken over elsewhere shows here); while it does not, the backoff of
        _retry_after_failure paces the tries instead. True when it starts now."""
        every = self.sync_interval_seconds()
        if not self.hall or every <= 0 or self._sync_timer is not None:
            return False
        self._sync_timer = self.set_interval(every, self._background_sync)
        return True

    def _background_sync(self) -> None:
        if self._sync_retry is None:  # a failed hall is retried on its own schedule
            self.sync_now(True)

    def _watch_writes(self) -> None:
        if self._watching_writes:
            return
        self._watching_writes = True
        self.desk.after_write.append(lambda: self.post_message(StoreWritten()))

    def on_store_written(self, message: StoreWritten) -> None:
        self.refresh_sync_line()  # the changes waiting grew

    @desk_work(exclusive=True, group="sync-line")
    def refresh_sync_line(self) -> None:
        if not self.hall:
            return
        from deskapp.services.hall_sync import sync_status

        line = sync_status(self.desk).header(self.desk.tz)
        self.call_from_thread(setattr, self, "sync_line", line)

    @desk_work(exclusive=True, group="deadlines")
    def watch_deadlines(self) -> None:
        """One notification for each deadline coming within the warning time (15 minutes)."""
        actor = self.actor
        if actor is None:
            return
        from deskapp.domain.timefmt import format_local
        from deskapp.services.queue import coming_due

        desk = self.desk
        rows = coming_due(desk, actor, desk.clock.now(), desk.refdata.time_limits.due_soon)
        for row in rows:
            key = (row.id, row.next_clock, row.next_due_at.isoformat())
            if key in self._notified:
                continue
            self._notified.add(key)
            message = t(
                "queue.coming_due",
                ticket=row.ticket_no,
                clock=t(f"clock.{row.next_clock}"),
                due=format_local(row.next_due_at, desk.tz)[11:],
            )
            self.call_from_thread(self.notify, message, severity="warning", timeout=30)
        self.call_from_thread(self.refresh_sync_line)  # changes waiting grow as work is done

    async def _write_drafts(self) -> bool:
        """What is typed in the forms (受理, 交接班) written as their drafts now, waiting
        QUIT_WAIT_MS at most for a store another process holds; False when some typing could
        not be written (a full, read-only or busy store): Ctrl+Q and F8 ask before it is lost."""
        from deskapp.screens.widgets.draft_keeper import DraftKeeper

        keepers = [
            keeper
            for screen in screen_stacks(self)
            if isinstance(keeper := getattr(screen, "drafts", None), DraftKeeper)
        ]
        for keeper in keepers:
            keeper.quitting = True
            keeper.last_write = None
        try:
            for screen in self._intake_screens():
                screen.save_draft_now(leaving=True)
            for keeper in keepers:
                keeper.flush()  # another form's typing not written yet (交接班)
            for keeper in keepers:
                if keeper.last_write is not None:
                    with contextlib.suppress(WorkerFailed):  # said by the boundary; asked after
                        await keeper.last_write.wait()
        finally:
            for keeper in keepers:
                keeper.quitting = False
        return not any(keeper.unwritten for keeper in keepers)

    async def action_quit(self) -> None:
        """Ctrl+Q: what is typed in the forms (受理, 交接班) is written as their drafts first,
        within a second even when another process holds the store (a draft the store holds
        as typed already is not written again; any other waits QUIT_WAIT_MS at most); when a
        draft could not be written (a full, read-only or busy store), the desk asks before
        what was typed is lost (tests/ui/test_ui_quit_locked.py)."""
        from deskapp.screens.widgets.confirm import ConfirmScreen

        if await self._write_drafts():
            self.exit()
            return
        if isinstance(self.screen, ConfirmScreen):
            return  # already asking

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit()

        self.push_screen(
            ConfirmScreen(
                t("app.quit_unsaved_title"), t("app.quit_unsaved_body"), yes=t("app.quit_anyway")
            ),
            answered,
        )

    def action_help_quit(self) -> None:
        """Ctrl+C (which copies in a field): how to quit, in the desk's words, not Textual's."""
        for active in self.active_bindings.values():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(
                    t("app.quit_hint", keys=self.get_key_display(active.binding)),
                    title=t("app.quit_hint_title"),
                )
                return

    async def action_sign_out(self) -> None:
        """F8: the forms' typing written as drafts first, as Ctrl+Q does (within a second even
        while another process holds the store); what could not be written is asked about
        before it is lost (tests/ui/test_ui_sign_out_locked.py)."""
        if self.actor is None:
            return
        from deskapp.screens.widgets.confirm import ConfirmScreen

        if await self._write_drafts():
            await self._sign_out()
            return
        if isinstance(self.screen, ConfirmScreen):
            return  # already asking

        async def answered(sign_out_anyway: bool | None) -> None:
            if sign_out_anyway and self.actor is not None:
                await self._sign_out()

        self.push_screen(
            ConfirmScreen(
                t("app.quit_unsaved_title"),
                t("app.sign_out_unsaved_body"),
                yes=t("app.sign_out_anyway"),
            ),
            answered,
        )

    async def idle_sign_out(self) -> bool:
        """The idle sign-out, which has no one to ask: when typing could not be written as a
        draft (the store busy, full or read-only), the handler stays signed in with their
        typing on the screen, told so, and the next idle check tries again."""
        if self.actor is None:
            return False
        if not await self._write_drafts():
            if not self._idle_deferred_said:
                self._idle_deferred_said = True
                self.notify(t("signin.idle_sign_out_deferred"), severity="warning", timeout=3600)
            return False
        self._idle_deferred_said = False
        await self._sign_out()
        return True

    async def _sign_out(self) -> None:
        self.actor = None
        self._came_from.clear()
        self.clear_notifications()  # said to the one leaving, not to the next at the counter
        await self.switch_mode("signin")
        for mode, screen_type in SIGNED_IN_MODES.items():
            if has_mode_stack(self, mode):
                await self.remove_mode(mode)
                self.add_mode(mode, screen_type)
        if "deskapp.screens.customer" in sys.modules:  # (not imported for this alone)
            from deskapp.screens.customer import forget_history

            await forget_history(self)
        self.refresh_bindings()
        # A fresh blank form for the next handler, built once the sign-in screen is drawn.
        self.call_after_refresh(self.prepare_intake)

    def _intake_screens(self) -> list[IntakeScreen]:
        """Intake screens of every mode (the handler may sign out from the search screen)."""
        # Not imported here: Ctrl+Q on the sign-in screen, before the form was ever built,
        # would import the whole form (and wait for the warming thread importing it) only to
        # find none; a module not loaded yet, or still loading, has no screen (issue 22).
        intake = sys.modules.get("deskapp.screens.intake")
        screen_type = getattr(intake, "IntakeScreen", None)
        if screen_type is None:
            return []
        return [screen for screen in screen_stacks(self) if isinstance(screen, screen_type)]

    # ------------------------------------------------------------ preferences

    def on_ready(self) -> None:
        """Textual is ready: the sign-in screen, laid out and rendered while Textual still held
        its start-up batch (a frame it drops), is drawn whole now rather than at its next
        update tick (issue 22, bench/startup.py: the first frame ≈ 20 ms sooner)."""
        draw_now(self.screen)

    def on_mount(self) -> None:
        from deskapp.logs import configure_logging

        configure_logging()  # once per process (the CLI has done it already when it started us)
        self.call_after_refresh(self.call_after_refresh, self.load_preferences)

    def _preferences_path(self) -> Path | None:
        if self._config_path is None:
            self._config_path = self.settings.config
        return self._config_path

    @desk_work(group="preferences")
    def load_preferences(self) -> None:
        """The theme and keymap of config.toml, read off the first frame (it imports every
        screen to know the binding ids). What cannot be used is said, not fatal."""
        path = self._preferences_path()
        if path is None:
            return
        from deskapp.preferences import load_preferences

        prefs = load_preferences(path)
        problems = [t("prefs.unreadable", what=p) for p in prefs.problems]
        keymap = checked_keymap(prefs.keymap, problems) if prefs.keymap else {}
        self.call_from_thread(self._apply_preferences, prefs.theme, keymap, problems)

    def _apply_preferences(self, theme: str | None, keymap: dict[str, str],
                           problems: list[str]) -> None:  # fmt: skip
        if theme is not None:
            if theme in self.available_themes:
                self.theme = theme
            else:
                problems.append(t("prefs.unknown_theme", theme=theme))
        if keymap:
            self.set_keymap(keymap)
        self._preferences_loaded = True
        for problem in problems:
            self.notify(problem, title=t("prefs.title"), severity="warning", timeout=20)

    _preferences_loaded = False
    _clashes_told: frozenset[str] = frozenset()

    def watch_theme(self, theme: str) -> None:
        """A theme picked in the palette (切换主题) is there at the next start. The high-contrast
        theme marks the fields' boxes and the focused one more strongly (app.tcss)."""
        self.set_class(theme == HIGH_CONTRAST.name, "-high-contrast")
        path = self._config_path
        if not self._preferences_loaded or path is None:
            return
        from deskapp.preferences import PreferencesNotWritten, save_theme

        try:
            save_theme(path, theme)
        except PreferencesNotWritten as refused:  # the file is left as it is: nothing lost
            where = t("prefs.at_line", line=refused.line) if refused.line else ""
            self.notify(t("prefs.file_has_error", path=refused.path, where=where),
                        title=t("prefs.title"), severity="warning", timeout=20)  # fmt: skip
        except OSError as error:
            self.notify(t("prefs.not_saved", error=error), severity="warning")

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: object) -> None:
        ids = frozenset(b.id or b.action for b in clashed_bindings)
        if ids <= self._clashes_told:  # Textual asks on every key press: say it once
            return
        self._clashes_told |= ids
        keys = ",".join(sorted({b.key for b in clashed_bindings}))
        self.notify(t("prefs.clash", ids="、".join(sorted(ids)), keys=keys),
                    title=t("prefs.title"), severity="warning", timeout=20)  # fmt: skip

    # ------------------------------------------------------------ the error boundary

    # Tests (ui_helpers.build_app) set this: an unexpected error then fails the test as it
    # did before the boundary, instead of becoming a notification nobody reads.
    raise_incidents = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (shift, sync, deadlines, preferences); screens' workers come
        through WorkBoundary to report_failure."""
        if event.state is WorkerState.ERROR:
            self.report_failure(self, event.worker)

    def handler_failed(self, node: object, error: Exception, message: Message) -> bool:
        """An event handler or a key's action failed (not a worker): the same words, log and
        incident number as a worker's fault, and the desk goes on; what is typed stays where it
        is. False before the app runs: Textual's own ending (through `last_resort`) then."""
        if not self.is_running:
            return False
        self.report_error(node, error, type(message).__name__)
        return True

    def report_failure(self, node: object, worker: Worker[object]) -> Fault | None:
        """The one place a failed piece of work is turned into words (screens/boundary.py)."""
        error = worker.error
        if not isinstance(error, Exception):
            return None
        return self.report_error(node, error, worker.name, worker)

    def report_error(
        self, node: object, error: Exception, name: str, worker: Worker[object] | None = None
    ) -> Fault:
        """An error of work run outside a worker of the desk's (Textual's palette searches in
        its own): the same words, log and incident number as report_failure's."""
        fault = describe(error, where=f"{type(node).__name__}.{name}")
        if fault.kind == "damaged" and not self._typed_on(node):
            # Nothing typed where the user is (a detail, a report, a list): no "kept" clause.
            fault = replace(fault, message=t("fault.damaged_read"))
        self.faults.append(fault)
        if fault.kind == "unexpected" and self.raise_incidents:
            handle_exception(self, error)
            return fault
        hook = getattr(node, "work_failed", None) if worker is not None else None
        shown = bool(hook(worker, fault)) if hook is not None and node is not self else False
        if fault.kind == "unexpected":
            self.notify(fault.message, severity="error", timeout=60)
        elif not shown:
            self.notify(fault.message, severity="error", timeout=20)
        return fault

    def _typed_on(self, node: object) -> bool:
        """Whether the screen of `node` holds anything typed (an input or a text area)."""
        from textual.widgets import Input, TextArea

        screen = node if isinstance(node, Screen) else getattr(node, "screen", self.screen)
        if not isinstance(screen, Screen):
            return True  # unknown: the words that keep the form are the safe ones
        return any(w.value.strip() for w in screen.query(Input)) or any(
            w.text.strip() for w in screen.query(TextArea)
        )

    @property
    def faults(self) -> list[Fault]:
        """Every fault reported since the app started (newest last), for the status and tests."""
        if not hasattr(self, "_faults"):
            self._faults: list[Fault] = []
        return self._faults

    def last_resort(self) -> None:
        """Textual's own last resort (an error outside any worker): one line with an incident
        number instead of its traceback, which prints local variables (a PIN, a phone); the
        traceback goes to the log, phones masked."""
        import sys

        from rich.segment import Segments
        from rich.text import Text

        error = sys.exc_info()[1] or pending_exception(self)
        reported = [f for f in self.faults if f.error is error]
        if reported:  # a worker's error let through by raise_incidents: logged already
            incident = reported[-1].incident
        elif isinstance(error, Exception):
            incident = describe(error, where="app").incident
        else:
            incident = ""
        if not incident:  # a sorted fault (damaged, store, folder) has none: the last resort
            incident = new_incident()  # always gives one, and logs it with the traceback
            logging.getLogger("deskapp.incidents").error(
                "incident %s in app (last resort): %s",
                incident,
                type(error).__name__,
                exc_info=(type(error), error, error.__traceback__) if error else None,
            )
        self.bell()
        line = Text(t("fault.fatal", incident=incident))
        print_at_exit(self, Segments(self.console.render(line, self.console.options)))
        close_messages_now(self)

    def on_unmount(self) -> None:
        if self._desk is not None:
            self._desk.close()


def _handler_failed(node: MessagePump, error: Exception, message: Message) -> bool:
    try:
        app = node.app
    except Exception:  # no app around this node: Textual's own handling
        return False
    return isinstance(app, DeskApp) and app.handler_failed(node, error, message)


keep_handlers_running(_handler_failed)


def make_app(
    settings: DeskSettings | Callable[[], DeskSettings],
    *,
    demo: bool = False,
    desk: Desk | None = None,
    clock: Clock | None = None,
    cursor_blink: bool | None = None,
) -> DeskApp:
    """The desk, built one way for everyone who builds it: the `deskapp` command and `deskapp
    demo` (deskapp/launch.py), each browser session of `deskapp serve` (which runs `python -m
    deskapp`), the tests, the benchmarks and docs/make_screenshot.py.

    `settings`: the settings, or a callable that makes them (the CLI: pydantic-settings is
    read off the first frame, in the sign-in screen's worker, which then opens `settings.db`).
    `demo`: the sign-in screen shows the demo staff's work numbers and PINs.
    `desk`: an already open store instead of `settings.db` (tests that reach into its engine).
    `clock`: the desk's clock (a frozen one in tests, benchmarks and screenshots)."""
    read = settings if callable(settings) else lambda: settings
    logins = None
    if demo:
        from deskapp.services.demo import DEMO_STAFF

        logins = [DemoLogin(s.work_no, s.name, s.role.value, s.pin) for s in DEMO_STAFF]
    return DeskApp(read, desk=desk, clock=clock, demo_logins=logins, cursor_blink=cursor_blink)
