"""Helpers for the store tests (not a test module): the demo store, built once per process
through the real services and copied for each test that needs one."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from deskapp.clock import Clock, FrozenClock
from deskapp.services.demo import DEMO_STAFF, build_demo
from deskapp.services.desk import Actor, Desk
from deskapp.services.staff import actor_of, list_staff

DEMO_NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DEMO_PINS = {s.work_no: s.pin for s in DEMO_STAFF}


@cache
def _demo_template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="deskapp-demo-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    build_demo(folder / "demo.db", now=DEMO_NOW)  # closes the desk: the WAL is checkpointed
    return folder / "demo.db"


def demo_copy(dest: Path) -> Path:
    shutil.copyfile(_demo_template(), dest)
    return dest


def open_demo(dest: Path, clock: Clock | None = None) -> Desk:
    return Desk.open(demo_copy(dest), clock=clock or FrozenClock(DEMO_NOW))


def actors_of(desk: Desk) -> dict[str, Actor]:
    return {s.work_no: actor_of(s) for s in list_staff(desk, active_only=False)}
