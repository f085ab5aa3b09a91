"""Reports and import on the 100k store (budget: the month report p95 ≤ 300 ms, issue 22).

* **month report**: `build_report` for the hall over the last whole month before the store was
  built (about 2,800 complaints received in it, ~5,000 handled in it, every figure including
  the timeliness and overdue replays of their events), each run on a freshly opened Desk so
  the working-time calendar's memo starts cold, as when the screen first opens;
* before issue 22, in the same run: the same month computed in full (`memo_on=False`: every
  ticket replayed from its events), cold desks; then the first report on the store as built
  (its memo empty: every history replayed and kept), once;
* the same month again on a desk that has computed it once (warm calendar);
* **week report** and the **xlsx export** of the month (no budget);
* **import of 100,000 rows** from a generated CSV into a fresh staffed store: rows per second,
  then the same file again (every row skipped), and a dry run (read and check only).

Baselines: for the reports, the query that reads the month's complaints (the rows every figure
starts from), so the ratio is what the indicators cost beyond reading them; for the import,
the dry run of the same file, so the ratio is what writing costs beyond parsing and checking.

    python -m bench.reports [--reps 7] [--import-rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import make_db
from bench.common import OUT, Result, Stats, drop_copy, loadavg, print_result, working_copy

BUDGET_P95_MS = 300.0
IMPORT_ROWS = 100_000


def _month_before(built_at: str, tz: ZoneInfo) -> date:
    built = datetime.fromisoformat(built_at).astimezone(tz).date()
    first = built.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    value = call()
    return (time.perf_counter() - started) * 1000, value


def run_reports(reps: int = 7, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    import sqlalchemy as sa

    from deskapp.domain.indicators import month_of, week_of
    from deskapp.services import exports
    from deskapp.services.desk import Desk
    from deskapp.services.reports import ReportRequest, build_report, resolve_scope
    from deskapp.store.models import Complaint

    manifest = make_db.ensure_db(rows)
    db: Path = working_copy(make_db.db_path(rows), "reports")
    load_before = loadavg()
    tz = ZoneInfo(make_db.TZ)
    month = month_of(_month_before(manifest["built_at"], tz))
    week = week_of(month.first + timedelta(days=14))
    request = ReportRequest(month)
    results: list[Result] = []
    try:
        # Baseline: the rows of the month, read as the report reads them.
        base: list[float] = []
        for _ in range(reps):
            desk = Desk.open(db)
            scope = resolve_scope(desk, request)
            start, end = month.bounds(desk.tz)
            stmt = sa.select(Complaint.id, Complaint.received_at, Complaint.closed_at,
                             Complaint.status).where(
                Complaint.hall_code.in_(scope.halls), Complaint.received_at < end,
                sa.or_(Complaint.closed_at.is_(None), Complaint.closed_at >= start))  # fmt: skip

            def read(desk: Desk = desk, stmt: sa.Select = stmt) -> list:
                with desk.read() as session:
                    return session.execute(stmt).all()

            ms, _ = _timed(read)
            base.append(ms)
            desk.close()
        baseline = Stats.of(base)
        baseline_name = "read the month's complaint rows (same filter, same Desk session path)"

        full: list[float] = []
        for _ in range(reps):
            desk = Desk.open(db)
            desk.terminal()
            full.append(_timed(lambda desk=desk: build_report(desk, request, memo_on=False))[0])
            desk.close()
        desk = Desk.open(db)
        desk.terminal()
        first_ms, _ = _timed(lambda desk=desk: build_report(desk, request))
        desk.close()

        cold: list[float] = []
        report = None
        for _ in range(reps):
            desk = Desk.open(db)
            desk.terminal()
            ms, report = _timed(lambda desk=desk: build_report(desk, request))
            cold.append(ms)
            desk.close()
        assert report is not None
        f = report.figures  # type: ignore[attr-defined]
        results.append(Result(
            bench="reports", name="month report, full computation (before issue 22), cold desk",
            stats=Stats.of(full), baseline_name=baseline_name, baseline=baseline,
        ))  # fmt: skip
        results.append(Result(
            bench="reports", name="month report, first on the built store (memo filled)",
            stats=Stats.of([first_ms]), baseline_name=baseline_name, baseline=baseline,
        ))  # fmt: skip
        results.append(Result(
            bench="reports", name=f"month report {month.first:%Y-%m}, cold desk",
            stats=Stats.of(cold), baseline_name=baseline_name, baseline=baseline,
            budget_kind="p95_ms", budget=BUDGET_P95_MS,
            notes={
                "figures": f"received {f.received:,}, closed {f.closed:,}, timely "
                           f"{f.timely.num}/{f.timely.den}, overdue tickets "
                           f"{f.overdue_tickets:,} ({f.overdue_days:,.0f} ticket-days)",
                "tables": ", ".join(f"{t.key} {len(t.rows)}" for t in report.tables),  # type: ignore[attr-defined]
            },
        ))  # fmt: skip

        desk = Desk.open(db)
        try:
            build_report(desk, request)
            warm = [_timed(lambda: build_report(desk, request))[0] for _ in range(reps)]
            results.append(Result(
                bench="reports", name="month report, warm desk (calendar memo filled)",
                stats=Stats.of(warm), baseline_name=baseline_name, baseline=baseline,
                budget_kind="p95_ms", budget=BUDGET_P95_MS,
            ))  # fmt: skip
            weekly = [_timed(lambda: build_report(desk, ReportRequest(week)))[0]
                      for _ in range(reps)]  # fmt: skip
            results.append(Result(
                bench="reports", name=f"week report {week.first:%m-%d}–{week.last:%m-%d}",
                stats=Stats.of(weekly), baseline_name=baseline_name, baseline=baseline,
            ))  # fmt: skip
            target = OUT / "bench-report.xlsx"
            xlsx: list[float] = []
            size = 0
            for _ in range(reps):
                # (an export never overwrites a file: it picks a free name, removed each time)
                ms, written = _timed(lambda: exports.write_xlsx(report, target))  # type: ignore[arg-type]
                xlsx.append(ms)
                size = written.stat().st_size  # type: ignore[attr-defined]
                written.unlink(missing_ok=True)  # type: ignore[attr-defined]
            results.append(Result(
                bench="reports", name="export the month report to xlsx",
                stats=Stats.of(xlsx), baseline_name=baseline_name, baseline=baseline,
                notes={"file": f"{size / 1024:.0f} KiB"},
            ))  # fmt: skip
        finally:
            desk.close()
    finally:
        drop_copy(db)
    results[2].notes["load average before / after"] = f"{load_before} / {loadavg()}"
    return results


# ------------------------------------------------------------------------------------ import

_CONTENT = ["家里没有信号,打电话要跑到阳台", "账单多出一笔漫游费", "被开通了视频彩铃",
            "宽带经常断线", "缴费后没有到账", "营业厅排队太久"]  # fmt: skip


def write_import_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A hotline/legacy export: 90 % closed history over two years, 5 % visited, 5 % open."""
    from deskapp.refdata import RefData

    rng = random.Random(seed)
    causes = [p.code for p in RefData().causes.intake_paths()]
    now = datetime.now(UTC).astimezone(ZoneInfo(make_db.TZ)).replace(tzinfo=None)
    header = ["受理时间", "渠道", "客户姓名", "联系电话", "投诉内容", "客户诉求", "投诉类别",
              "状态", "结案时间", "处理结果", "满意度", "外部工单号", "来源系统"]  # fmt: skip
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for i in range(rows):
            received = now - timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60))
            state = rng.choices(["已结案", "已回访", "处理中"], [90, 5, 5])[0]
            closed = received + timedelta(hours=rng.randint(1, 200))
            done = state != "处理中" and closed < now
            if not done:
                state = "处理中"
            out.writerow([
                f"{received:%Y-%m-%d %H:%M}", rng.choice(["10086下单", "现场", "电话", "网上"]),
                rng.choice("王李张刘陈杨黄赵") + rng.choice(["先生", "女士"]),
                f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
                rng.choice(_CONTENT), "尽快处理", rng.choice(causes), state,
                f"{closed:%Y-%m-%d %H:%M}" if done else "", "已处理" if done else "",
                rng.choice(["满意", "基本满意", "不满意"]) if done else "", f"HL{i:07d}", "10086",
            ])  # fmt: skip


COMPARE_ROWS = 10_000


def run_import(rows: int = IMPORT_ROWS, compare_rows: int = COMPARE_ROWS) -> list[Result]:
    from deskapp.domain.enums import Role
    from deskapp.services.desk import Desk
    from deskapp.services.importer import import_file, importing_actor
    from deskapp.services.staff import seed_staff
    from deskapp.services.terminal import init_terminal

    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"import-{rows}.csv"
    write_import_csv(source, rows)
    db = OUT / "work-import.db"
    drop_copy(db)
    load_before = loadavg()
    desk = Desk.open(db)
    try:
        init_terminal(desk, make_db.HALL, "T09", make_db.TZ)
        seed_staff(desk, "system:bench", [("1001", "张敏", Role.HANDLER, "1111")])
        actor = importing_actor(desk, "1001", "1111")
        dry_ms, dry = _timed(lambda: import_file(desk, actor, source, dry_run=True))
        first_ms, first = _timed(lambda: import_file(desk, actor, source))
        again_ms, again = _timed(lambda: import_file(desk, actor, source))
    finally:
        desk.close()
        drop_copy(db)
        source.unlink(missing_ok=True)
    compared = _compare_writers(compare_rows)
    baseline = Stats.of([dry_ms])
    name = "dry run of the same file (read, parse, check every row; nothing written)"
    imported = len(first.imported)  # type: ignore[attr-defined]
    skipped = len(again.skipped)  # type: ignore[attr-defined]
    return [
        Result(
            bench="import", name=f"import {rows:,} rows (CSV) into a fresh store",
            stats=Stats.of([first_ms]), baseline_name=name, baseline=baseline,
            notes={
                "rows per second": f"{imported / (first_ms / 1000):,.0f} "
                                   f"({imported:,} imported, "
                                   f"{len(first.problems):,} problems)",  # type: ignore[attr-defined]
                "dry run rows per second": f"{dry.rows / (dry_ms / 1000):,.0f}",  # type: ignore[attr-defined]
                "load average before / after": f"{load_before} / {loadavg()}",
            },
        ),
        Result(
            bench="import", name=f"the same {rows:,} rows again (all skipped)",
            stats=Stats.of([again_ms]), baseline_name=name, baseline=baseline,
            notes={"rows per second": f"{skipped / (again_ms / 1000):,.0f} ({skipped:,} skipped)"},
        ),
        *compared,
    ]  # fmt: skip


def _compare_writers(rows: int) -> list[Result]:
    """Before and after issue 22 in the same run: `rows` rows of the same file imported into
    two fresh stores, through ORM objects (`orm=True`, as before) and as whole rows with their
    change log (store/changelog.py `logged_inserts`), alternately; baseline the dry run."""
    from deskapp.domain.enums import Role
    from deskapp.services.desk import Desk
    from deskapp.services.importer import import_file, importing_actor
    from deskapp.services.staff import seed_staff
    from deskapp.services.terminal import init_terminal

    source = OUT / f"import-compare-{rows}.csv"
    write_import_csv(source, rows, seed=11)
    times: dict[str, float] = {}
    try:
        for name in ("orm", "bulk", "dry"):
            db = OUT / f"work-import-{name}.db"
            drop_copy(db)
            desk = Desk.open(db)
            try:
                init_terminal(desk, make_db.HALL, "T09", make_db.TZ)
                seed_staff(desk, "system:bench", [("1001", "张敏", Role.HANDLER, "1111")])
                actor = importing_actor(desk, "1001", "1111")
                times[name], _ = _timed(lambda desk=desk, actor=actor, name=name: import_file(
                    desk, actor, source, orm=name == "orm", dry_run=name == "dry"))  # fmt: skip
            finally:
                desk.close()
                drop_copy(db)
    finally:
        source.unlink(missing_ok=True)
    base = Stats.of([times["dry"]])
    name = f"dry run of the same {rows:,} rows"
    return [
        Result(bench="import", name=f"{rows:,} rows through ORM objects (before issue 22)",
               stats=Stats.of([times["orm"]]), baseline_name=name, baseline=base,
               notes={"rows per second": f"{rows / (times['orm'] / 1000):,.0f}"}),
        Result(bench="import", name=f"the same {rows:,} rows as whole rows (after)",
               stats=Stats.of([times["bulk"]]), baseline_name=name, baseline=base,
               notes={"rows per second": f"{rows / (times['bulk'] / 1000):,.0f}",
                      "speed-up": f"{times['orm'] / times['bulk']:.2f}×"}),
    ]  # fmt: skip


def run(reps: int = 7, rows: int = make_db.DEFAULT_ROWS,
        import_rows: int = IMPORT_ROWS) -> list[Result]:  # fmt: skip
    return [*run_reports(reps, rows), *run_import(import_rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS)
    parser.add_argument("--no-import", action="store_true", help="only the reports")
    args = parser.parse_args()
    print("reports: the month report and the import on the generated store")
    results = run_reports(args.reps, args.rows)
    if not args.no_import:
        results += run_import(args.import_rows)
    for result in results:
        print_result(result)


if __name__ == "__main__":
    main()
