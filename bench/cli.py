"""The command line: `deskapp --help`, an argument error, and a command that reads the store.

Each command is started as a whole process (the venv's Python, no shell), its output thrown
away, from start to exit; every repetition runs every command once, in turn, the order reversed
on odd repetitions, after one unmeasured round (byte-code and page caches).

* `deskapp --help` and `deskapp staff lis` (an unknown command: the usage error, exit 2):
  budget p95 < 100 ms (issue 22);
* `deskapp --db <copy of the 100k store> staff list`: budget ≤ 1.5× the baseline, on the median.

Baselines, in the same run: `python -c "import click, sqlalchemy, sqlmodel, pydantic_settings"`,
the libraries a command that reads the store truly needs (the parser, the store's SQL layer, the
tables' model classes, the settings with their sources: the project keeps pydantic-settings),
and, as the issue measured it, `python -c "import click, sqlalchemy"`.

Before issue 22, for comparison in the same run: the same commands with what the CLI used to
load at import preloaded (the whole sync package through services.hall_sync, tomlkit and
chinese_calendar), the code otherwise the same.

    python -m bench.cli [--reps 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import make_db
from bench.common import OUT, Result, Stats, drop_copy, loadavg, print_result, working_copy

BUDGET_RATIO = 1.5
BUDGET_FAST_MS = 100.0
PY = sys.executable
CLI = "from deskapp.cli import main; main()"
EAGER = "import deskapp.sync, deskapp.sync.run, deskapp.sync.conflicts, tomlkit, chinese_calendar; "
# Before startup22, the same code otherwise: a staff command loaded and checked every reference
# file (the deadline, cause and accountability rules behind them) when it opened the store.
EAGER_REFDATA = (
    "import deskapp.refdata.deadlines, deskapp.domain.accountability, deskapp.domain.categories; "
    "from deskapp.services import desk as _d; _open = _d.Desk.open.__func__; "
    "_d.Desk.open = classmethod("
    "lambda c, *a, **k: _open(c, *a, **{**k, 'check_reference': True})); "
)
NEEDED = "import click, sqlalchemy, sqlmodel, pydantic_settings"
ISSUE_BASE = "import click, sqlalchemy"


def _cli(*args: str, before: bool = False, eager_refdata: bool = False) -> list[str]:
    code = "import sys; sys.argv[0] = 'deskapp'; " + (EAGER if before else "")
    code += (EAGER_REFDATA if eager_refdata else "") + CLI
    return [PY, "-c", code, *args]


# The unmeasured round writes the byte-code caches an installed desk has (pip compiles on
# install), also where the environment says not to: otherwise every run compiles the desk's
# modules (cli.py alone is 1,000 lines) while the libraries of the baselines have theirs.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(cmd: list[str]) -> float:
    env = ENV
    if cmd and cmd[0].startswith("PYTHONPATH="):  # a checkout of the code before a change
        env = {**ENV, "PYTHONPATH": cmd[0].split("=", 1)[1]}
        cmd = cmd[1:]
    started = time.perf_counter()
    subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=OUT, check=False, env=env)  # fmt: skip
    return (time.perf_counter() - started) * 1000


def run(
    reps: int = 15, rows: int = make_db.DEFAULT_ROWS, before_root: Path | None = None
) -> list[Result]:
    """`before_root`: a checkout of the code before a change (a git worktree), whose commands
    run in turn with the others, its package first on PYTHONPATH (the before/after of a run)."""
    make_db.ensure_db(rows)
    db: Path = working_copy(make_db.db_path(rows), "cli")
    commands = {
        "help": _cli("--help"),
        "help before": _cli("--help", before=True),
        "usage": _cli("staff", "lis"),
        "usage before": _cli("staff", "lis", before=True),
        "list": _cli("--db", str(db), "staff", "list"),
        "list before": _cli("--db", str(db), "staff", "list", before=True),
        "list refdata": _cli("--db", str(db), "staff", "list", eager_refdata=True),
        **(
            {
                f"{name} base": [f"PYTHONPATH={before_root}", *cmd]
                for name, cmd in (
                    ("help", _cli("--help")),
                    ("usage", _cli("staff", "lis")),
                    ("list", _cli("--db", str(db), "staff", "list")),
                )
            }
            if before_root
            else {}
        ),
        "needed": [PY, "-c", NEEDED],
        "issue": [PY, "-c", ISSUE_BASE],
    }
    load_before = loadavg()
    samples: dict[str, list[float]] = {name: [] for name in commands}
    try:
        listed = subprocess.run(commands["list"], capture_output=True, text=True, cwd=OUT, env=ENV)
        if listed.returncode != 0 or not listed.stdout.strip():
            raise RuntimeError(f"deskapp staff list failed: {listed.stderr}")
        for cmd in commands.values():
            _time(cmd)  # unmeasured
        for i in range(reps):
            order = list(commands) if i % 2 == 0 else list(reversed(commands))
            for name in order:
                samples[name].append(_time(commands[name]))
    finally:
        drop_copy(db)
    stats = {name: Stats.of(values) for name, values in samples.items()}
    needed = "python -c 'import click, sqlalchemy, sqlmodel, pydantic_settings'"
    issue = stats["issue"]
    load = f"{load_before} / {loadavg()}"

    def base(name: str) -> dict[str, str]:
        if f"{name} base" not in stats:
            return {}
        was = stats[f"{name} base"]
        return {f"before ({before_root})": f"{was.brief()} ({was.p50 / stats['needed'].p50:.2f}×)"}

    return [
        Result(
            bench="cli", name="deskapp --db <100k store> staff list",
            stats=stats["list"], baseline_name=needed, baseline=stats["needed"],
            budget_kind="ratio_p50", budget=BUDGET_RATIO,
            notes={
                "before issue 22 (eager imports)": stats["list before"].brief(),
                "before startup22 (every reference file loaded and checked)":
                    f"{stats['list refdata'].brief()} "
                    f"({stats['list refdata'].p50 / stats['needed'].p50:.2f}×)",
                "against import click, sqlalchemy (the issue's yardstick)":
                    f"{issue.p50:.1f} ms p50: {stats['list'].p50 / issue.p50:.2f}× "
                    f"(before: {stats['list before'].p50 / issue.p50:.2f}×)",
                "load average before / after": load,
                **base("list"),
            },
        ),
        Result(
            bench="cli", name="deskapp --help", stats=stats["help"],
            baseline_name=needed, baseline=stats["needed"],
            budget_kind="p95_ms", budget=BUDGET_FAST_MS,
            notes={"before issue 22 (eager imports)": stats["help before"].brief(), **base("help")},
        ),
        Result(
            bench="cli", name="deskapp staff lis (usage error, exit 2)", stats=stats["usage"],
            baseline_name=needed, baseline=stats["needed"],
            budget_kind="p95_ms", budget=BUDGET_FAST_MS,
            notes={"before issue 22 (eager imports)": stats["usage before"].brief(),
                   **base("usage")},
        ),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    parser.add_argument(
        "--before-root", type=Path, default=None, help="a checkout of the code before a change"
    )
    args = parser.parse_args()
    for result in run(args.reps, args.rows, args.before_root):
        print_result(result)


if __name__ == "__main__":
    main()
