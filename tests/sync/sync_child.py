"""A terminal's sync in a process of its own, for the fault tests (not a test module):

    python sync_child.py DB HALL NOW_ISO BATCH_SIZE

DESKAPP_SYNC_KILL_AT=point[:n] makes it kill itself with SIGKILL at that boundary."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from deskapp.clock import FrozenClock
from deskapp.services.desk import Desk
from deskapp.sync import sync


def main() -> None:
    db, hall, now, batch = sys.argv[1:5]
    desk = Desk.open(Path(db), clock=FrozenClock(datetime.fromisoformat(now)))
    try:
        result = sync(desk, hall, batch_size=int(batch))
    finally:
        desk.close()
    print(json.dumps({"outcome": result.outcome.value, "pushed": result.pushed,
                      "pulled": result.pulled, "error": result.error}))  # fmt: skip
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
