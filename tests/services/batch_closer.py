"""A batch's close on another desk of the same store, in a process of its own (not a test
module):

    python batch_closer.py DB NOW_ISO BATCH_ID OUTCOME

Closes the batch as manager 2001 with department `network` as the responsible party; at the
first progress it is told, it says "closing" and waits for a line on its standard input (the
test kills it there, or lets it go on), then prints "closed N" or the refusal's key."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.services.batches import close_batch
from deskapp.services.desk import Desk
from deskapp.services.followup import ClosingFacts
from deskapp.services.staff import actor_of, list_staff


def main() -> None:
    db, now, batch_id, outcome = sys.argv[1:5]
    desk = Desk.open(Path(db), clock=FrozenClock(datetime.fromisoformat(now)))
    try:
        actor = actor_of(next(s for s in list_staff(desk) if s.work_no == "2001"))
        waited: list[bool] = []

        def told(step: str, done: int, total: int | None) -> None:
            if not waited:
                waited.append(True)
                print("closing", flush=True)
                sys.stdin.readline()

        try:
            result = close_batch(desk, actor, batch_id, outcome,
                                 ClosingFacts("department", "network"), progress=told)  # fmt: skip
        except RuleViolation as refused:
            print(refused.errors[0].key, flush=True)
        else:
            print(f"closed {len(result.closed)}", flush=True)
    finally:
        desk.close()


if __name__ == "__main__":
    main()
