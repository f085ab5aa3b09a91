"""A write waiting for another process's lock on the store (deskapp/store/engine.py): it waits
its connection's whole busy timeout as SQLite's own busy handler would, but in slices, so that
a desk that is closing stops it (the process then ends at once after Ctrl+Q), and a write may
ask to wait less (the drafts written as the desk quits). A real second process holds the lock
(tests/lock_holder.py); the busy timeout is made longer than any test, so a write that waits
for it never ends here, and the guard (a hang guard, not a measure) fails the test."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from faults import write_lock_held_elsewhere

import deskapp.store.engine as engine_module
from deskapp.services import drafts
from deskapp.services.desk import Desk
from deskapp.store.failures import StoreUnavailable

GUARD = 60.0


@pytest.fixture(autouse=True)
def endless_busy_timeout(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 3_600_000)
    desk.engine.dispose()  # its connections are opened again with it


class Attempt:
    """`work` in a thread of its own, as the desk's workers run: what it raised, if anything."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.error: BaseException | None = None
        self.done = False

        def run() -> None:
            try:
                work()
            except BaseException as error:  # (reported to the test)
                self.error = error
            self.done = True

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def finished(self, within: float = GUARD) -> bool:
        self.thread.join(within)
        return self.done


def busy(error: BaseException | None) -> bool:
    return isinstance(error, StoreUnavailable) and error.key == "error.store.busy"


def staff_id(desk: Desk) -> str:
    from deskapp.services.staff import list_staff

    return list_staff(desk)[0].id


def test_a_waiting_write_gives_up_when_the_desk_closes(desk: Desk) -> None:
    who = staff_id(desk)
    with write_lock_held_elsewhere(desk.path):
        attempt = Attempt(lambda: drafts.save_draft(desk, who, "intake", '{"a": 1}'))
        assert not attempt.finished(within=0.5)  # waiting, as the busy timeout says
        desk.close()
        assert attempt.finished(), "the write still waits for the lock after the desk closed"
        assert (
            isinstance(attempt.error, StoreUnavailable) and attempt.error.key == "error.store.busy"
        )
    assert drafts.load_draft(desk, who, "intake") is None  # nothing written
    drafts.save_draft(desk, who, "intake", '{"a": 2}')  # a write after the close: as usual
    assert drafts.load_draft(desk, who, "intake") is not None


def test_a_write_may_wait_less_than_the_busy_timeout(desk: Desk) -> None:
    who = staff_id(desk)
    with write_lock_held_elsewhere(desk.path, "EXCLUSIVE"):
        attempt = Attempt(lambda: drafts.save_draft(desk, who, "intake", "{}", wait_ms=200))
        assert attempt.finished(), "the write waited the whole busy timeout"
        assert (
            isinstance(attempt.error, StoreUnavailable) and attempt.error.key == "error.store.busy"
        )
        assert drafts.draft_holds(desk, who, "intake", "{}") is False  # read under the lock


def test_a_write_still_waits_for_a_lock_that_is_let_go(desk: Desk) -> None:
    """The slices change nothing for a write that may wait: it is made once the lock is free."""
    who = staff_id(desk)
    with write_lock_held_elsewhere(desk.path):
        attempt = Attempt(lambda: drafts.save_draft(desk, who, "intake", '{"kept": true}'))
        assert not attempt.finished(within=engine_module.WAIT_SLICE_MS * 5 / 1000)
    assert attempt.finished() and attempt.error is None
    assert drafts.draft_holds(desk, who, "intake", '{"kept": true}')
