"""A second local writer on a terminal's store, in a process of its own (not a test module):

    python local_writer.py DB NOW_ISO PAUSE_MS SECONDS

Logs a contact on one ticket again and again (a save every PAUSE_MS, 0: without pause) for
SECONDS, as a second desk of `deskapp serve` or an import would write while the terminal
synchronizes. Prints how many saves it made, and how many the store refused."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from deskapp.clock import FrozenClock
from deskapp.services import followup
from deskapp.services.desk import Desk
from deskapp.services.staff import actor_of, list_staff
from deskapp.store.failures import StoreUnavailable
from deskapp.store.models import Complaint


def main() -> None:
    db, now, pause_ms, seconds = sys.argv[1:5]
    desk = Desk.open(Path(db), clock=FrozenClock(datetime.fromisoformat(now)))
    actor = actor_of(next(s for s in list_staff(desk) if s.work_no == "1001"))
    with desk.read() as s:
        cid = s.scalars(sa.select(Complaint.id)).first()
    saves = refused = 0
    print("ready", flush=True)
    end = time.monotonic() + float(seconds)
    try:
        while time.monotonic() < end:
            try:
                followup.log_contact(desk, actor, cid, reached=False, note="再次联系")
                saves += 1
            except StoreUnavailable:
                refused += 1
            if float(pause_ms):
                time.sleep(float(pause_ms) / 1000)
    finally:
        desk.close()
    print(json.dumps({"saves": saves, "refused": refused}), flush=True)


if __name__ == "__main__":
    main()
