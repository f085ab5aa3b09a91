"""Shared helpers for the service tests (not a test module): a valid intake form, known staff,
and a fast copy of the staffed store that tests/conftest.py's `desk` fixture builds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from store_templates import STAFF, copy_store

from deskapp.clock import Clock
from deskapp.domain.timefmt import format_local
from deskapp.services.desk import Desk
from deskapp.services.intake import IntakeForm

# A level-3 cause from the shipped tree (网络质量 / 覆盖 / 室内).
CAUSE = "NET.COVER.INDOOR"

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


def staffed_desk(db_path: Path, clock: Clock) -> Desk:
    """Terminal GZ01-T01 with the four known staff, at `db_path`, without paying four PIN
    hashes per test: a copy of a store built once."""
    copy_store(db_path, seeded=True)
    return Desk.open(db_path, clock=clock)
