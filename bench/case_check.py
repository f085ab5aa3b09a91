"""The case page's check on long texts (issue 18, case18e; was bench/redact.py): the finder of
personal data (`find_personal_data`, run on a case's summary and lesson when saved and when
the page is made) on 10,000 and 20,000 characters of long digit runs, digits alternating with
signs, and labels with surnames (联系人王…), against the same length of an ordinary summary,
in the same run. Linear: the ratio stays near 1 as the length doubles (a pattern tried from
every character of a run, each try reading to its end, took 4.8 s on 10,000 digits).

case18f: the finder reads person names with jieba (deskapp/domain/person_names.py). Measured
here too: jieba's loading (once per process, in the worker that checks), the finder on
ordinary summaries of 1,000 and 10,000 characters against a plain scan of the same text (the
character-by-character reading every finding starts from), and the case library's page of 50
cases (`case_page`: each case's summary and lesson re-checked) against the same page read with
the check replaced by that plain scan; cold (jieba's word cache empty) and again (cached).

    python -m bench.case_check [--reps 5]"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from deskapp.domain import person_names
from deskapp.domain.cases import _Reading, find_personal_data

_ORDINARY = "客户来厅反映11月15号10:30在8号窗口排队75分钟,宽带经常掉线,装维老师上门后恢复。"
_NAMES, _NUMBERS = ("张伟",), ("13812345678", "gzkd8812ab")


def _seconds(text: str, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        find_personal_data(text, _NAMES, _NUMBERS)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _median(work: Callable[[], object], reps: int, before: Callable[[], object] = list) -> float:
    times = []
    for _ in range(reps):
        before()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _load() -> str:
    """jieba's loading, once per process (the tagger and its dictionary)."""
    start = time.perf_counter()
    person_names.tokens("张伟")
    return f"jieba loaded in {(time.perf_counter() - start) * 1000:.0f} ms (once per process)"


_SUMMARY = ("客户来厅反映宽带晚上经常掉线,装维人员上门测速后更换光猫,高峰时段网速恢复正常。"
            "营业员解释了套餐规则,客户表示理解。")  # fmt: skip


def _finder(reps: int) -> None:
    """The finder with jieba on ordinary text against a plain scan of the same text."""
    for length in (1_000, 10_000):
        text = (_SUMMARY * (length // len(_SUMMARY) + 1))[:length]
        plain = _median(lambda text=text: _Reading(text), reps)
        cold = _median(lambda text=text: find_personal_data(text, _NAMES, _NUMBERS), reps,
                       person_names.tokens.cache_clear)  # fmt: skip
        print(
            f"finder on {length} ordinary characters: {cold * 1000:.1f} ms (jieba's cache "
            f"cleared each time), plain scan {plain * 1000:.2f} ms, ratio {cold / plain:.0f}x"
        )


def _library(reps: int) -> None:
    """The case library's page of 50 cases, each re-checked, against the same page with the
    check replaced by the plain scan."""
    from deskapp.clock import FrozenClock
    from deskapp.domain.enums import Role
    from deskapp.domain.timefmt import format_local
    from deskapp.services import cases, followup
    from deskapp.services.demo import closing_facts
    from deskapp.services.desk import Desk
    from deskapp.services.intake import IntakeForm, take_complaint
    from deskapp.services.staff import actor_of, list_staff, seed_staff
    from deskapp.services.terminal import init_terminal

    folder = Path(tempfile.mkdtemp(prefix="bench-case-check-"))
    clock = FrozenClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    desk = Desk.open(folder / "desk.db", clock=clock)
    init_terminal(desk, "GZ01", "T01", "Asia/Shanghai")
    seed_staff(desk, "system:bench", [("1001", "张敏", Role.HANDLER, "1111"),
                                      ("2001", "王芳", Role.DUTY_MANAGER, "8888")])  # fmt: skip
    actors = {s.work_no: actor_of(s) for s in list_staff(desk)}
    for i in range(50):
        ticket = take_complaint(desk, actors["1001"], IntakeForm(
            customer_name="张伟", contact_phone=f"138{i:08d}", content="宽带经常掉线,联系人张伟",
            demand="尽快修好", cause_code="TARIFF.PLAN.UNCLEAR",
            promised_reply_at=format_local(clock.now() + timedelta(days=1), desk.tz)))  # fmt: skip
        followup.close(desk, actors["1001"], ticket.id, outcome="已修复",
                       facts=closing_facts(desk, ticket.id))  # fmt: skip
        cases.mark_case(desk, actors["2001"], ticket.id, _SUMMARY + str(i), _SUMMARY)
    checked = cases._personal_data
    cold = _median(lambda: cases.case_page(desk), reps, person_names.tokens.cache_clear)
    warm = _median(lambda: cases.case_page(desk), reps)
    cases._personal_data = lambda c, text, known: (_Reading(text), [])[1]  # type: ignore[assignment]
    try:
        plain = _median(lambda: cases.case_page(desk), reps)
    finally:
        cases._personal_data = checked
    desk.close()
    print(
        f"library page of 50 cases: {cold * 1000:.0f} ms (jieba's cache cleared), "
        f"{warm * 1000:.0f} ms again; with a plain scan instead of the check "
        f"{plain * 1000:.0f} ms: ratios {cold / plain:.1f}x and {warm / plain:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    reps = parser.parse_args().reps
    print(_load())
    _finder(reps)
    _library(reps)
    find_personal_data(_ORDINARY, _NAMES, _NUMBERS)  # warm the caches (pypinyin, the patterns)
    for length in (10_000, 20_000):
        base = _seconds((_ORDINARY * length)[:length], reps)
        for label, unit in (("digits", "1"), ("digit/sign", "1-"), ("labels", "联系人王")):
            took = _seconds((unit * length)[:length], reps)
            load = "/".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"{length} {label}: {took * 1000:.1f} ms, ordinary text {base * 1000:.1f} ms,"
                  f" ratio {took / base:.2f}x  (load {load})")  # fmt: skip


if __name__ == "__main__":
    main()
