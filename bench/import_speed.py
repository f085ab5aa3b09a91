"""Import speed before and after a change, in the same run (issue 22: ≥ 5,000 rows/s).

    python -m bench.import_speed [--rows 100000] [--reps 2] [--before-root <checkout>]

The generated CSV of `bench.reports` (seed 7) is imported into a fresh store, each time in a
child process of the same interpreter: by this code and, when `--before-root` names a checkout
of the code before the change (a git worktree), by that code (its package first on
PYTHONPATH), in turn, so that drift in the machine's load hits both alike. Each child first
makes a dry run of the file (read, parse, check every row; nothing written): the baseline of
that import. Printed per import: wall and CPU time (the child's own and that of the processes
it waited for: an import's worker, issue 22), rows per second of each, the ratio to its dry
run, and the load average before and after: on a machine shared by other work, wall time is
the load's as much as the code's, CPU time less so."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import OUT, drop_copy, loadavg

# The child: only the importer's public API, which the code before the change has too.
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from deskapp.domain.enums import Role
from deskapp.services.desk import Desk
from deskapp.services.importer import import_file, importing_actor
from deskapp.services.staff import seed_staff
from deskapp.services.terminal import init_terminal
import deskapp

db, source, hall, tz = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
desk = Desk.open(db)
init_terminal(desk, hall, "T09", tz)
seed_staff(desk, "system:bench", [("1001", "张敏", Role.HANDLER, "1111")])
actor = importing_actor(desk, "1001", "1111")

def children():  # the CPU of the processes it started and waited for (a worker)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime

def timed(dry):
    wall, cpu = time.perf_counter(), time.process_time() + children()
    result = import_file(desk, actor, source, dry_run=dry)
    return time.perf_counter() - wall, time.process_time() + children() - cpu, result

dry_wall, dry_cpu, dry = timed(True)
wall, cpu, result = timed(False)
desk.close()
print(json.dumps({"code": str(Path(deskapp.__file__).parent), "rows": dry.rows,
                  "imported": len(result.imported), "problems": len(result.problems),
                  "dry_wall": dry_wall, "dry_cpu": dry_cpu, "wall": wall, "cpu": cpu,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def one(source: Path, name: str, before_root: Path | None) -> dict[str, object]:
    from bench import make_db

    db = OUT / f"work-import-speed-{name}.db"
    drop_copy(db)
    env = dict(os.environ)
    if before_root is not None:
        env["PYTHONPATH"] = str(before_root)
    load = loadavg()
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(db), str(source), make_db.HALL, make_db.TZ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=OUT,
        )  # fmt: skip (cwd: not this checkout, which would come first on sys.path)
    finally:
        drop_copy(db)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures.update(name=name, load=f"{load} / {loadavg()}")
    return figures


def line(f: dict) -> str:
    imported, wall, cpu = f["imported"], f["wall"], f["cpu"]
    return (
        f"{f['name']:>6}: {imported:,} rows in {wall:.1f} s wall ({imported / wall:,.0f} rows/s), "
        f"{cpu:.1f} s CPU ({imported / cpu:,.0f} rows/s); dry run {f['dry_wall']:.1f} s wall "
        f"({f['rows'] / f['dry_wall']:,.0f} rows/s), {f['dry_cpu']:.1f} s CPU; import/dry "
        f"{wall / f['dry_wall']:.1f}× wall, {cpu / f['dry_cpu']:.1f}× CPU; load {f['load']}"
    )


def main() -> None:
    from bench.reports import write_import_csv

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--before-root", type=Path, default=None)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"import-speed-{args.rows}.csv"
    write_import_csv(source, args.rows)
    runs: list[dict] = []
    try:
        for rep in range(args.reps):
            order = [("after", None)]
            if args.before_root is not None:
                order.append(("before", args.before_root))
            for name, root in order if rep % 2 == 0 else reversed(order):
                runs.append(one(source, name, root))
                print(line(runs[-1]), f"[{runs[-1]['code']}]", flush=True)
    finally:
        source.unlink(missing_ok=True)
    for name in ("before", "after"):
        mine = [r for r in runs if r["name"] == name]
        if mine:
            wall = sum(r["wall"] for r in mine) / len(mine)
            cpu = sum(r["cpu"] for r in mine) / len(mine)
            rows = mine[0]["imported"]
            print(f"{name} (mean of {len(mine)}): {rows / wall:,.0f} rows/s wall, "
                  f"{rows / cpu:,.0f} rows/s CPU")  # fmt: skip


if __name__ == "__main__":
    main()
