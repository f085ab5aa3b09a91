"""Every benchmark in turn, then one table of figures against their budgets (`make bench`).

    python -m bench.run_all [--quick] [--rows 100000]

--quick uses fewer repetitions (a look, not a measurement to quote). Raw figures are written
to bench/out/results.json. The exit status is 0 even when a budget is missed: the benchmarks
report, they do not gate (docs/architecture.md, Tests and checks)."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

from bench import (
    batch_close,
    cli,
    customer,
    intake_save,
    make_db,
    queue,
    quit,
    reports,
    search,
    signin_intake,
    startup,
)
from bench.common import RESULTS, Result, machine_info, print_result, save_results, summary_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    args = parser.parse_args()
    reps, saves, queries = (3, 60, 40) if args.quick else (7, 300, 200)

    started = time.perf_counter()
    info = machine_info()
    print(
        f"bench: {info['cpu_model']} ×{info['cpus']}, Python {info['python']}, "
        f"SQLite {info['sqlite']}, load average {info['loadavg']}"
    )
    manifest = make_db.ensure_db(args.rows)
    results: list[Result] = []
    steps = [
        ("startup", lambda: startup.run(reps, args.rows)),
        ("signin_intake", lambda: signin_intake.run(reps, args.rows)),
        ("quit", lambda: quit.run(reps, args.rows)),
        ("cli", lambda: cli.run(7 if args.quick else 15, args.rows)),
        ("intake_save", lambda: intake_save.run(saves, args.rows)),
        ("search", lambda: search.run(queries, args.rows)),
        ("queue", lambda: queue.run(queries, reps, args.rows)),
        ("customer", lambda: customer.run(queries, args.rows)),
        ("batch_close", lambda: batch_close.run(2 if args.quick else 3, args.rows)),
        (
            "reports",
            lambda: reports.run(reps, args.rows, 20_000 if args.quick else reports.IMPORT_ROWS),
        ),
    ]
    for name, step in steps:
        print(f"\n== {name}")
        for result in step():
            print_result(result)
            results.append(result)

    print(f"\n== summary ({args.rows:,} complaints; ratio = p50 / baseline p50)")
    print(summary_table(results))
    generated = "reused" if manifest.get("reused") else "generated"
    print(
        f"\nstore: {generated} {make_db.db_path(args.rows).name}, built in "
        f"{manifest['seconds']:.1f} s ({manifest['bytes'] / 2**20:.0f} MiB)"
    )
    failed = [r for r in results if r.passed is False]
    print(
        f"budgets: {sum(r.passed is True for r in results)} pass, {len(failed)} fail"
        + (": " + "; ".join(f"{r.bench}: {r.name}" for r in failed) if failed else "")
    )
    save_results(
        results,
        extra={
            "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": args.quick,
            "store": {k: manifest[k] for k in ("key", "built_at", "seconds", "bytes", "tables")},
            "seconds": time.perf_counter() - started,
        },
    )
    print(f"raw results: {RESULTS.relative_to(RESULTS.parents[2])}")


if __name__ == "__main__":
    main()
