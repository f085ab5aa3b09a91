"""Sign-in → intake: from a successful sign-in to the intake form ready to type.

The real DeskApp runs in-process under `App.run_test()` (headless, 100×30) on the 100k store;
the Pilot types the work number and PIN and presses Enter. "Ready" is: the active screen is the
IntakeScreen, its first Input (#customer_name) has focus, and the screen has refreshed once
after that (a callback queued with `call_after_refresh` has run). Observed by a task polling
every millisecond in the app's own event loop.

Figures, each the median of fresh processes (a new Python per repetition, as at the counter,
where the first sign-in after start pays for imports such as pypinyin):

* signed in → intake ready: from the moment the sign-in screen hands the actor to the app
  (`DeskApp.signed_in`) to ready. Baseline: the minimal app (bench/minimal_app.py) switching
  to a mode whose screen holds one Input, measured the same way.
* Enter → intake ready: the same, plus checking the PIN (scrypt in a thread worker).
* first key after ready: a letter typed as soon as the form is ready, until it is in the
  input and the screen has refreshed (background work started by the form competes here).
* typing, per key: a 13-letter name typed into the same input once the form's background
  work has finished, each key until it is shown (the form validates on every change).

Headless: the terminal output is not written; everything up to it (layout, compositing) is.

    python -m bench.signin_intake [--reps 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench import make_db
from bench.common import (
    ROOT,
    Result,
    Stats,
    after_refresh,
    drop_copy,
    loadavg,
    print_result,
    until,
    working_copy,
)

SIZE = (100, 30)
BUDGET_RATIO_P95 = 4.0  # issue 22: p95 of the figure over p95 of the baseline
# Seconds between two keys of the work number and PIN: a fast typist (about eight keys a
# second), so that what the desk does while the PIN is typed has the time it has at a counter.
KEY_PACE = 0.12


async def _ready_at(app, screen_type: type, input_id: str) -> float:
    """perf_counter() when `screen_type` is active with `input_id` focused and refreshed."""

    def ready() -> bool:
        screen = app.screen
        focused = app.focused
        return (
            isinstance(screen, screen_type)
            and screen.is_mounted
            and focused is not None
            and focused.id == input_id
        )

    await until(ready)
    return await after_refresh(app)


async def _key_ms(app, pilot, input_id: str, key: str = "a") -> float:
    """Milliseconds from typing one letter into the focused input to it being shown."""
    widget = app.screen.query_one(f"#{input_id}")
    before = widget.value
    started = time.perf_counter()
    press = asyncio.create_task(pilot.press(key))
    await until(lambda: widget.value != before)
    shown = await after_refresh(app)
    await press
    return (shown - started) * 1000


async def _typing_ms(app, pilot, input_id: str) -> list[float]:
    """Per-key latency of a name typed once the screen's background work has finished."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    return [await _key_ms(app, pilot, input_id, key) for key in "zhangxiaoming"]


async def one_desk(db: Path, work_no: str, pin: str, kind: str = "desk") -> dict:
    from bench.settings import settings_for
    from deskapp.screens.app import DeskApp, make_app
    from deskapp.screens.signin import SignInScreen
    from deskapp.services.desk import Actor, Desk

    if kind == "desk-cold":  # before issue 22: nothing is prepared while the PIN is typed
        SignInScreen.warm_intake = lambda self: None  # type: ignore[method-assign]
    if kind == "desk-unbuilt":  # the form's code warmed, the form not built beneath
        DeskApp.prepare_intake = lambda self: None  # type: ignore[method-assign]

    desk = Desk.open(db)  # open before the app, as the sign-in screen's worker has it by then
    app = make_app(settings_for(db), desk=desk)
    signed_in = app.signed_in
    signed_in_at: list[float] = []

    def timed_signed_in(actor: Actor) -> None:
        signed_in_at.append(time.perf_counter())
        signed_in(actor)

    app.signed_in = timed_signed_in  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await _ready_at(app, SignInScreen, "work_no")
        for key in (*work_no, "enter", *pin):  # a fast typist's pace
            await pilot.press(key)
            await asyncio.sleep(KEY_PACE)
        from deskapp.screens.intake import IntakeScreen

        enter_at = time.perf_counter()
        waiter = asyncio.create_task(_ready_at(app, IntakeScreen, "customer_name"))
        await pilot.press("enter")
        ready_at = await waiter
        first_key_ms = await _key_ms(app, pilot, "customer_name")
        assert signed_in_at, "sign-in failed"
        return {
            "enter_to_ready_ms": (ready_at - enter_at) * 1000,
            "signed_in_to_ready_ms": (ready_at - signed_in_at[0]) * 1000,
            "first_key_ms": first_key_ms,
            "typing_ms": await _typing_ms(app, pilot, "customer_name"),
        }


async def one_baseline() -> dict:
    from textual.widgets import Input

    from bench.minimal_app import MinimalApp, TrivialScreen

    app = MinimalApp()
    async with app.run_test(size=SIZE) as pilot:
        await _ready_at(app, type(app.screen), "first")
        started = time.perf_counter()
        waiter = asyncio.create_task(_ready_at(app, TrivialScreen, "only"))
        app.switch_mode("trivial")
        ready_at = await waiter
        assert isinstance(app.focused, Input)
        first_key_ms = await _key_ms(app, pilot, "only")
        return {
            "switch_to_ready_ms": (ready_at - started) * 1000,
            "first_key_ms": first_key_ms,
            "typing_ms": await _typing_ms(app, pilot, "only"),
        }


def _clear_drafts(db: Path) -> None:
    """Every repetition signs in with no saved form waiting (no "restore draft?" dialog)."""
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM draft")


def _in_fresh_process(*args: str) -> dict:
    if args[:2] in (("--one", "desk"), ("--one", "desk-cold"), ("--one", "desk-unbuilt")):
        _clear_drafts(Path(args[2]))
    proc = subprocess.run(
        [sys.executable, "-m", "bench.signin_intake", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"signin_intake {args}: failed\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(reps: int = 7, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    manifest = make_db.ensure_db(rows)
    db = working_copy(make_db.db_path(rows), "signin")
    work_no, pin = manifest["signin"]["work_no"], manifest["signin"]["pin"]
    load_before = loadavg()
    desk: list[dict] = []
    cold: list[dict] = []
    unbuilt: list[dict] = []
    base: list[dict] = []
    try:
        _in_fresh_process("--one", "desk", str(db), work_no, pin)  # warm-up, not counted
        _in_fresh_process("--one", "baseline")
        for i in range(reps):
            desk.append(_in_fresh_process("--one", "desk", str(db), work_no, pin))
            cold.append(_in_fresh_process("--one", "desk-cold", str(db), work_no, pin))
            unbuilt.append(_in_fresh_process("--one", "desk-unbuilt", str(db), work_no, pin))
            base.append(_in_fresh_process("--one", "baseline"))
            print(
                f"signin_intake: rep {i + 1}/{reps}: signed in → intake ready "
                f"{desk[-1]['signed_in_to_ready_ms']:.0f} ms (not built beneath: "
                f"{unbuilt[-1]['signed_in_to_ready_ms']:.0f} ms, nothing warmed: "
                f"{cold[-1]['signed_in_to_ready_ms']:.0f} ms), baseline "
                f"{base[-1]['switch_to_ready_ms']:.0f} ms",
                flush=True,
            )
    finally:
        drop_copy(db)
    baseline = Stats.of([b["switch_to_ready_ms"] for b in base])
    baseline_name = "minimal app: switch to a screen with one Input"
    notes = {
        "store": f"{manifest['tables']['complaint']:,} complaints",
        "load average before / after": f"{load_before} / {loadavg()}",
    }
    return [
        Result(
            bench="signin_intake",
            name="signed in → intake ready",
            stats=Stats.of([d["signed_in_to_ready_ms"] for d in desk]),
            baseline_name=baseline_name,
            baseline=baseline,
            budget_kind="ratio_p95",
            budget=BUDGET_RATIO_P95,
            notes=notes,
        ),
        Result(
            bench="signin_intake",
            name="signed in → intake ready, form not built beneath the sign-in (code warmed)",
            stats=Stats.of([d["signed_in_to_ready_ms"] for d in unbuilt]),
            baseline_name=baseline_name,
            baseline=baseline,
        ),
        Result(
            bench="signin_intake",
            name="signed in → intake ready, nothing warmed (before issue 22)",
            stats=Stats.of([d["signed_in_to_ready_ms"] for d in cold]),
            baseline_name=baseline_name,
            baseline=baseline,
        ),
        Result(
            bench="signin_intake",
            name="Enter on PIN → intake ready",
            stats=Stats.of([d["enter_to_ready_ms"] for d in desk]),
            baseline_name=baseline_name,
            baseline=baseline,
            notes={"includes": "PIN check (scrypt) in a thread worker"},
        ),
        Result(
            bench="signin_intake",
            name="first key on the new intake form",
            stats=Stats.of([d["first_key_ms"] for d in desk]),
            baseline_name="first key on the trivial screen",
            baseline=Stats.of([b["first_key_ms"] for b in base]),
        ),
        Result(
            bench="signin_intake",
            name="typing a name on the intake form, per key",
            stats=Stats.of([ms for d in desk for ms in d["typing_ms"]]),
            baseline_name="per key on the trivial screen",
            baseline=Stats.of([ms for b in base for ms in b["typing_ms"]]),
            notes={"when": "after the form's background workers have finished"},
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, *rest = args.one
        if kind in ("desk", "desk-cold", "desk-unbuilt"):
            db, work_no, pin = rest
            result = asyncio.run(one_desk(Path(db), work_no, pin, kind))
        else:
            result = asyncio.run(one_baseline())
        print(json.dumps(result))
        return
    print("signin_intake: real DeskApp under run_test(), fresh process per repetition")
    for result in run(args.reps, args.rows):
        print_result(result)


if __name__ == "__main__":
    main()
