"""The customer in front of the counter (issue 18) on the 100k store: a customer with 200
tickets (with their events and refunds), on the watch list.

* on screen, the budget's own figure (p95 ≤ 100 ms): the real DeskApp under run_test()
  (headless, 100×30), signed in, the customer's phone typed into intake; from Ctrl+Y to the
  history screen showing its first page (the table filled, the summary counting 200 tickets,
  the watch entry shown, and the screen refreshed once after that), the key sent as the
  terminal sends it. Escape and Ctrl+Y again for each sample; each sample also once through
  Pilot.press, as the figures before 2026-12-06 14:40 were taken (it waits for the process to
  idle 2 × 20 ms, which that figure holds; printed without the budget). Intake reads the first
  page as the phone is typed (the budget runs from the phone typed); so also: from H on one of
  the customer's tickets, where nothing is read before the key. And: from the phone's last
  digit to intake's watch-list alert on screen, the digits sent as the terminal sends them
  (the budget's figure; 5 warm-up samples, as the others), and the same last digit through
  Pilot.press (its waits included, no budget: the figures before 2026-12-06 18:00).
* the store's part of it: `customer_history` (the history screen worker's read) and intake's
  check as the phone is typed (`find_repeat_candidates` + `watch_for_customer`).

The 200 tickets are made by giving 200 random complaints of a working copy the customer's
phone (setup, not measured). Baseline: a primary-key look-up of one complaint through the
same Desk session path. The batch close is bench/batch_close.py's.

The app runs with the cycle collector as the `deskapp` program has it (`--collector program`,
the default since alert18f): what exists when the desk starts is frozen (`DeskApp.run`), and
what its sign-in's workers import (SQLAlchemy, the form, pypinyin's ~200,000 phrase lists)
is frozen as it loads (deskapp/collector.py). Under `run_test` none of that happens
(`--collector tests`, the figures before alert18f): each full collection then walks ~390,000
objects, 160-320 ms on this machine, and the one or two of them that fell into the 20 alert
samples were the p95. The alert is sampled `--alert-samples` times (100; was 20, whose p95
is the second-worst sample); the full collections during those samples are counted.

    python -m bench.customer [--queries 200] [--rows 100000] [--alert-samples 100]
                             [--collector program|tests]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import random
import time
from datetime import timedelta
from pathlib import Path

from bench import make_db
from bench.common import (
    Result,
    Stats,
    after_refresh,
    drop_copy,
    loadavg,
    print_result,
    time_calls,
    until,
    working_copy,
)

BUDGET_P95_MS = 100.0
WARMUP = 5
PHONE = "13800009999"
TICKETS = 200


ALERT_SAMPLES = 100


def run(
    queries: int = 200,
    rows: int = make_db.DEFAULT_ROWS,
    alert_samples: int = ALERT_SAMPLES,
    collector: str = "program",
) -> list[Result]:
    import sqlalchemy as sa

    from deskapp.domain.enums import Role
    from deskapp.services.customer import (
        WatchForm,
        customer_history,
        save_watch_entry,
        watch_for_customer,
    )
    from deskapp.services.desk import Desk
    from deskapp.services.intake import find_repeat_candidates
    from deskapp.services.staff import actor_of, list_staff
    from deskapp.store.models import Complaint

    make_db.ensure_db(rows)
    db: Path = working_copy(make_db.db_path(rows), "customer")
    load_before = loadavg()
    rng = random.Random(18)
    desk = Desk.open(db)
    results: list[Result] = []
    try:
        staff = list_staff(desk)
        handler = actor_of(next(s for s in staff if s.role == Role.HANDLER.value))
        manager = actor_of(next(s for s in staff if s.role == Role.DUTY_MANAGER.value))
        with desk.read() as session:
            ids = list(session.scalars(sa.select(Complaint.id)))
        mine = rng.sample(ids, TICKETS)
        with desk.write(manager.id) as session:  # setup of the working copy, change-logged
            for complaint in session.scalars(sa.select(Complaint).where(Complaint.id.in_(mine))):
                complaint.contact_phone, complaint.phone_last4 = PHONE, PHONE[-4:]
                complaint.service_number = PHONE
                # Not about the handler who reads: the watch entry would be hidden (当事人回避).
                if complaint.accused_staff_id == handler.id:
                    complaint.accused_staff_id = None
        # (a review date is at most a year ahead: domain/watch.check_review_on)
        review_on = (desk.clock.now().date() + timedelta(days=180)).isoformat()
        save_watch_entry(desk, manager, WatchForm(customer=PHONE, advice="先听完再解释",
                                                  review_on=review_on))  # fmt: skip

        def by_id() -> object:
            with desk.read() as session:
                return session.get(Complaint, rng.choice(ids))

        baseline = Stats.of(time_calls(queries, by_id))
        pages: list[int] = []

        def history() -> object:
            page = customer_history(desk, handler, PHONE)
            assert page is not None and page.tickets == TICKETS and page.watch is not None
            pages.append(len(page.items))
            return page

        def intake_check() -> object:
            found = find_repeat_candidates(desk, PHONE, cause_code="NET.COVER.INDOOR")
            return found, watch_for_customer(desk, handler, PHONE)

        for name, call in (
            (f"customer history, first page ({TICKETS} tickets)", history),
            ("intake check as the phone is typed (repeat + watch list)", intake_check),
        ):
            results.append(
                Result(
                    bench="customer",
                    name=name,
                    stats=Stats.of(time_calls(queries, call)),
                    baseline_name="primary-key look-up of one complaint, same session path",
                    baseline=baseline,
                    budget_kind="p95_ms",
                    budget=BUDGET_P95_MS,
                    notes={"rows on the page": str(max(pages) if pages else 0)},
                )
            )
        from deskapp.collector import as_the_program

        full: list[int] = []
        with as_the_program() if collector == "program" else contextlib.nullcontext():
            screen = asyncio.run(
                _on_screen(desk, db, max(20, queries // 5), mine[0], alert_samples, full)
            )
        for at, (name, samples) in enumerate(screen.items()):
            # Through Pilot.press: the Pilot's own idle waits (≥ 2 × 20 ms, and until every
            # worker is done) are in the figure, so it is shown beside, without the budget.
            budgeted = "Pilot.press" not in name
            results.insert(
                at,
                Result(
                    bench="customer",
                    name=name,
                    stats=Stats.of(samples),
                    baseline_name="primary-key look-up of one complaint, same session path",
                    baseline=baseline,
                    budget_kind="p95_ms" if budgeted else None,
                    budget=BUDGET_P95_MS if budgeted else None,
                ),
            )
    finally:
        desk.close()
        drop_copy(db)
    results[0].notes["load average before / after"] = f"{load_before} / {loadavg()}"
    alert = next(r for r in results if r.name.startswith("phone's last digit") and r.budget)
    how = "frozen as the deskapp program" if collector == "program" else "nothing frozen"
    alert.notes["cycle collector"] = (
        f"{collector} ({how}); full collections during the alert samples: "
        f"{full[0] if full else '?'}"
    )
    return results


async def _on_screen(
    desk: object, db: Path, samples: int, ticket: str, alert_samples: int, full: list[int]
) -> dict[str, list[float]]:
    """The real app on `desk`: sign in, type the phone into intake, then Ctrl+Y / Escape;
    then one of the customer's tickets (`ticket`) opened, and H / Escape."""
    from textual import events
    from textual.widgets import DataTable, Input, Static

    from bench.settings import settings_for
    from deskapp.screens.app import make_app
    from deskapp.screens.customer import CustomerHistoryScreen
    from deskapp.screens.detail import DetailScreen
    from deskapp.screens.intake import IntakeScreen

    app = make_app(settings_for(db), desk=desk)
    alert: list[float] = []
    alert_pressed: list[float] = []
    shown: list[float] = []
    pressed: list[float] = []
    from_ticket: list[float] = []

    async def send_key(key: str) -> None:
        """The key into the app's queue, as the driver delivers a terminal's; not waited for."""
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app.post_message(event)

    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: app.screen.query("#work_no"))
        for key in (*make_db.SIGNIN.work_no, "enter", *make_db.SIGNIN.pin, "enter"):
            await pilot.press(key)
        await until(lambda: isinstance(app.screen, IntakeScreen))
        await app.workers.wait_for_complete()
        intake = app.screen
        phone = intake.query_one("#contact_phone", Input)
        notice = intake.query_one("#watch-notice", Static)

        async def idle() -> None:
            await until(lambda: not any(w.is_running for w in app.workers))
            await pilot.pause()

        # The phone typed digit by digit; the time from its last digit to the alert drawn.
        # Each sample twice: the key as the terminal sends it (the budget's figure), and the
        # same through Pilot.press (the way of the figures before 2026-12-06 18:00: it returns
        # only after two 20 ms slices of an idle process, the alert's worker and the history
        # read ahead after it included, so its figure holds those waits).
        full_passes = [0]
        counting = [False]

        def count_full(phase: str, info: dict[str, int]) -> None:
            if phase == "start" and info["generation"] == 2 and counting[0]:
                full_passes[0] += 1

        gc.callbacks.append(count_full)
        for at in range(WARMUP + alert_samples):
            for sent, into in ((send_key, alert), (pilot.press, alert_pressed)):
                phone.value = ""
                phone.focus()
                await until(lambda: not notice.display)
                await idle()
                for key in PHONE[:-1]:
                    await send_key(key)
                await until(lambda: phone.value == PHONE[:-1])
                await idle()
                counting[0] = at >= WARMUP and into is alert
                started = time.perf_counter()
                await sent(PHONE[-1])
                await until(lambda: bool(notice.display) and phone.value == PHONE)
                into.append((await after_refresh(app) - started) * 1000)
                counting[0] = False
        gc.callbacks.remove(count_full)
        full.append(full_passes[0])
        await idle()

        def ready() -> bool:
            screen = app.screen
            if not isinstance(screen, CustomerHistoryScreen) or screen.current is None:
                return False
            table = screen.query_one("#history-table", DataTable)
            return table.row_count > 0 and bool(screen.query_one("#history-watch").display)

        for _ in range(WARMUP + samples):
            # The key as the terminal sends it, then the same through Pilot.press (the way
            # of the earlier figures: it returns only after two 20 ms slices of an idle
            # process, so its figure holds those waits and any worker still running).
            for sent, into in ((send_key, shown), (pilot.press, pressed)):
                started = time.perf_counter()
                await sent("ctrl+y")
                await until(ready)
                into.append((await after_refresh(app) - started) * 1000)
                await pilot.press("escape")
                await until(lambda: app.screen is intake)
                await pilot.pause()
        # From a ticket (H): nothing read before the key, the page read after it.
        detail = DetailScreen(ticket)
        app.push_screen(detail)
        await until(lambda: detail._customer == PHONE)
        await app.workers.wait_for_complete()
        for _ in range(WARMUP + samples):
            started = time.perf_counter()
            await send_key("h")
            await until(ready)
            from_ticket.append((await after_refresh(app) - started) * 1000)
            await pilot.press("escape")
            await until(lambda: app.screen is detail)
            await pilot.pause()
    return {
        f"history on screen, Ctrl+Y to first page ({TICKETS} tickets, real app)": shown[WARMUP:],
        f"history on screen, Ctrl+Y to first page, through Pilot.press ({TICKETS} tickets)":
            pressed[WARMUP:],
        f"history on screen from a ticket, H to first page ({TICKETS} tickets, real app)":
            from_ticket[WARMUP:],
        "phone's last digit to the watch-list alert at intake (real app)": alert[WARMUP:],
        "phone's last digit to the watch-list alert, through Pilot.press": alert_pressed[WARMUP:],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    parser.add_argument("--alert-samples", type=int, default=ALERT_SAMPLES)
    parser.add_argument("--collector", choices=("program", "tests"), default="program")
    args = parser.parse_args()
    print("customer: the customer's history and intake's check on the generated store")
    for result in run(args.queries, args.rows, args.alert_samples, args.collector):
        print_result(result)


if __name__ == "__main__":
    main()
