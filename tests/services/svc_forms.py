"""Shared helpers for the service tests (not a test module): a valid intake form, known staff,
and a fast copy of the staffed store that tests/conftest.py's `desk` fixture builds."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from deskapp.clock import Clock, FrozenClock
from deskapp.domain.enums import Role
from deskapp.domain.timefmt import format_local
from deskapp.services.desk import Desk
from deskapp.services.intake import IntakeForm
from deskapp.services.staff import seed_staff
from deskapp.services.terminal import init_terminal

# A level-3 cause from the shipped tree (网络质量 / 覆盖 / 室内).
CAUSE = "NET.COVER.INDOOR"

# tests/conftest.py's FROZEN_AT and STAFF, by value: `conftest` is not a stable module name
# to import from once several test directories have one.
FROZEN_AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
STAFF = (
    ("1001", "张敏", Role.HANDLER, "1111"),
    ("1002", "刘洋", Role.HANDLER, "2222"),
    ("2001", "王芳", Role.DUTY_MANAGER, "8888"),
    ("3001", "陈静", Role.HALL_MANAGER, "9999"),
)
PINS = {work_no: pin for work_no, _, _, pin in STAFF}


def valid_form(desk: Desk, **overrides: Any) -> IntakeForm:
    """A form that passes every intake rule at the desk's current time."""
    values: dict[str, Any] = {
        "customer_name": "李女士",
        "contact_phone": "13812345678",
        "content": "家里客厅手机没有信号,打电话要跑到阳台",
        "demand": "尽快解决室内信号问题",
        "cause_code": CAUSE,
        "promised_reply_at": format_local(desk.clock.now() + timedelta(days=1), desk.tz),
    }
    values.update(overrides)
    return IntakeForm(**values)


@cache
def _template() -> Path:
    """Built once per process through the real services, exactly as conftest's `desk`."""
    folder = Path(tempfile.mkdtemp(prefix="deskapp-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    desk = Desk.open(folder / "desk.db", clock=FrozenClock(FROZEN_AT))
    try:
        init_terminal(desk, "GZ01", "T01", "Asia/Shanghai")
        seed_staff(desk, "system:test", STAFF)
    finally:
        desk.close()  # the last close checkpoints the WAL: the main file is complete
    return folder / "desk.db"


def staffed_desk(db_path: Path, clock: Clock) -> Desk:
    """Terminal GZ01-T01 with the four known staff, at `db_path`, without paying four PIN
    hashes per test: a copy of a store built once."""
    shutil.copyfile(_template(), db_path)
    return Desk.open(db_path, clock=clock)
