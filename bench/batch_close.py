"""Closing a batch incident (issue 18) on the 100k store: 500 linked open tickets closed with
one outcome (budget: 5 s).

* measured: `services.batches.close_batch`, as the batch screen's worker runs it: each ticket
  through the ordinary close (its rules, event and clocks), fifty per transaction
  (`followup.close_each`);
* baseline, same run, same store: 500 other open tickets closed one by one through
  `followup.close`, one transaction each (what the batch close did before).

Each repetition takes 500 fresh open tickets (general severity, which nothing keeps open) of
one working copy, linked to a new batch in setup (not measured); baseline and batch
repetitions alternate, so that load on the machine falls on both alike.

    python -m bench.batch_close [--reps 3] [--rows 100000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench import make_db
from bench.common import Result, Stats, drop_copy, loadavg, print_result, working_copy

TICKETS = 500
BUDGET_MS = 5000.0


def run(reps: int = 3, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    import sqlalchemy as sa

    from deskapp.domain.enums import Role
    from deskapp.services import followup
    from deskapp.services.batches import (
        OPEN_STATUSES,
        BatchForm,
        close_batch,
        open_batch,
    )
    from deskapp.services.desk import Desk
    from deskapp.services.followup import ClosingFacts
    from deskapp.services.staff import actor_of, list_staff
    from deskapp.store.models import Complaint

    make_db.ensure_db(rows)
    db: Path = working_copy(make_db.db_path(rows), "batch-close")
    load_before = loadavg()
    desk = Desk.open(db)
    batch_ms: list[float] = []
    baseline_ms: list[float] = []
    kept = 0
    try:
        manager = actor_of(next(s for s in list_staff(desk) if s.role == Role.DUTY_MANAGER.value))
        with desk.read() as session:
            pool = list(
                session.scalars(
                    sa.select(Complaint.id)
                    .where(Complaint.status.in_(OPEN_STATUSES), Complaint.severity == "general")
                    .order_by(Complaint.id)
                )
            )
        if len(pool) < 2 * reps * TICKETS:
            raise SystemExit(f"batch_close: {len(pool)} open tickets, {reps} reps need more")
        for rep in range(reps):
            one_by_one = pool[2 * rep * TICKETS : (2 * rep + 1) * TICKETS]
            linked = pool[(2 * rep + 1) * TICKETS : (2 * rep + 2) * TICKETS]
            started = time.perf_counter()
            for complaint_id in one_by_one:
                followup.close(
                    desk,
                    manager,
                    complaint_id,
                    outcome="故障已修复",
                    facts=ClosingFacts("customer"),
                    finding_required=False,
                )
            baseline_ms.append((time.perf_counter() - started) * 1000)

            batch = open_batch(desk, manager, BatchForm(title=f"bench outage {rep}",
                                                        cause_code="NET"))  # fmt: skip
            with desk.write(manager.id) as session:  # setup, change-logged
                for complaint in session.scalars(
                    sa.select(Complaint).where(Complaint.id.in_(linked))
                ):
                    complaint.batch_id, complaint.is_batch = batch.id, True
            started = time.perf_counter()
            result = close_batch(desk, manager, batch.id, "故障已修复", ClosingFacts("customer"))
            batch_ms.append((time.perf_counter() - started) * 1000)
            assert len(result.closed) + len(result.skipped) == TICKETS
            kept += len(result.skipped)
    finally:
        desk.close()
        drop_copy(db)
    return [
        Result(
            bench="batch_close",
            name=f"batch close, {TICKETS} linked open tickets",
            stats=Stats.of(batch_ms),
            baseline_name=f"{TICKETS} tickets closed one by one (followup.close each)",
            baseline=Stats.of(baseline_ms),
            budget_kind="p95_ms",
            budget=BUDGET_MS,
            notes={
                "kept open by the rules": str(kept),
                "load average before / after": f"{load_before} / {loadavg()}",
            },
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    args = parser.parse_args()
    print("batch_close: closing a batch incident's linked tickets on the generated store")
    for result in run(args.reps, args.rows):
        print_result(result)


if __name__ == "__main__":
    main()
