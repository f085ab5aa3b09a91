"""Shared fixtures: a real store in a temporary directory, a frozen clock, known staff."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Role
from deskapp.services.desk import Actor, Desk
from deskapp.services.staff import actor_of, list_staff, seed_staff
from deskapp.services.terminal import init_terminal

# The desk's log (deskapp/logs.py) of a test run goes to a folder of its own, never the user's.
os.environ.setdefault("DESKAPP_LOG_DIR", tempfile.mkdtemp(prefix="deskapp-test-log-"))

settings.register_profile("ci", deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci")

# Tuesday 2026-11-24 10:00 in Asia/Shanghai: a working morning, fixed for every test.
FROZEN_AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class KnownStaff:
    work_no: str
    name: str
    role: Role
    pin: str


STAFF = (
    KnownStaff("1001", "张敏", Role.HANDLER, "1111"),
    KnownStaff("1002", "刘洋", Role.HANDLER, "2222"),
    KnownStaff("2001", "王芳", Role.DUTY_MANAGER, "8888"),
    KnownStaff("3001", "陈静", Role.HALL_MANAGER, "9999"),
)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "desk.db"


@pytest.fixture
def bare_desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    """A migrated store with no terminal identity and no staff."""
    desk = Desk.open(db_path, clock=clock)
    yield desk
    desk.close()


@pytest.fixture
def desk(bare_desk: Desk) -> Desk:
    """Terminal GZ01-T01 in Asia/Shanghai with the four known staff."""
    init_terminal(bare_desk, "GZ01", "T01", "Asia/Shanghai")
    seed_staff(bare_desk, "system:test", [(s.work_no, s.name, s.role, s.pin) for s in STAFF])
    return bare_desk


@pytest.fixture
def actors(desk: Desk) -> dict[str, Actor]:
    """Known staff as actors, by work number."""
    return {s.work_no: actor_of(s) for s in list_staff(desk)}


@pytest.fixture
def handler(actors: dict[str, Actor]) -> Actor:
    return actors["1001"]
