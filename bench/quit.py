"""Quit: from Ctrl+Q to the end of the process, for a handler who signed in and worked.

The desk (`.venv/bin/deskapp --db <copy of the 100k store>`) and the baseline
(bench/minimal_app.py) are started as whole processes in a pseudo-terminal of 100×30, as in
bench/startup.py, alternately. The desk is signed in (work number and PIN typed, Enter) and the
intake form drawn; the baseline shows its one Input. Both are then left alone for SETTLE
seconds, so that the work a screen starts behind it (opening the store, warming the cause
index, reading preferences, the deadline watch) has finished, as at a counter where the desk
has been open a while. Then Ctrl+Q is typed and the clock runs until the process has ended
(reaped by the benchmark): everything the desk does on the way out counts (drafts, workers,
closing the store, the log, the interpreter's own shutdown).

Budget (issue 22): the desk ≤ 1.5× the minimal app, on the median.

    python -m bench.quit [--reps 7]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time

from bench import make_db
from bench.common import (
    ROOT,
    VENV_BIN,
    Result,
    Stats,
    drop_copy,
    loadavg,
    print_result,
    working_copy,
)
from bench.startup import COLUMNS, DESK_MARKERS, LINES, MINIMAL_MARKERS, Screen

BUDGET_RATIO = 1.5
SETTLE = 2.0
TIMEOUT = 60.0
DESK_CMD = [str(VENV_BIN / "deskapp")]
# The same desk with `gc.freeze` made a no-op: the exit as it was before issue 22, measured in
# the same run for comparison (the code is otherwise the same).
UNFROZEN_CMD = [
    sys.executable,
    "-c",
    "import gc, sys; gc.freeze = lambda: None; sys.argv[0] = 'deskapp'; "
    "from deskapp.cli import main; main()",
]
INTAKE_MARKERS = ("客户姓名", "联系电话", "投诉内容")


class _Pty:
    def __init__(self, cmd: list[str], extra_env: dict[str, str] | None = None) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DESKAPP_", "TEXTUAL", "COLUMNS", "LINES"))
        }
        env.update(TERM="xterm-256color", COLORTERM="", PYTHONUNBUFFERED="1", **(extra_env or {}))
        self.screen = Screen()
        self.proc = subprocess.Popen(
            cmd,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)

    def pump(self, seconds: float) -> None:
        if select.select([self.master], [], [], seconds)[0]:
            with contextlib.suppress(OSError):
                self.screen.feed(os.read(self.master, 65536))

    def wait_for(self, markers: tuple[str, ...], since: int = 0) -> None:
        deadline = time.perf_counter() + TIMEOUT
        while not all(m in self.screen.text[since:] for m in markers):
            if time.perf_counter() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"never drew {markers}; it drew:\n{self.screen.text[-2000:]}")
            self.pump(0.01)

    def settle(self, seconds: float) -> None:
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            self.pump(0.01)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def quit_ms(self) -> float:
        """Ctrl+Q, then the time until the process has ended."""
        self.type("\x11")
        started = time.perf_counter()
        while self.proc.poll() is None:
            if time.perf_counter() - started > TIMEOUT:
                raise RuntimeError("still running after Ctrl+Q")
            self.pump(0.001)
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        os.close(self.master)


def quit_desk(db: str, cmd: list[str] = DESK_CMD) -> float:
    app = _Pty([*cmd, "--db", db])
    try:
        app.wait_for(DESK_MARKERS)
        app.settle(0.5)  # the store opens behind the sign-in screen
        mark = len(app.screen.text)
        app.type(make_db.SIGNIN.work_no + "\r")
        app.settle(0.2)
        app.type(make_db.SIGNIN.pin + "\r")
        app.wait_for(INTAKE_MARKERS, mark)
        app.settle(SETTLE)
        return app.quit_ms()
    finally:
        app.close()


def quit_minimal() -> float:
    app = _Pty([sys.executable, "-m", "bench.minimal_app"])
    try:
        app.wait_for(MINIMAL_MARKERS)
        app.settle(SETTLE)
        return app.quit_ms()
    finally:
        app.close()


def run(reps: int = 7, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    manifest = make_db.ensure_db(rows)
    db = working_copy(make_db.db_path(rows), "quit")
    load_before = loadavg()
    try:
        quit_desk(str(db))  # unmeasured: byte-code and page caches
        quit_minimal()
        desk: list[float] = []
        unfrozen: list[float] = []
        minimal: list[float] = []
        for i in range(reps):
            order = ("desk", "unfrozen", "minimal")
            for name in order if i % 2 == 0 else reversed(order):
                if name == "desk":
                    desk.append(quit_desk(str(db)))
                elif name == "unfrozen":
                    unfrozen.append(quit_desk(str(db), UNFROZEN_CMD))
                else:
                    minimal.append(quit_minimal())
            print(
                f"quit: rep {i + 1}/{reps}: desk {desk[-1]:.0f} ms, without the freeze "
                f"{unfrozen[-1]:.0f} ms, minimal {minimal[-1]:.0f} ms",
                flush=True,
            )
    finally:
        drop_copy(db)
    return [
        Result(
            bench="quit",
            name="Ctrl+Q → process ended (signed in, intake form shown)",
            stats=Stats.of(desk),
            baseline_name="minimal Textual app, one Input",
            baseline=Stats.of(minimal),
            budget_kind="ratio_p50",
            budget=BUDGET_RATIO,
            notes={
                "store": f"{manifest['tables']['complaint']:,} complaints",
                "before (the same desk without gc.freeze), p50 / p95": (
                    f"{Stats.of(unfrozen).p50:.0f} / {Stats.of(unfrozen).p95:.0f} ms, "
                    f"{Stats.of(unfrozen).p50 / Stats.of(minimal).p50:.2f}× the minimal app"
                ),
                "load average before / after": f"{load_before} / {loadavg()}",
            },
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    args = parser.parse_args()
    print("quit: Ctrl+Q → exit, desk vs minimal app, whole processes in a pseudo-terminal")
    for result in run(args.reps, args.rows):
        print_result(result)


if __name__ == "__main__":
    main()
