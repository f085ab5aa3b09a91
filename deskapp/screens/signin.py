"""Sign-in: work number and PIN. Wrong PINs count toward the lock kept in the database."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input
from textual.worker import Worker

from deskapp.collector import long_lived_imports
from deskapp.domain.actor import Actor
from deskapp.domain.errors import RuleViolation
from deskapp.domain.work_no import WORK_NO_LENGTH, WORK_NO_TYPING
from deskapp.i18n import error_text, t
from deskapp.incidents import Fault
from deskapp.screens.boundary import WorkBoundary, desk_work
from deskapp.screens.desk_app import desk_app
from deskapp.screens.keys import keyed
from deskapp.screens.textual_private import NoFrameInBatch
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.field import Field
from deskapp.screens.widgets.plain import Static

if TYPE_CHECKING:
    from pydantic import SecretStr
    from textual.timer import Timer


def join_command(desk) -> str:
    """The join command shown (its own function: snapshots show a fixed path)."""
    return desk.join_command()


def signin_words(fault: Fault) -> str:
    """A store fault in the sign-in's own words: the desk-wide ones speak of a kept form and
    Ctrl+S, which this screen has not (Enter signs in)."""
    key = fault.store_key.removeprefix("error.store.")
    words = t(f"signin.store.{key}") if key else ""
    return words if key and not words.startswith("signin.") else fault.message


class SignInScreen(NoFrameInBatch, WorkBoundary, Screen[None]):
    # Its styles (signin.tcss) are in the app's CSS_PATH, read with the app's at start: a
    # screen's own CSS_PATH would make Textual parse the whole stylesheet again as the first
    # screen is shown (issue 22, bench/startup.py).
    AUTO_FOCUS = "#work_no"
    # Priority: Tab and Enter move the focus as they arrive. Otherwise Textual hands every key
    # of a fast burst (typed while the desk starts) to the field focused on arrival, and the
    # PIN typed after a Tab stands in the work-number field for anyone to read.
    BINDINGS: ClassVar[list[BindingType]] = [
        # ctrl+j: an Enter typed before the desk set the terminal raw arrives as a newline.
        *keyed(
            "signin",
            [Binding("enter,ctrl+j", "submit", t("signin.submit"), show=True, priority=True)],
        ),
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]
    _no_staff_said = False  # the work number's error says "no staff yet" (goes with them)
    _waiting: Timer | None = None  # says the sign-in still waits for the store
    _waiting_since = 0.0
    _initialised = True  # the store has its terminal identity (else the notice says `init`)

    def compose(self) -> ComposeResult:
        # The box scrolls in the space above the footer: at 80x24 with the demo's logins it is
        # taller than the screen, and was drawn over the footer's keys (Ctrl+Q's words cut).
        with VerticalScroll(id="signin-area"), Vertical(id="signin-box"):
            yield Static(t("app.title"), id="signin-title")
            yield Field(
                t("signin.work_no"),
                Input(id="work_no", restrict=WORK_NO_TYPING, max_length=WORK_NO_LENGTH[1]),
                name="work_no",
            )
            yield Field(t("signin.pin"), Input(id="pin", password=True, max_length=12), name="pin")
            yield Button(t("signin.submit"), id="submit", variant="primary")
            notice = Static("", id="no-staff")
            notice.display = False  # shown once the store is open and has no staff
            yield notice
            # A store that cannot be opened or written (busy, read-only, damaged), in words.
            yield Static("", id="signin-fault", classes="field-error")
            # A sign-in that waits for a store another program holds (up to its busy timeout)
            # says so after a second, not a still screen for ten.
            waiting = Static("", id="signin-waiting")
            waiting.display = False
            yield waiting
            if desk_app(self).demo_logins:
                yield Static(t("app.demo_hint"), id="demo-hint")
                from deskapp.screens.widgets.plain_table import PlainTable  # (the demo's only)

                table: PlainTable[str] = PlainTable(id="demo-logins", cursor_type="none")
                yield table
        yield DeskFooter()

    def on_mount(self) -> None:
        # After the first frame: opening the store imports SQLAlchemy in a thread, which would
        # otherwise compete with drawing the screen for the interpreter.
        self.call_after_refresh(self.open_store)
        if desk_app(self).demo_logins:
            from textual.widgets import DataTable

            table = self.query_one("#demo-logins", DataTable)
            table.add_columns(t("signin.work_no"), "姓名", "角色", t("signin.pin"))
            for login in desk_app(self).demo_logins:
                table.add_row(login.work_no, login.name, t(f"role.{login.role}"), login.pin)

    @desk_work(exclusive=True, group="open-store")
    def open_store(self) -> None:
        """Open (and if needed migrate) the store while the handler types."""
        with long_lived_imports():  # SQLAlchemy, pydantic, the store's models and settings
            from deskapp.services.staff import has_staff

            desk = desk_app(self).desk
            self._initialised = desk.is_initialised()
            if self._initialised:
                desk.terminal()  # cached for the status line
            no_staff = not has_staff(desk)
        # never synchronized: say so, and how to join
        self.app.call_from_thread(self._show_no_staff, no_staff)
        self.app.call_from_thread(desk_app(self).store_opened)
        self.app.call_from_thread(self.warm_intake)

    @desk_work(exclusive=True, group="warm-intake")
    def warm_intake(self) -> None:
        """While the PIN is typed: load the intake form's code (its screen, widgets, form
        layout) and build the cause picker's pinyin index; then the app builds the blank form
        in its own mode, not drawn beneath this screen (DeskApp.prepare_intake), so that after
        sign-in the form is only switched to, never shown half-built (issue 22)."""
        with long_lived_imports():  # the form's code and the causes' pinyin index
            from deskapp.screens import intake

            intake.warm(desk_app(self).desk)
        self.app.call_from_thread(desk_app(self).prepare_intake)

    def synchronized(self) -> None:
        """A sync brought changes (the staff, on a new terminal): is the notice still true?"""
        self.check_staff()

    @desk_work(exclusive=True, group="check-staff")
    def check_staff(self) -> None:
        from deskapp.services.staff import has_staff

        self.app.call_from_thread(self._show_no_staff, not has_staff(desk_app(self).desk))

    def _show_no_staff(self, shown: bool) -> None:
        notice = self.query_one("#no-staff", Static)
        if shown and not self._initialised:
            notice.update(t("signin.not_initialised", command=desk_app(self).desk.init_command()))
        elif shown:
            notice.update(t("signin.no_staff", command=join_command(desk_app(self).desk)))
        notice.display = shown
        if not shown and self._no_staff_said:  # the staff came: that answer no longer holds
            self._no_staff_said = False
            self._show("work_no", None)

    def action_focus_next(self) -> None:
        self.focus_next()

    def action_focus_previous(self) -> None:
        self.focus_previous()

    def action_submit(self) -> None:
        """Enter: from the work number to the PIN; elsewhere sign in, once the focused field
        has taken the keys that came before this Enter."""
        focused = self.focused
        if isinstance(focused, Input) and focused.id == "work_no":
            self.set_focus(self.query_one("#pin", Input))  # now: `focus()` waits its turn
        elif focused is not None:
            focused.call_later(self._submit)
        else:
            self._submit()

    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        work_no = self.query_one("#work_no", Input).value
        if not work_no.strip():
            self._show("work_no", t("error.required"))
            self.query_one("#work_no", Input).focus()
            return
        from deskapp.services.pins import secret_pin  # (hashlib: not before the first frame)

        self.query_one("#submit", Button).disabled = True
        self._fault("")
        self._waiting_since = time.monotonic()
        self._waiting = self.set_interval(1.0, self._say_waiting)
        self.attempt(work_no, secret_pin(self.query_one("#pin", Input).value))

    def _say_waiting(self) -> None:
        """Still signing in after a second: the store is held (the sign-in is recorded, and
        waits up to the store's busy timeout); said with the seconds left."""
        from deskapp.services.desk import store_wait_seconds  # (loaded with the store)

        left = store_wait_seconds() - (time.monotonic() - self._waiting_since)
        line = self.query_one("#signin-waiting", Static)
        line.update(t("signin.waiting", seconds=max(1, round(left))))
        line.display = True

    def _done_waiting(self) -> None:
        if self._waiting is not None:
            self._waiting.stop()
            self._waiting = None
        self.query_one("#signin-waiting", Static).display = False

    @desk_work(exclusive=True, group="signin")
    def attempt(self, work_no: str, pin: SecretStr) -> None:
        # scrypt takes tens of milliseconds: off the event loop.
        from deskapp.services.staff import sign_in

        actor = sign_in(desk_app(self).desk, work_no, pin)
        self.app.call_from_thread(self._accepted, actor)

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        if worker.is_cancelled and fault.kind != "unexpected":
            return True  # an earlier attempt, replaced by the one now running
        if worker.name == "attempt" and fault.violation is not None:
            self._refused(fault.violation)
            return True
        # The store could not be opened or written: nothing typed is cleared; Enter retries.
        self._done_waiting()
        self.query_one("#submit", Button).disabled = False
        self._show("work_no", None)  # an earlier attempt's words (attempts left) no longer hold
        self._show("pin", None)
        self._fault(signin_words(fault))
        return fault.kind != "unexpected"

    def _fault(self, message: str) -> None:
        line = self.query_one("#signin-fault", Static)
        line.update(f"✗ {message}" if message else "")
        line.set_class(bool(message), "-shown")

    def _show(self, name: str, message: str | None) -> None:
        self.query_one(f"#field-{name}", Field).show_error(message)

    def _refused(self, violation: RuleViolation) -> None:
        self._done_waiting()
        self.query_one("#submit", Button).disabled = False
        self._fault("")  # an earlier fault is over: this attempt reached the store
        self._show("work_no", None)
        self._show("pin", None)
        for error in violation.errors:
            self._show("work_no" if error.field == "work_no" else "pin", error_text(error))
        self._no_staff_said = any(
            e.key in ("error.signin.no_staff", "error.signin.not_initialised")
            for e in violation.errors
        )
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def _accepted(self, actor: Actor) -> None:
        self._done_waiting()
        self.query_one("#submit", Button).disabled = False
        for name in ("work_no", "pin"):
            self.query_one(f"#{name}", Input).value = ""
            self._show(name, None)
        self.query_one("#work_no", Input).focus()
        desk_app(self).signed_in(actor)
