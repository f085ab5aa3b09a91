"""The handler's minute: keys and time to take the three standard complaints (issue 20).

The real DeskApp under `App.run_test()` (headless, 100×30) on a fresh small store, driven by the
Pilot as a fast typist would: every key counted, Tab pressed until the wanted field has the
cursor (so a focus chain with an extra stop costs its extra key), the cause picked from the
first match. A Chinese character counts as one key (an input method takes more: the count is
of the desk's keys, the same for every version measured).

1. double refund: a verified billing error (charged 30.00, due 10.00: 40.00 back) solved on
   the spot, satisfaction asked;
2. recusal: the complaint is about the handler at the counter; handed to a colleague (Ctrl+T),
   who signs in, takes it and saves it;
3. repeat with a promise: the same phone complained about the same matter last week; a reply is
   promised for 16:00.

Figures: keys per flow, the handler's typing time at 3 keys a second (goal: under 60 s each),
and the desk's own time (wall time of the run, the Pilot waiting for each screen). Flows adapt
to the version they run on (a question asked or not), so the same script measures the main
branch before a change and after it:

    python -m bench.counter_flows
    PYTHONPATH=/path/to/other/checkout python bench/counter_flows.py   # another version
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

KEYS_PER_SECOND = 3.0
GOAL_SECONDS = 60.0
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in the hall
STAFF = (("1001", "张敏", "handler", "1111"), ("1002", "刘洋", "handler", "2222"))


class Typist:
    """Presses keys through the Pilot and counts them."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.keys = 0

    @property
    def app(self):
        return self.pilot.app

    async def press(self, *keys: str) -> None:
        self.keys += len(keys)
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        import unicodedata

        keys = []
        for ch in text:
            if not ch.isascii() and not ch.isalnum():
                keys.append(unicodedata.name(ch).lower())
            else:
                keys.append(ch)
        await self.press(*keys)

    async def settle(self) -> None:
        from textual.worker import WorkerCancelled, WorkerFailed

        for _ in range(3):
            await self.pilot.pause()
            with contextlib.suppress(WorkerFailed, WorkerCancelled):
                await self.app.workers.wait_for_complete()
        await self.pilot.pause()

    async def tab_to(self, widget_id: str, limit: int = 40) -> None:
        for _ in range(limit):
            focused = self.app.focused
            if focused is not None and focused.id == widget_id:
                return
            await self.press("tab")
        raise RuntimeError(f"#{widget_id} not reached with Tab")

    async def sign_in(self, work_no: str, pin: str) -> None:
        await self.settle()
        await self.type(work_no)
        await self.press("enter")
        await self.type(pin)
        await self.press("enter")
        await self.settle()

    async def answer_yes_if_asked(self) -> None:
        """A question on screen: Y for a confirm, Enter on the focused "take" of a hand-off
        (it answers no letter), counted; none: no key."""
        screen = type(self.app.screen).__name__
        if screen in ("ConfirmScreen", "HandOffScreen"):
            await self.press("y" if screen == "ConfirmScreen" else "enter")
            await self.settle()

    async def choose(self, select_id: str, typed: str) -> None:
        await self.tab_to(select_id)
        await self.press("enter")
        await self.type(typed)
        await self.press("enter")
        await self.settle()


def _desk(folder: Path):
    from deskapp.clock import FrozenClock
    from deskapp.domain.enums import Role
    from deskapp.services.desk import Desk
    from deskapp.services.staff import seed_staff
    from deskapp.services.terminal import init_terminal

    desk = Desk.open(folder / "desk.db", clock=FrozenClock(NOW))
    init_terminal(desk, "GZ01", "T01", "Asia/Shanghai")
    seed_staff(desk, "system:bench", [(w, n, Role(r), p) for w, n, r, p in STAFF])
    return desk


async def _common_start(k: Typist, name: str, phone: str, content: str, demand: str,
                        cause: str) -> None:  # fmt: skip
    """From the first field: the customer, what they say and want, the cause (Enter moves)."""
    await k.type(name)
    await k.press("tab")
    await k.type(phone)
    await k.tab_to("content")
    await k.type(content)
    await k.press("tab")
    await k.type(demand)
    await k.tab_to("cause-query")
    await k.type(cause)
    await k.settle()
    await k.press("enter")


async def double_refund(k: Typist) -> None:
    await _common_start(k, "李建国", "13812345678", "上月国际漫游费多扣二十元", "退还多收费用",
                        "漫游")  # fmt: skip
    # The shortcuts a version offers (Ctrl+O solved on the spot, Ctrl+R refund), else Tabs.
    shortcuts = hasattr(k.app.screen, "action_on_spot")
    if shortcuts:
        await k.press("ctrl+o")
        await k.settle()
    else:
        await k.tab_to("solved_on_spot")
        await k.press("space")
    await k.tab_to("outcome")
    await k.type("已核实多收,按双倍返还")
    await k.choose("satisfaction", "满")
    if shortcuts:
        await k.press("ctrl+r")
        await k.settle()
    else:
        await k.tab_to("refund_enabled")
        await k.press("space")
    await k.tab_to("refund-charged")
    await k.type("30")
    await k.tab_to("refund-should_have_charged")
    await k.type("10")
    await k.tab_to("refund-verified")
    await k.press("space")
    await k.press("ctrl+s")
    await k.settle()


async def recusal(k: Typist) -> None:
    await _common_start(k, "周红", "13912345678", "营业员张敏态度差", "道歉", "态度")
    await k.choose("accused_staff", "1001")
    await k.tab_to("promised_reply_at")
    await k.type("16:00")
    await k.press("ctrl+t")
    await k.settle()
    await k.answer_yes_if_asked()  # "hand to a colleague?" where it is asked
    await k.sign_in("1002", "2222")
    await k.answer_yes_if_asked()  # the colleague takes the form
    await k.press("ctrl+s")
    await k.settle()


async def repeat_with_promise(k: Typist) -> None:
    await _common_start(k, "孙强", "13700001111", "家里还是没有信号", "尽快修好", "xh")
    await k.tab_to("promised_reply_at")
    await k.type("16:00")
    await k.press("ctrl+s")
    await k.settle()


def _earlier_complaint(desk) -> None:
    """Last week's complaint from the same phone, about the same matter."""
    from deskapp.domain.enums import Role
    from deskapp.services.intake import IntakeForm, take_complaint
    from deskapp.services.staff import actor_of, list_staff

    handler = actor_of(next(s for s in list_staff(desk) if s.role == Role.HANDLER))
    desk.clock.set(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
    take_complaint(desk, handler, IntakeForm(
        customer_name="孙强", contact_phone="13700001111", content="家里没有信号",
        demand="修好", cause_code="NET.COVER.INDOOR", channel="walk_in",
        promised_reply_at="2026-11-18 10:00",
    ))  # fmt: skip
    desk.clock.set(NOW)


def _saved(desk) -> list:
    from deskapp.store.models import Complaint

    with desk.read() as session:
        return list(session.scalars(sa.select(Complaint).order_by(Complaint.registered_at)))


def _check_refund(desk) -> str:
    from deskapp.store.models import Refund

    with desk.read() as session:
        refunds = list(session.scalars(sa.select(Refund)))
    done = [c for c in _saved(desk) if c.solved_on_spot]
    return "" if len(done) == 1 and len(refunds) == 1 else "not saved as a refund on the spot"


def _check_recusal(desk) -> str:
    saved = _saved(desk)
    ok = len(saved) == 1 and saved[0].accused_staff_id and saved[0].first_responder_id
    return "" if ok and saved[0].accused_staff_id != saved[0].first_responder_id else "not saved"


def _check_repeat(desk) -> str:
    saved = _saved(desk)
    return "" if len(saved) == 2 and saved[-1].repeat_of_id == saved[0].id else "not a repeat"


@dataclass(frozen=True)
class Flow:
    name: str
    drive: Callable[[Typist], Awaitable[None]]
    check: Callable[[object], str]
    prepare: Callable[[object], None] | None = None


FLOWS = (
    Flow("double_refund", double_refund, _check_refund),
    Flow("recusal", recusal, _check_recusal),
    Flow("repeat_with_promise", repeat_with_promise, _check_repeat, _earlier_complaint),
)


@dataclass(frozen=True)
class Outcome:
    flow: str
    keys: int
    typing_s: float
    desk_s: float
    problem: str

    def line(self) -> str:
        verdict = self.problem or ("ok" if self.typing_s < GOAL_SECONDS else "over the goal")
        return (f"{self.flow:<22} {self.keys:>4} keys  {self.typing_s:5.1f} s typing  "
                f"{self.desk_s:5.1f} s desk  {verdict}")  # fmt: skip


async def _run(flow: Flow) -> Outcome:
    from bench.settings import settings_for
    from deskapp.screens.app import make_app

    with tempfile.TemporaryDirectory() as tmp:
        desk = _desk(Path(tmp))
        if flow.prepare is not None:
            flow.prepare(desk)
        app = make_app(settings_for(Path(tmp) / "desk.db"), desk=desk, cursor_blink=False)
        app.animation_level = "none"
        problem = ""
        async with app.run_test(size=(100, 30)) as pilot:
            k = Typist(pilot)
            await k.sign_in("1001", "1111")  # not counted: the handler is at work already
            k.keys = 0
            started = time.perf_counter()
            try:
                await flow.drive(k)
            except Exception as error:  # a flow that cannot be keyed on this version
                problem = f"stuck: {error}"
            desk_s = time.perf_counter() - started
        problem = problem or flow.check(desk)
        desk.close()
    return Outcome(flow.name, k.keys, k.keys / KEYS_PER_SECOND, desk_s, problem)


def run() -> list[Outcome]:
    return [asyncio.run(_run(flow)) for flow in FLOWS]


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    for outcome in run():
        print(outcome.line())


if __name__ == "__main__":
    main()
