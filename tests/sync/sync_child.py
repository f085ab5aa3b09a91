"""A terminal's sync in a process of its own, for the fault tests (not a test module):

    python sync_child.py DB HALL NOW_ISO BATCH_SIZE

DESKAPP_SYNC_KILL_AT=point[:n] makes it kill itself with SIGKILL at that boundary (the n-th
time it is reached), as a power cut would: a hook this script installs at the sync's fault
points (deskapp.sync.hall.fault_hook); the desk itself has no such switch."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from deskapp.clock import FrozenClock
from deskapp.services.desk import Desk
from deskapp.sync import sync
from deskapp.sync.hall import fault_hook

KILL_ENV = "DESKAPP_SYNC_KILL_AT"


def killer(wanted: str):
    """A fault hook that kills this process at the wanted point ("point" or "point:n")."""
    point, _, nth = wanted.partition(":")
    hits: Counter[str] = Counter()

    def hook(name: str, conn: object) -> None:
        if name != point:
            return
        hits[name] += 1
        if hits[name] >= int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def main() -> None:
    db, hall, now, batch = sys.argv[1:5]
    desk = Desk.open(Path(db), clock=FrozenClock(datetime.fromisoformat(now)))
    wanted = os.environ.get(KILL_ENV)
    try:
        if wanted:
            with fault_hook(killer(wanted)):
                result = sync(desk, hall, batch_size=int(batch))
        else:
            result = sync(desk, hall, batch_size=int(batch))
    finally:
        desk.close()
    print(json.dumps({"outcome": result.outcome.value, "pushed": result.pushed,
                      "pulled": result.pulled, "error": result.error}))  # fmt: skip
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
