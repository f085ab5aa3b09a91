"""How long work says how far it has got: `progress(step, done, total)` after each part, with
`total` None while it is not known yet (the rows of a file still being read). The CLI shows it
as a progress bar with counts and the time left (deskapp/cli_progress.py)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, "int | None"], None]


def no_progress(step: str, done: int, total: int | None) -> None:
    """Nobody is watching (the desk's own calls, tests)."""
