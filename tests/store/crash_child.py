"""The desk's work in a process of its own, to be killed with SIGKILL (not a test module):

    python crash_child.py save DB COUNT [FIRST]  take COUNT complaints with fixed ids (from
                                                 FIRST, default 0), in order
    python crash_child.py day-close DB DAYS   sign off the DAYS days before the store's clock

Each run starts again from the first item: what a killed run finished must come back as done
(the save is idempotent on the form's complaint id, a signed day is skipped), what it did not
must be done now. It prints one line per item done."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from deskapp.clock import FrozenClock
from deskapp.services import day_close
from deskapp.services.desk import Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.services.staff import actor_of, list_staff
from deskapp.store.models import ChangeLog

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
MANAGER = ("2001", "8888")


def complaint_id(n: int) -> str:
    return str(uuid.UUID(int=n + 1))


def form(n: int) -> IntakeForm:
    return IntakeForm(
        complaint_id=complaint_id(n), customer_name="王女士", contact_phone=f"1390000{n:04d}",
        content="宽带每晚断线,已报修两次" * 20, demand="上门检修", cause_code="NET.COVER.INDOOR",
        promised_reply_at="2026-11-25 10:00",
    )  # fmt: skip


def save(desk: Desk, count: int, first: int = 0) -> None:
    handler = next(actor_of(s) for s in list_staff(desk) if s.work_no == "1001")
    for n in range(first, first + count):
        take_complaint(desk, handler, form(n))
        print(f"saved {n}", flush=True)


def close_days(desk: Desk, days: int) -> None:
    today = desk.clock.now().astimezone(desk.tz).date()
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day_close.signed_off(desk, day) is not None:
            continue
        # As if the hall had acknowledged everything: the day's checklist needs it.
        with desk.engine.begin() as conn:
            conn.execute(sa.update(ChangeLog).values(acked_at=NOW))
        day_close.sign_off(desk, day, *MANAGER)
        print(f"signed {day}", flush=True)


def main() -> None:
    mode, db, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    desk = Desk.open(db, clock=FrozenClock(NOW))
    try:
        print("ready", flush=True)
        if mode == "save":
            save(desk, count, int(sys.argv[4]) if len(sys.argv) > 4 else 0)
        else:
            close_days(desk, count)
    finally:
        desk.close()


if __name__ == "__main__":
    main()
