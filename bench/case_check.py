"""The case page's check on long texts (issue 18, case18e; was bench/redact.py): the finder of
personal data (`find_personal_data`, run on a case's summary and lesson when saved and when
the page is made) on 10,000 and 20,000 characters of long digit runs, digits alternating with
signs, and labels with surnames (联系人王…), against the same length of an ordinary summary,
in the same run. Linear: the ratio stays near 1 as the length doubles (a pattern tried from
every character of a run, each try reading to its end, took 4.8 s on 10,000 digits).

    python -m bench.case_check [--reps 5]"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from deskapp.domain.cases import find_personal_data

_ORDINARY = "客户来厅反映11月15号10:30在8号窗口排队75分钟,宽带经常掉线,装维老师上门后恢复。"
_NAMES, _NUMBERS = ("张伟",), ("13812345678", "gzkd8812ab")


def _seconds(text: str, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        find_personal_data(text, _NAMES, _NUMBERS)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    reps = parser.parse_args().reps
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
