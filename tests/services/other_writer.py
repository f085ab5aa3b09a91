"""Another terminal's save on the same store, in a process of its own (not a test module):

    python other_writer.py DB NOW_ISO COMPLAINT_ID BUSY_TIMEOUT_MS

Opens the store with the busy timeout given (the desk's own is 10 s: a test waits less),
says "ready", waits for a line on its standard input, then logs one contact on the ticket
and prints "saved", or the store's refusal ("error.store.busy" when the lock never came)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from deskapp.clock import FrozenClock
from deskapp.services import followup
from deskapp.services.desk import Desk
from deskapp.services.staff import actor_of, list_staff
from deskapp.store import engine
from deskapp.store.failures import StoreUnavailable


def main() -> None:
    db, now, complaint_id, busy_ms = sys.argv[1:5]
    engine.BUSY_TIMEOUT_MS = int(busy_ms)  # read by each new connection
    desk = Desk.open(Path(db), clock=FrozenClock(datetime.fromisoformat(now)))
    try:
        actor = actor_of(next(s for s in list_staff(desk) if s.work_no == "1002"))
        print("ready", flush=True)
        sys.stdin.readline()
        try:
            followup.log_contact(desk, actor, complaint_id, reached=True, note="另一终端联系客户")
        except StoreUnavailable as refused:
            print(refused.key, flush=True)
        else:
            print("saved", flush=True)
    finally:
        desk.close()


if __name__ == "__main__":
    main()
