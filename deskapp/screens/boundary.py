"""One boundary for every piece of work a screen starts.

Every thread worker of the desk is declared with `desk_work` (a `@desk_work()` that never
exits the app on an error), on a screen or dialog that mixes in `WorkBoundary`. When one fails,
Textual posts `Worker.StateChanged(ERROR)` to the screen; the mixin hands it to the app's one
handler (`DeskApp.report_failure`), which sorts the error (deskapp.incidents.describe) and asks
the screen's `work_failed` hook to show it where the user is: a rule at its field, a busy,
read-only or full store, an unwritable folder or a damaged file in words beside the form the
handler is still looking at, with the button enabled again. What the screen does not show, the
app shows as a notification; anything unexpected becomes a notification with an incident
number, and its details go to the log. tests/ui/test_ui_boundary.py holds every screen to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from textual import work
from textual.worker import Worker, WorkerState

from deskapp.incidents import Fault
from deskapp.screens.desk_app import InApp, desk_app

P = ParamSpec("P")
R = TypeVar("R")


def desk_work(
    *, group: str = "default", exclusive: bool = False, description: str | None = None
) -> Callable[[Callable[P, R]], Callable[P, Worker[R]]]:
    """A thread worker whose error reaches the desk's boundary instead of ending the app;
    calling the method starts it and returns its Worker (as Textual's `work` does)."""
    return work(
        thread=True,
        group=group,
        exclusive=exclusive,
        exit_on_error=False,
        description=description,
    )


class WorkBoundary:
    """Mixed into every desk screen and dialog that starts work (before Screen in the bases)."""

    def on_worker_state_changed(self: InApp, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            desk_app(self).report_failure(self, event.worker)

    def work_failed(self, worker: Worker[Any], fault: Fault) -> bool:
        """Show `fault` where the user is; True when shown (the app then adds nothing but an
        incident number for an unexpected one). Screens override it for their own work."""
        return False


def run_desk_work(node: WorkBoundary, work: Callable[[], Any], group: str) -> Worker[Any]:
    """A thread worker for a callable built at run time (the draft keeper's): the same
    boundary as `desk_work`, on `node`."""
    return node.run_worker(  # type: ignore[attr-defined]
        work, thread=True, group=group, exit_on_error=False, name=getattr(work, "__name__", "")
    )
