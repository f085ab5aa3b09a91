"""The stores the tests start from, each made once per test process by the real services and
copied for each test (a plain module beside conftest.py): migrating a new store and hashing the
known staff's PINs (scrypt, slow on purpose) was most of the time of a test."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Role
from deskapp.services.desk import Desk
from deskapp.services.staff import seed_staff
from deskapp.services.terminal import init_terminal

# Tuesday 2026-11-24 10:00 in Asia/Shanghai: a working morning, fixed for every test.
FROZEN_AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
# The known staff: work number, name, role, PIN.
STAFF: Sequence[tuple[str, str, Role, str]] = (
    ("1001", "张敏", Role.HANDLER, "1111"),
    ("1002", "刘洋", Role.HANDLER, "2222"),
    ("2001", "王芳", Role.DUTY_MANAGER, "8888"),
    ("3001", "陈静", Role.HALL_MANAGER, "9999"),
)


def seed(desk: Desk) -> None:
    """Terminal GZ01-T01 in Asia/Shanghai with the four known staff."""
    init_terminal(desk, "GZ01", "T01", "Asia/Shanghai")
    seed_staff(desk, "system:test", STAFF)


@cache
def template(*, seeded: bool) -> Path:
    """A migrated store at FROZEN_AT, seeded (`seed`) or bare."""
    folder = Path(tempfile.mkdtemp(prefix="deskapp-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    desk = Desk.open(folder / "desk.db", clock=FrozenClock(FROZEN_AT))
    try:
        if seeded:
            seed(desk)
    finally:
        desk.close()  # the last close checkpoints the WAL: the main file is complete
    return folder / "desk.db"


def copy_store(target: Path, *, seeded: bool) -> None:
    shutil.copyfile(template(seeded=seeded), target)
