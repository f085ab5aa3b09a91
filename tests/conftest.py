"""Shared fixtures: a real store in a temporary directory, a frozen clock, known staff."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from store_templates import FROZEN_AT, copy_store, seed
from store_templates import STAFF as KNOWN

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Role
from deskapp.services.desk import Actor, Desk
from deskapp.services.staff import actor_of, list_staff

# The desk's log (deskapp/logs.py) of a test run goes to a folder of its own, never the user's.
os.environ.setdefault("DESKAPP_LOG_DIR", tempfile.mkdtemp(prefix="deskapp-test-log-"))

settings.register_profile("ci", deadline=None, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci")


@dataclass(frozen=True)
class KnownStaff:
    work_no: str
    name: str
    role: Role
    pin: str


STAFF = tuple(KnownStaff(*known) for known in KNOWN)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "desk.db"


@pytest.fixture
def bare_desk(
    db_path: Path,
    clock: FrozenClock,
    request: pytest.FixtureRequest,
) -> Iterator[Desk]:
    """A migrated store with no terminal identity and no staff (with both when the test also
    asks for `desk`)."""
    if not db_path.exists() and clock.now() == FROZEN_AT:
        copy_store(db_path, seeded="desk" in request.fixturenames)
    desk = Desk.open(db_path, clock=clock)
    yield desk
    desk.close()


# The test process's own cycle collector. A test process builds thousands of apps and stores,
# and what outlives the tests grows to gigabytes by the end of a run; each automatic full
# collection walks all of it again, a large share of a UI test's time. So full
# collections run only between tests, every `_COLLECT_EVERY`, and what survives one is frozen:
# the next walks only what came since. The desk's own program has its own policy
# (deskapp/collector.py), tested in subprocesses.
_COLLECT_EVERY = 20
_tests_started = 0


def pytest_configure(config: pytest.Config) -> None:
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000_000)  # (no automatic full collection)


def pytest_runtest_setup(item: pytest.Item) -> None:
    global _tests_started
    _tests_started += 1
    if _tests_started % _COLLECT_EVERY == 0:
        gc.collect()
        gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The heavy tests first: pytest-xdist hands out tests in this order, and one heavy test
    handed out last keeps one worker busy while the other has nothing left to do."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)  # (a stable sort)


@pytest.fixture
def desk(bare_desk: Desk) -> Desk:
    """Terminal GZ01-T01 in Asia/Shanghai with the four known staff."""
    if not list_staff(bare_desk):  # not copied from the seeded template
        seed(bare_desk)
    return bare_desk


@pytest.fixture
def actors(desk: Desk) -> dict[str, Actor]:
    """Known staff as actors, by work number."""
    return {s.work_no: actor_of(s) for s in list_staff(desk)}


@pytest.fixture
def handler(actors: dict[str, Actor]) -> Actor:
    return actors["1001"]
