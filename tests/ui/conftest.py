"""UI fixtures: the real DeskApp on the tmp store of tests/conftest.py, driven by keys only.

Stable screens, as Posting and Harlequin do it: the text cursor never blinks (a blink caught
half-way flips one cell of a snapshot), animations are off, the catalogue is fixed (zh, or the
DESKAPP_LANG the process was started with: tests/ui/test_ui_english.py starts one with en), the
clock is the frozen one of the `desk` fixture, and every assertion or screenshot comes after
the app's thread workers have finished and the message queue has drained (`settle`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_textual_snapshot import SVGImageExtension
from ui_helpers import build_app

from deskapp.clock import FrozenClock
from deskapp.i18n import language, set_language
from deskapp.screens.app import DeskApp
from deskapp.screens.textual_private import pilot_idle_check_every
from deskapp.services.desk import Desk

# pytest-textual-snapshot 1.0 names its extension with syrupy's old private attribute
# (`_file_extension`); syrupy 7 reads `file_extension`, and without this the snapshots would
# be written as .raw files instead of SVGs that a browser or rsvg-convert opens.
if getattr(SVGImageExtension, "file_extension", None) != "svg":
    SVGImageExtension.file_extension = "svg"


# The Pilot waits after each key until the process looks idle, in sleeps of 1/50 s: every key
# costs at least two, and the UI tests type thousands. 1/200 s asks the same question (the same
# ratio of CPU to wall time) four times as often. What a key does is still waited for as
# before: the Pilot drains every widget's queue after each press, and `settle` waits for the
# workers.
pilot_idle_check_every(1 / 200)


# The process's language, fixed for every test: screens read their key labels when imported,
# so a process is in one language from start to end.
PROCESS_LANGUAGE = language()


@pytest.fixture(autouse=True)
def _fixed_locale() -> Iterator[None]:
    set_language(PROCESS_LANGUAGE)
    yield
    set_language(PROCESS_LANGUAGE)


@pytest.fixture
def make_app(desk: Desk) -> Callable[[], DeskApp]:
    """A fresh app on the test store (each app closes its desk's pool when it exits; the
    engine opens a new one on the next use)."""
    return lambda: build_app(desk)


@pytest.fixture
def app(make_app: Callable[[], DeskApp]) -> DeskApp:
    return make_app()


@pytest.fixture
def reopen_desk(db_path: Path, clock: FrozenClock) -> Iterator[Callable[[], Desk]]:
    """A second Desk on the same database file: the terminal after the desk was killed."""
    opened: list[Desk] = []

    def reopen() -> Desk:
        desk = Desk.open(db_path, clock=clock)
        opened.append(desk)
        return desk

    yield reopen
    for desk in opened:
        desk.close()
