"""Quit while another program holds the store: from Ctrl+Q to the process ended, or to the
question the desk asks when a draft could not be written (answered Y at once: the time until
the process ended is noted beside it).

The desk (`.venv/bin/deskapp --db <copy of the 100k store>`) is started in a pseudo-terminal as
in bench/quit.py, signed in, and "张三" typed in the intake form; after SETTLE seconds (its draft
written) a second process takes the store's write lock (BEGIN IMMEDIATE) and keeps it. Two cases:

* kept: Ctrl+Q at once (the draft in the store holds what is typed);
* typed while held: "李四" typed, then Ctrl+Q 0.3 s later (the draft could not be written).

The baseline is the same desk's Ctrl+Q on a free store, in turn with the others (issue 22: the
quit waited the store's 10 s busy timeout for each draft it wrote, 10 s and more).

    python -m bench.quit_locked [--reps 5] [--before-root DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import make_db
from bench.common import Result, Stats, drop_copy, loadavg, print_result, working_copy
from bench.quit import DESK_CMD, INTAKE_MARKERS, _Pty
from bench.startup import DESK_MARKERS

SETTLE = 2.0
ASKED = "仍然退出"  # the question's button (app.quit_anyway)
HOLD = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0); "
    "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); sys.stdin.readline()"
)


def quit_once(db: Path, case: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(Ctrl+Q → ended or asked, Ctrl+Q → ended) in ms."""
    app = _Pty([*DESK_CMD, "--db", str(db)], env)
    holder = None
    try:
        app.wait_for(DESK_MARKERS)
        app.settle(0.5)
        mark = len(app.screen.text)
        app.type(make_db.SIGNIN.work_no + "\r")
        app.settle(0.2)
        app.type(make_db.SIGNIN.pin + "\r")
        app.wait_for(INTAKE_MARKERS, mark)
        app.settle(SETTLE)
        app.type("张三")
        app.settle(SETTLE)
        if case != "free":
            holder = subprocess.Popen(
                [sys.executable, "-c", HOLD, str(db)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        if case == "typed while held":
            app.type("李四")
            app.settle(0.3)
        mark = len(app.screen.text)
        app.type("\x11")
        started = time.perf_counter()
        answered = None
        while app.proc.poll() is None:
            if time.perf_counter() - started > 60:
                raise RuntimeError("still running 60 s after Ctrl+Q")
            app.pump(0.001)
            if answered is None and ASKED in app.screen.text[mark:]:
                answered = time.perf_counter()
                app.type("y")
        ended = time.perf_counter()
        return ((answered or ended) - started) * 1000, (ended - started) * 1000
    finally:
        app.close()
        if holder is not None:
            holder.kill()
            holder.wait()


def run(reps: int = 5, rows: int = make_db.DEFAULT_ROWS, before_root: Path | None = None):
    make_db.ensure_db(rows)
    load_before = loadavg()
    cases = ["free", "kept", "typed while held"]
    runs = {"": {c: [] for c in cases}, "before": {c: [] for c in cases}}
    variants = [("", None)]
    if before_root:
        variants.append(("before", {"PYTHONPATH": str(before_root)}))
    for i in range(reps):
        for case in cases if i % 2 == 0 else reversed(cases):
            for name, env in variants:
                db = working_copy(make_db.db_path(rows), "quitlocked")
                try:
                    runs[name][case].append(quit_once(db, case, env))
                finally:
                    drop_copy(db)
        print(f"quit_locked: rep {i + 1}/{reps}", flush=True)
    free = Stats.of([a for a, _ in runs[""]["free"]])
    results = []
    for case in ("kept", "typed while held"):
        notes = {"Ctrl+Q → ended, p50": f"{Stats.of([e for _, e in runs[''][case]]).p50:.0f} ms",
                 "load average before / after": f"{load_before} / {loadavg()}"}  # fmt: skip
        if before_root:
            was = Stats.of([a for a, _ in runs["before"][case]])
            notes[f"before ({before_root})"] = was.brief()
        results.append(Result(bench="quit_locked",
                              name=f"Ctrl+Q → ended or asked, store held ({case})",
                              stats=Stats.of([a for a, _ in runs[""][case]]),
                              baseline_name="the desk's Ctrl+Q on a free store", baseline=free,
                              notes=notes))  # fmt: skip
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    parser.add_argument("--before-root", type=Path, default=None)
    args = parser.parse_args()
    for result in run(args.reps, args.rows, args.before_root):
        print_result(result)


if __name__ == "__main__":
    os.environ.pop("DESKAPP_DB", None)
    main()
