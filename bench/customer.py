"""The customer in front of the counter (issue 18) on the 100k store: a customer with 200
tickets (with their events and refunds), on the watch list.

* customer history, first page: `deskapp.services.customer.customer_history`, the read the
  history screen's worker makes when Ctrl+Y is pressed (budget p95 ≤ 100 ms);
* intake's check as the phone is typed: the repeat candidates and the watch-list entry
  (`find_repeat_candidates` + `watch_for_customer`, the intake worker's reads; same budget);
* closing a batch incident with 500 linked open tickets (`services.batches.close_batch`: each
  ticket through the ordinary close, one transaction each), once (budget 5 s).

The 200 tickets are made by giving 200 random complaints of a working copy the customer's
phone (setup, not measured). What is measured is the store's part; the screen's rendering of
one page (50 rows) is the search screen's, measured in bench/search.py's neighbours.
Baseline: a primary-key look-up of one complaint through the same Desk session path.

    python -m bench.customer [--queries 200] [--rows 100000]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

from bench import make_db
from bench.common import Result, Stats, drop_copy, loadavg, print_result, working_copy

BUDGET_P95_MS = 100.0
WARMUP = 5
PHONE = "13800009999"
TICKETS = 200


def _measure(count: int, call: Callable[[], object]) -> list[float]:
    for _ in range(WARMUP):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run(queries: int = 200, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    import sqlalchemy as sa

    from deskapp.domain.enums import Role
    from deskapp.services.customer import (
        WatchForm,
        customer_history,
        save_watch_entry,
        watch_for_customer,
    )
    from deskapp.services.desk import Desk
    from deskapp.services.intake import find_repeat_candidates
    from deskapp.services.staff import actor_of, list_staff
    from deskapp.store.models import Complaint

    make_db.ensure_db(rows)
    db: Path = working_copy(make_db.db_path(rows), "customer")
    load_before = loadavg()
    rng = random.Random(18)
    desk = Desk.open(db)
    results: list[Result] = []
    try:
        staff = list_staff(desk)
        handler = actor_of(next(s for s in staff if s.role == Role.HANDLER.value))
        manager = actor_of(next(s for s in staff if s.role == Role.DUTY_MANAGER.value))
        with desk.read() as session:
            ids = list(session.scalars(sa.select(Complaint.id)))
        mine = rng.sample(ids, TICKETS)
        with desk.write(manager.id) as session:  # setup of the working copy, change-logged
            for complaint in session.scalars(sa.select(Complaint).where(Complaint.id.in_(mine))):
                complaint.contact_phone, complaint.phone_last4 = PHONE, PHONE[-4:]
                complaint.service_number = PHONE
        save_watch_entry(desk, manager, WatchForm(customer=PHONE, advice="先听完再解释",
                                                  review_on="2099-12-31"))  # fmt: skip

        def by_id() -> object:
            with desk.read() as session:
                return session.get(Complaint, rng.choice(ids))

        baseline = Stats.of(_measure(queries, by_id))
        pages: list[int] = []

        def history() -> object:
            page = customer_history(desk, handler, PHONE)
            assert page is not None and page.tickets == TICKETS and page.watch is not None
            pages.append(len(page.items))
            return page

        def intake_check() -> object:
            found = find_repeat_candidates(desk, PHONE, cause_code="NET.COVER.INDOOR")
            return found, watch_for_customer(desk, handler, PHONE)

        for name, call in (
            (f"customer history, first page ({TICKETS} tickets)", history),
            ("intake check as the phone is typed (repeat + watch list)", intake_check),
        ):
            results.append(
                Result(
                    bench="customer",
                    name=name,
                    stats=Stats.of(_measure(queries, call)),
                    baseline_name="primary-key look-up of one complaint, same session path",
                    baseline=baseline,
                    budget_kind="p95_ms",
                    budget=BUDGET_P95_MS,
                    notes={"rows on the page": str(max(pages) if pages else 0)},
                )
            )
        results.append(_batch_close(desk, manager, baseline))
    finally:
        desk.close()
        drop_copy(db)
    results[0].notes["load average before / after"] = f"{load_before} / {loadavg()}"
    return results


BATCH_TICKETS = 500
BATCH_BUDGET_MS = 5000.0


def _batch_close(desk: object, manager: object, baseline: Stats) -> Result:
    import sqlalchemy as sa

    from deskapp.services.batches import BatchForm, Responsible, close_batch, open_batch
    from deskapp.store.models import Complaint

    batch = open_batch(desk, manager, BatchForm(title="bench outage", cause_code="NET"))  # type: ignore[arg-type]
    with desk.write(manager.id) as session:  # type: ignore[attr-defined]  # setup, change-logged
        rows = session.scalars(
            sa.select(Complaint)
            .where(Complaint.status == "open", Complaint.severity == "general")
            .limit(BATCH_TICKETS)
        ).all()
        for complaint in rows:
            complaint.batch_id, complaint.is_batch = batch.id, True
    started = time.perf_counter()
    result = close_batch(
        desk, manager, batch.id, "故障已修复", Responsible("department", "network")
    )  # type: ignore[arg-type]
    elapsed = (time.perf_counter() - started) * 1000
    return Result(
        bench="customer",
        name=f"batch close, {len(rows)} linked open tickets",
        stats=Stats.of([elapsed]),
        baseline_name="primary-key look-up of one complaint, same session path",
        baseline=baseline,
        budget_kind="p95_ms",
        budget=BATCH_BUDGET_MS,
        notes={"closed / kept open": f"{len(result.closed)} / {len(result.skipped)}"},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    args = parser.parse_args()
    print("customer: the customer's history and intake's check on the generated store")
    for result in run(args.queries, args.rows):
        print_result(result)


if __name__ == "__main__":
    main()
