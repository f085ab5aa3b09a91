"""The one draft mechanism of the desk's forms (受理 F2, 交接班 F5): what the handler types is
written as a draft after a quiet moment, offered back after a crash or a sign-out, and discarded
once the form is saved. A draft that cannot be written (a full or read-only store) is said once,
not at every pause in typing; the form stays on screen either way."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.worker import Worker

from deskapp.i18n import t
from deskapp.screens.boundary import run_desk_work

if TYPE_CHECKING:
    from deskapp.incidents import Fault
    from deskapp.screens.boundary import WorkBoundary
    from deskapp.services.desk import Desk
    from deskapp.services.drafts import HandOff
    from deskapp.services.records import Draft

DRAFT_DELAY = 0.8  # seconds of quiet typing before the draft is written
# ... and at most this many seconds after the first key not yet written, however steadily the
# handler types (an input method committing a character every half second never pauses 0.8 s:
# a kill -9 lost everything typed since the last pause).
DRAFT_MAX_WAIT = 2.5
GROUP = "draft"  # the workers' group: the screen's work_failed hands their faults to `failed`
# As the desk quits: how long a draft's write waits for another process's lock on the store,
# and for this keeper's own write still running, before the handler is asked instead (Ctrl+Q
# answers within a second either way: issue 22).
QUIT_WAIT_MS = 400
# A draft the handler discarded while another program held the store: deleted again this
# often until it is gone (or a newer draft replaces it), so it is never offered again.
DISCARD_RETRY = 2.0


class DraftKeeper:
    def __init__(self, screen: WorkBoundary, form: str, desk: Callable[[], Desk]) -> None:
        self.screen = screen
        self.form = form
        self._desk = desk
        self._timer: Timer | None = None
        self._waiting_since: float | None = None  # the first key the pending write holds
        # Draft writes one at a time: a delete racing a save of the same draft fails on
        # SQLite's lock upgrade ("database is locked").
        self.lock = threading.Lock()
        self._told = ""  # the failure last said for a draft write
        # The last draft write failed (a full or read-only store): quitting asks first.
        self.unwritten = False
        self._pending: Callable[[], object] | None = None  # the write the timer will make
        # Set while the desk quits: a write waits QUIT_WAIT_MS at most, and none is made
        # when the store holds the draft as typed already.
        self.quitting = False
        self.last_write: Worker[None] | None = None
        self._last_writer: Callable[[], object] | None = None

    def schedule(self, write: Callable[[], object]) -> None:
        """Call `write` (which calls `save`) once typing has paused for DRAFT_DELAY, or
        DRAFT_MAX_WAIT after the first key it holds if typing goes on (a debounce with a
        ceiling: a write every 2.5 s at most while the handler types, not one a key)."""
        now = time.monotonic()
        since = self._waiting_since if self._pending is not None else None
        self.stop()
        since = now if since is None else since
        self._pending = self._last_writer = write
        self._waiting_since = since
        delay = min(DRAFT_DELAY, since + DRAFT_MAX_WAIT - now)
        if delay <= 0:  # the ceiling has passed: written now (Textual's timer divides by it)
            self.screen.call_later(self._due)  # type: ignore[attr-defined]
            return
        self._timer = self.screen.set_timer(delay, self._due)  # type: ignore[attr-defined]

    def _due(self) -> None:
        write, self._pending, self._timer = self._pending, None, None
        if write is not None:
            write()

    def stop(self) -> None:
        self._pending = None
        self._waiting_since = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def flush(self) -> None:
        """What was typed since the last write and is waiting for the pause: written now
        (the desk quits; `last_write` is the write). A write that failed (the store busy,
        full, read-only) is tried again: the sign-out or quit asked, the handler stayed."""
        if self._pending is None and self.unwritten:
            self._pending = self._last_writer
        if self._pending is not None:
            self._due()

    def save(self, staff_id: str, data: str) -> Worker[None]:
        self.stop()
        self._discarding = None  # a newer draft replaces the one discarded
        quitting = self.quitting

        def write() -> None:
            from deskapp.services import drafts

            try:
                if quitting:
                    self._write_quitting(staff_id, data)
                else:
                    with self.lock:
                        drafts.save_draft(self._desk(), staff_id, self.form, data)
            except Exception:
                self.unwritten = True  # set before the worker ends: a quit awaiting it sees it
                raise  # to the boundary, which says it (`failed`)
            self.unwritten = False
            self._told = ""

        return self._started(run_desk_work(self.screen, write, GROUP))

    def _write_quitting(self, staff_id: str, data: str) -> None:
        """As the desk quits, within about QUIT_WAIT_MS: nothing to write when the store holds
        this draft as typed (it is read without the lock another process may hold); else it
        is written, waiting that long at most for the lock, and for this keeper's write
        still running (a store held by another process keeps that one waiting)."""
        from deskapp.services import drafts
        from deskapp.services.records import StoreUnavailable

        if not self.lock.acquire(timeout=QUIT_WAIT_MS / 1000):
            raise StoreUnavailable("error.store.busy", "an earlier draft write is still waiting")
        try:
            desk = self._desk()
            if not drafts.draft_holds(desk, staff_id, self.form, data):
                drafts.save_draft(desk, staff_id, self.form, data, wait_ms=QUIT_WAIT_MS)
        finally:
            self.lock.release()

    def _started(self, worker: Worker[None]) -> Worker[None]:
        self.last_write = worker
        return worker

    def save_hand_off(self, taken: HandOff, data: str, fallback_staff: str, *,
                      release: bool = False) -> Worker[None]:  # fmt: skip
        """A taken hand-off's form written back to it (given back when `release`), or to the
        handler's own draft once it is no longer this desk's (services.drafts.keep_hand_off)."""
        self.stop()
        wait_ms = QUIT_WAIT_MS if self.quitting else None

        def write() -> None:
            from deskapp.services import drafts
            from deskapp.services.records import StoreUnavailable

            try:
                if not self.lock.acquire(timeout=-1 if wait_ms is None else wait_ms / 1000):
                    raise StoreUnavailable("error.store.busy", "an earlier write is still waiting")
                try:
                    drafts.keep_hand_off(
                        self._desk(), self.form, taken, data,
                        release=release, fallback_staff=fallback_staff, wait_ms=wait_ms,
                    )  # fmt: skip
                finally:
                    self.lock.release()
            except Exception:
                self.unwritten = True
                raise
            self.unwritten = False
            self._told = ""

        return self._started(run_desk_work(self.screen, write, GROUP))

    def discard(self, staff_id: str) -> Worker[None]:
        self._discarding = staff_id

        def delete() -> None:
            from deskapp.services import drafts

            with self.lock:
                drafts.discard_draft(self._desk(), staff_id, self.form)
            if self._discarding == staff_id:
                self._discarding = None

        return run_desk_work(self.screen, delete, GROUP)

    _discarding: str | None = None  # a discard not yet written (the store was held)

    def _discard_again(self) -> None:
        if self._discarding is not None and not self.quitting:
            self.discard(self._discarding)

    def discard_now(self, staff_id: str) -> None:
        """Inside a worker that has just saved the form: the draft goes with it."""
        from deskapp.services import drafts

        with self.lock:
            drafts.discard_draft(self._desk(), staff_id, self.form)
        # Saved: no draft is owed any more, so quitting has nothing to ask about (a draft
        # write that failed before, on a full disk, asked at every Ctrl+Q after the save).
        self.unwritten = False
        self._told = ""

    def load(self, staff_id: str) -> Draft | None:
        """Inside a worker: the draft kept for `staff_id`, if any."""
        from deskapp.services import drafts

        return drafts.load_draft(self._desk(), staff_id, self.form)

    def failed(self, worker: Worker[object], fault: Fault) -> bool:
        """The screen's work_failed asks this first: a draft write's fault, said once."""
        if worker.group != GROUP or fault.kind == "unexpected":
            return False
        if worker.name == "delete" and self._discarding is not None:
            # Not "could not be saved": nothing is to be saved; it is deleted by itself later.
            if fault.message != self._told:
                self._told = fault.message
                reason = fault.message.split(",")[0]
                self.screen.notify(t("error.store.draft_discard", reason=reason),  # type: ignore[attr-defined]
                                   severity="warning", timeout=15)  # fmt: skip
            self.screen.set_timer(DISCARD_RETRY, self._discard_again)  # type: ignore[attr-defined]
            return True
        if fault.message != self._told:
            self._told = fault.message
            reason = fault.message.split(",")[0]
            self.screen.notify(t("error.store.draft", reason=reason), severity="warning",  # type: ignore[attr-defined]
                               timeout=15)  # fmt: skip
        return True
