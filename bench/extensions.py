"""What deadline extensions (issue 17, 延期申请) add to the two paths they touch, on the 100k
store, as ratios inside one run:

* **month report**: the report's timeliness table (the query for the closed tickets with an
  approved extension, and the three-way split) against the whole month report on a warm desk
  (`build_report`, which includes it);
* **F4's first page**: the extension marks of a page (`extension_marks`, one indexed read of the
  page's ids) against reading the page itself (`queue_page`, hall scope).

The 100k store has no extension (it is built without them): the reads run their full path and
find none, which is what a hall's store mostly holds.

    python -m bench.extensions [--reps 7]
"""

from __future__ import annotations

import argparse
import time
from zoneinfo import ZoneInfo

from bench import make_db
from bench.common import Result, Stats, drop_copy, loadavg, print_result, working_copy
from bench.reports import _month_before


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def run(reps: int = 7, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    from deskapp.domain.indicators import month_of
    from deskapp.services.desk import Desk
    from deskapp.services.extensions import extension_marks
    from deskapp.services.queue import Scope, queue_page
    from deskapp.services.reports import ReportRequest, build_report, memo, resolve_scope
    from deskapp.services.reports.queries import _extended, _load_rows_with
    from deskapp.services.reports.tables import _timeliness_table
    from deskapp.services.staff import actor_of, list_staff

    manifest = make_db.ensure_db(rows)
    db = working_copy(make_db.db_path(rows), "extensions")
    print(f"load before: {loadavg()}")
    results: list[Result] = []
    try:
        desk = Desk.open(db)
        month = month_of(_month_before(manifest["built_at"], ZoneInfo(make_db.TZ)))
        request = ReportRequest(month)
        report = build_report(desk, request)  # warm: the memo and the calendar filled
        whole = [_timed(lambda: build_report(desk, request)) for _ in range(reps)]
        # The part extensions add, on the same rows and replayed histories as the report's.
        start, end = month.bounds(desk.tz)
        extra, join = memo.memo_columns()
        with_memo = _load_rows_with(desk, resolve_scope(desk, request), start, end, extra, join)
        _, kept = memo.kept_histories(desk, with_memo, desk.clock.now())
        closed = [
            row for row, _ in with_memo
            if row.closed_at is not None and start <= row.closed_at < end and row.id in kept
        ]  # fmt: skip
        ids = [r.id for r in closed]
        part = [
            _timed(lambda: _timeliness_table(report, closed, kept, _extended(desk, ids)))
            for _ in range(reps)
        ]
        results.append(Result(
            bench="extensions", name=f"month report: timeliness three ways ({len(ids):,} closed)",
            stats=Stats.of(part), baseline_name="the whole month report, warm desk",
            baseline=Stats.of(whole),
        ))  # fmt: skip
        actor = actor_of(next(s for s in list_staff(desk) if s.role.value == "duty_manager"))
        pages = []
        for _ in range(reps):
            pages.append(queue_page(desk, actor, Scope.HALL))
        page_ms = [_timed(lambda: queue_page(desk, actor, Scope.HALL)) for _ in range(reps)]
        page_ids = [r.id for r in pages[-1].rows]
        marks_ms = [_timed(lambda: extension_marks(desk, page_ids)) for _ in range(reps)]
        results.append(Result(
            bench="extensions", name=f"F4 page: extension marks of {len(page_ids)} rows",
            stats=Stats.of(marks_ms), baseline_name="queue_page (hall scope, first page)",
            baseline=Stats.of(page_ms),
        ))  # fmt: skip
        desk.close()
    finally:
        drop_copy(db)
    print(f"load after: {loadavg()}")
    for result in results:
        print_result(result)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    run(args.reps)
