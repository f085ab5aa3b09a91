"""当事人回避 across the customer's numbers (issue 18, privacy18b) on the 100k store: what the
walk through the customer's other numbers costs intake's watch-list check as the phone is
typed (`watch_for_customer`, the entry shown to a handler the customer does not accuse).

Two customers, each with 200 of the store's complaints (setup, not measured) and a watch
entry: "one number" names the phone as both contact phone and service number (as
bench/customer.py makes it); "200 accounts" gives each of the 200 complaints a service number
of its own, and each account one more complaint under another contact phone (the walk meets
400 numbers: past LINK_LIMIT, so it stops early, its worst case).

Baseline, the same run: the check as it was before (the entry, and the accusations of the
typed number only: one query each), reproduced here. Budget: intake's p95 ≤ 100 ms
(bench/customer.py's), for the walk's part of it.

    python -m bench.watch_recusal [--queries 200] [--rows 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
from datetime import timedelta
from pathlib import Path

from bench import make_db
from bench.common import Result, Stats, drop_copy, loadavg, print_result, time_calls, working_copy

BUDGET_P95_MS = 100.0
ONE, MANY = "13800009999", "13800008888"
TICKETS = 200


def run(queries: int = 200, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    import sqlalchemy as sa
    from sqlmodel import col

    from deskapp.domain.enums import Role
    from deskapp.domain.watch import watch_hidden_from
    from deskapp.services.customer import WatchForm, save_watch_entry, watch_for_customer
    from deskapp.services.desk import Desk
    from deskapp.services.staff import actor_of, list_staff
    from deskapp.store.models import Complaint, WatchEntry

    make_db.ensure_db(rows)
    db: Path = working_copy(make_db.db_path(rows), "watch-recusal")
    load_before = loadavg()
    rng = random.Random(18)
    desk = Desk.open(db)
    results: list[Result] = []
    try:
        staff = list_staff(desk)
        # A handler no complaint accuses (the store's random complaints accuse its staff): the
        # entry is shown, after the whole walk.
        handler = dataclasses.replace(
            actor_of(next(s for s in staff if s.role == Role.HANDLER.value)), id="bench-handler"
        )
        manager = actor_of(next(s for s in staff if s.role == Role.DUTY_MANAGER.value))
        with desk.read() as session:
            ids = list(session.scalars(sa.select(Complaint.id)))
        picked = rng.sample(ids, 3 * TICKETS)
        one, many, others = picked[:TICKETS], picked[TICKETS : 2 * TICKETS], picked[2 * TICKETS :]
        with desk.write(manager.id) as session:  # setup of the working copy, change-logged
            rows_of = {c.id: c for c in session.scalars(
                sa.select(Complaint).where(col(Complaint.id).in_(picked)))}  # fmt: skip
            for i in one:
                c = rows_of[i]
                c.contact_phone, c.phone_last4, c.service_number = ONE, ONE[-4:], ONE
            for n, (i, j) in enumerate(zip(many, others, strict=True)):
                account = f"gzkd{n:06d}ab"
                mine, other = rows_of[i], rows_of[j]
                mine.contact_phone, mine.phone_last4, mine.service_number = MANY, MANY[-4:], account
                other.service_number = account  # the account under someone's other phone
        review_on = (desk.clock.now().date() + timedelta(days=180)).isoformat()  # ≤ a year
        for number in (ONE, MANY):
            save_watch_entry(desk, manager, WatchForm(customer=number, advice="先听完再解释",
                                                      review_on=review_on))  # fmt: skip

        def before(number: str) -> object:
            """The check as it was: the entry, then the accusations of the typed number."""
            with desk.read() as session:
                entry = session.scalars(sa.select(WatchEntry).where(
                    sa.func.lower(col(WatchEntry.active_key)).in_([number]),
                    col(WatchEntry.active).is_(True)).limit(1)).first()  # fmt: skip
                accused = session.scalars(sa.select(col(Complaint.accused_staff_id)).where(
                    sa.or_(col(Complaint.contact_phone).in_([number]),
                           col(Complaint.service_number).in_([number])),
                    col(Complaint.accused_staff_id).is_not(None)).distinct()).all()  # fmt: skip
                return entry is not None and not watch_hidden_from(handler.id, accused)

        for label, number in (("one number", ONE), ("200 accounts", MANY)):
            assert watch_for_customer(desk, handler, number) is not None
            baseline = Stats.of(time_calls(queries, lambda n=number: before(n)))
            now = Stats.of(
                time_calls(queries, lambda n=number: watch_for_customer(desk, handler, n))
            )
            results.append(Result(
                bench="watch_recusal", name=f"intake's watch-list check, {label}", stats=now,
                baseline_name="the check before: the typed number's accusations only",
                baseline=baseline, budget_kind="p95_ms", budget=BUDGET_P95_MS))  # fmt: skip
    finally:
        desk.close()
        drop_copy(db)
    results[0].notes["load average before / after"] = f"{load_before} / {loadavg()}"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    args = parser.parse_args()
    for result in run(args.queries, args.rows):
        print_result(result)


if __name__ == "__main__":
    main()
