"""Finding a complaint: `deskapp.services.search.search` on the 100k store (budget p95 ≤ 50 ms).

One figure per kind of query the search box understands, each the first page (50 rows) as
the search screen asks for it:

* full phone: a customer who has complained several times (different customers in turn);
* ticket number: a whole ticket number (different tickets in turn);
* common word: a two-character word in about a third of all complaints (费用);
* rare word: a two-character word in exactly 12 complaints (卫星);
* last four digits of a phone (different ones in turn);
* a ticket's detail as its screen reads it (`complaint_detail`: the ticket, its events,
  refunds and change log; different tickets in turn), no budget of its own.

Baseline: a primary-key look-up of one complaint (the same columns, through the same Desk
session and SQLAlchemy), so the ratio is what each kind of query costs beyond the fixed cost
of asking the store anything. Warm cache: every kind is run a few times before it is measured.

    python -m bench.search [--queries 200]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

from bench import make_db
from bench.common import Result, Stats, drop_copy, loadavg, print_result, working_copy

BUDGET_P95_MS = 50.0
WARMUP = 5


def _measure(queries: list[str], call: Callable[[str], object]) -> list[float]:
    for q in queries[:WARMUP]:
        call(q)
    samples = []
    for q in queries:
        started = time.perf_counter()
        call(q)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run(queries: int = 200, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    import sqlalchemy as sa

    from deskapp.services.desk import Desk
    from deskapp.services.search import QueryKind, complaint_detail, search
    from deskapp.store.models import Complaint

    manifest = make_db.ensure_db(rows)
    db: Path = working_copy(make_db.db_path(rows), "search")
    load_before = loadavg()
    rng = random.Random(11)
    desk = Desk.open(db)
    results: list[Result] = []
    try:
        with desk.read() as session:
            ids = list(session.scalars(sa.select(Complaint.id)))
            tickets = list(session.scalars(sa.select(Complaint.ticket_no)))
            frequent = list(
                session.scalars(
                    sa.select(Complaint.contact_phone)
                    .group_by(Complaint.contact_phone)
                    .having(sa.func.count() >= 3)
                )
            )
            last4s = list(session.scalars(sa.select(Complaint.phone_last4).distinct()))
        columns = (
            Complaint.id,
            Complaint.ticket_no,
            Complaint.received_at,
            Complaint.customer_name,
            Complaint.contact_phone,
            Complaint.channel,
            Complaint.cause_code,
            Complaint.severity,
            Complaint.status,
            sa.func.substr(Complaint.content, 1, 60),
        )

        def by_id(complaint_id: str) -> object:
            with desk.read() as session:
                return session.execute(
                    sa.select(*columns).where(Complaint.id == complaint_id)
                ).all()

        baseline = Stats.of(_measure(rng.sample(ids, queries), by_id))
        kinds = [
            ("full phone", QueryKind.PHONE, [rng.choice(frequent) for _ in range(queries)]),
            ("ticket number", QueryKind.TICKET, rng.sample(tickets, queries)),
            (
                f"common word {manifest['common_word']} "
                f"({manifest['common_word_rows']:,} complaints)",
                QueryKind.TEXT,
                [manifest["common_word"]] * queries,
            ),
            (
                f"rare word {manifest['rare_word']} ({manifest['rare_word_rows']} complaints)",
                QueryKind.TEXT,
                [manifest["rare_word"]] * queries,
            ),
            ("last four digits", QueryKind.LAST4, [rng.choice(last4s) for _ in range(queries)]),
        ]
        for name, kind, qs in kinds:
            pages = []

            def call(q: str, pages: list = pages) -> object:
                page = search(desk, q)
                pages.append(len(page.rows))
                return page

            samples = _measure(qs, call)
            first = search(desk, qs[0])
            assert first.kind is kind, f"{qs[0]!r} was read as {first.kind}, not {kind}"
            results.append(
                Result(
                    bench="search",
                    name=name,
                    stats=Stats.of(samples),
                    baseline_name="primary-key look-up of one complaint, same session path",
                    baseline=baseline,
                    budget_kind="p95_ms",
                    budget=BUDGET_P95_MS,
                    notes={"rows on the first page (mean)": f"{sum(pages) / len(pages):.1f}"},
                )
            )
        details = _measure(rng.sample(ids, queries), lambda q: complaint_detail(desk, q))
        results.append(
            Result(
                bench="search",
                name="a ticket's detail (events, refunds, change log)",
                stats=Stats.of(details),
                baseline_name="primary-key look-up of one complaint, same session path",
                baseline=baseline,
            )
        )
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
    print("search: the search box's queries on the generated store")
    for result in run(args.queries, args.rows):
        print_result(result)


if __name__ == "__main__":
    main()
