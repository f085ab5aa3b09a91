"""The CLI's progress bar for work a person waits on (building the demo, importing a file):
what is being done, a bar, done/total and the time left, on standard error so that what a
command prints on standard output stays as it was. Shown only on a terminal: a script or a
pipe sees nothing of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from deskapp.i18n import t
from deskapp.services.progress import Progress as Told
from deskapp.services.progress import no_progress


def rich_bar(
    console: Console, elapsed: str = "progress.elapsed", left: str = "progress.left"
) -> Progress:
    """The one rich bar of the CLI: what is being done, a bar, done/total, the time used and
    the time left (the labels are catalogue keys), drawn on `console`."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(t(elapsed)),
        TimeElapsedColumn(),
        TextColumn(t(left)),
        TimeRemainingColumn(),
        console=console,
    )


@contextmanager
def progress_bar(console: Console | None = None) -> Iterator[Told]:
    """A `progress(step, done, total)` for a service, drawn as one bar per step while the
    block runs (the catalogue's progress.<step> says what the step is)."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield no_progress
        return
    with rich_bar(console) as bar:
        tasks: dict[str, TaskID] = {}

        def told(step: str, done: int, total: int | None) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(t(f"progress.{step}"), total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield told
