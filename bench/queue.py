"""The follow-up queue on a large store: 100,000 closed complaints and 5,000 open ones.

* `queue_page`, the first page (50 rows) as the queue screen asks for it, for the whole hall
  and for one handler's own tickets (budget p95 ≤ 100 ms), against a primary-key look-up in
  the same store;
* the screen: from pressing F4 in the real app (App.run_test) to the table showing its first
  rows (budget ≤ 300 ms), against switching to a screen with one Input in the same run.

The open tickets' deadlines are written straight into a working copy (spread from two days
overdue to five days ahead): this measures reading the queue, not computing deadlines.

    python -m bench.queue [--queries 200] [--reps 7]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import time
from datetime import timedelta
from pathlib import Path

from bench import make_db
from bench.common import Result, Stats, drop_copy, loadavg, print_result, working_copy

QUERY_BUDGET_P95_MS = 100.0
SCREEN_BUDGET_MS = 300.0
OPEN = 5_000


def _prepare(db: Path) -> tuple[str, str]:
    """Close everything, then reopen OPEN tickets with deadlines; return (owner id, an id)."""
    import sqlalchemy as sa

    from deskapp.services.desk import Desk
    from deskapp.store.changelog import MIGRATION_KEY
    from deskapp.store.models import Complaint

    desk = Desk.open(db)
    rng = random.Random(5)
    now = desk.clock.now()
    try:
        with desk.engine.connect() as conn:
            conn.info[MIGRATION_KEY] = True  # bench data set-up, not a record change
            with conn.begin():
                conn.execute(sa.update(Complaint).values(status="closed", next_due_at=None))
                ids = list(conn.execute(sa.select(Complaint.id).order_by(Complaint.id)).scalars())
                owners = list(conn.execute(sa.select(Complaint.owner_id).distinct()).scalars())
                chosen = rng.sample(ids, OPEN)
                for i in range(0, OPEN, 500):
                    for cid in chosen[i : i + 500]:
                        due = now + timedelta(minutes=rng.randint(-2 * 24 * 60, 5 * 24 * 60))
                        conn.execute(
                            sa.update(Complaint)
                            .where(Complaint.id == cid)
                            .values(
                                status="open",
                                next_due_at=due,
                                next_clock="dispatch",
                                owner_id=rng.choice(owners),
                            )
                        )
            conn.info.pop(MIGRATION_KEY, None)
        return owners[0], chosen[0]
    finally:
        desk.close()


def _measure(calls: int, call) -> list[float]:
    for _ in range(5):
        call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _screen_times(db: Path, reps: int) -> tuple[list[float], list[float]]:
    from textual.screen import Screen
    from textual.widgets import Input

    from deskapp.services.desk import Desk
    from screens.app import DeskApp

    class Trivial(Screen[None]):
        def compose(self):
            yield Input()

    manifest_login = make_db.ensure_db(quiet=True)["signin"]
    desk = Desk.open(db)
    queue_ms: list[float] = []
    trivial_ms: list[float] = []
    try:
        for _ in range(reps):
            app = DeskApp(desk=desk, cursor_blink=False)
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.press(
                    *manifest_login["work_no"], "enter", *manifest_login["pin"], "enter"
                )
                await app.workers.wait_for_complete()
                await pilot.pause(0.2)
                # The previous repetition's app is garbage by now; collected inside the timed
                # span it alternately added ~150 ms to every other repetition.
                gc.collect()
                started = time.perf_counter()
                await pilot.press("f4")
                while True:
                    tables = app.screen.query("#queue")
                    if tables and tables.first().row_count > 0:
                        break
                    await asyncio.sleep(0.002)
                queue_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await app.push_screen(Trivial())
                while not app.screen.query(Input):
                    await asyncio.sleep(0.002)
                trivial_ms.append((time.perf_counter() - started) * 1000)
    finally:
        desk.close()
    return queue_ms, trivial_ms


def run(queries: int = 200, reps: int = 7, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    import sqlalchemy as sa

    from deskapp.domain.actor import Actor
    from deskapp.domain.enums import Role
    from deskapp.services.desk import Desk
    from deskapp.services.queue import Scope, queue_page
    from deskapp.store.models import Complaint

    make_db.ensure_db(rows)
    db = working_copy(make_db.db_path(rows), "queue")
    load_before = loadavg()
    try:
        owner, some_id = _prepare(db)
        desk = Desk.open(db)
        try:
            actor = Actor(owner, "x", "x", Role.HANDLER)
            hall = _measure(queries, lambda: queue_page(desk, actor, Scope.HALL))
            mine = _measure(queries, lambda: queue_page(desk, actor, Scope.MINE))

            def lookup() -> None:
                with desk.read() as session:
                    session.execute(
                        sa.select(Complaint.ticket_no).where(Complaint.id == some_id)
                    ).one()

            base = _measure(queries, lookup)
        finally:
            desk.close()
        screen, trivial = asyncio.run(_screen_times(db, reps))
    finally:
        drop_copy(db)
    notes = {"open": OPEN, "closed": rows - OPEN, "load": f"{load_before} / {loadavg()}"}
    return [
        Result("queue", "first page, whole hall", Stats.of(hall), "primary-key look-up",
               Stats.of(base), "p95_ms", QUERY_BUDGET_P95_MS, notes),
        Result("queue", "first page, my tickets", Stats.of(mine), "primary-key look-up",
               Stats.of(base), "p95_ms", QUERY_BUDGET_P95_MS, notes),
        Result("queue", "F4 → queue rows shown", Stats.of(screen), "switch to a one-Input screen",
               Stats.of(trivial), "p95_ms", SCREEN_BUDGET_MS, notes),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    for result in run(args.queries, args.reps):
        print_result(result)


if __name__ == "__main__":
    main()
