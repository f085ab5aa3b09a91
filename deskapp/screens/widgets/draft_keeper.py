"""The one draft mechanism of the desk's forms (受理 F2, 交接班 F5): what the handler types is
written as a draft after a quiet moment, offered back after a crash or a sign-out, and discarded
once the form is saved. A draft that cannot be written (a full or read-only store) is said once,
not at every pause in typing; the form stays on screen either way."""

from __future__ import annotations

import threading
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
GROUP = "draft"  # the workers' group: the screen's work_failed hands their faults to `failed`


class DraftKeeper:
    def __init__(self, screen: WorkBoundary, form: str, desk: Callable[[], Desk]) -> None:
        self.screen = screen
        self.form = form
        self._desk = desk
        self._timer: Timer | None = None
        # Draft writes one at a time: a delete racing a save of the same draft fails on
        # SQLite's lock upgrade ("database is locked").
        self.lock = threading.Lock()
        self._told = ""  # the failure last said for a draft write
        # The last draft write failed (a full or read-only store): quitting asks first.
        self.unwritten = False

    def schedule(self, write: Callable[[], object]) -> None:
        """Call `write` (which calls `save`) once typing has paused for DRAFT_DELAY."""
        self.stop()
        self._timer = self.screen.set_timer(DRAFT_DELAY, write)  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def save(self, staff_id: str, data: str) -> Worker[None]:
        self.stop()

        def write() -> None:
            from deskapp.services import drafts

            try:
                with self.lock:
                    drafts.save_draft(self._desk(), staff_id, self.form, data)
            except Exception:
                self.unwritten = True  # set before the worker ends: a quit awaiting it sees it
                raise  # to the boundary, which says it (`failed`)
            self.unwritten = False
            self._told = ""

        return run_desk_work(self.screen, write, GROUP)

    def save_hand_off(self, taken: HandOff, data: str, fallback_staff: str, *,
                      release: bool = False) -> Worker[None]:  # fmt: skip
        """A taken hand-off's form written back to it (given back when `release`), or to the
        handler's own draft once it is no longer this desk's (services.drafts.keep_hand_off)."""
        self.stop()

        def write() -> None:
            from deskapp.services import drafts

            try:
                with self.lock:
                    drafts.keep_hand_off(
                        self._desk(), self.form, taken, data,
                        release=release, fallback_staff=fallback_staff,
                    )  # fmt: skip
            except Exception:
                self.unwritten = True
                raise
            self.unwritten = False
            self._told = ""

        return run_desk_work(self.screen, write, GROUP)

    def discard(self, staff_id: str) -> Worker[None]:
        def delete() -> None:
            from deskapp.services import drafts

            with self.lock:
                drafts.discard_draft(self._desk(), staff_id, self.form)

        return run_desk_work(self.screen, delete, GROUP)

    def discard_now(self, staff_id: str) -> None:
        """Inside a worker that has just saved the form: the draft goes with it."""
        from deskapp.services import drafts

        with self.lock:
            drafts.discard_draft(self._desk(), staff_id, self.form)

    def load(self, staff_id: str) -> Draft | None:
        """Inside a worker: the draft kept for `staff_id`, if any."""
        from deskapp.services import drafts

        return drafts.load_draft(self._desk(), staff_id, self.form)

    def failed(self, worker: Worker[object], fault: Fault) -> bool:
        """The screen's work_failed asks this first: a draft write's fault, said once."""
        if worker.group != GROUP or fault.kind == "unexpected":
            return False
        if fault.message != self._told:
            self._told = fault.message
            reason = fault.message.split(",")[0]
            self.screen.notify(t("error.store.draft", reason=reason), severity="warning",  # type: ignore[attr-defined]
                               timeout=15)  # fmt: skip
        return True
