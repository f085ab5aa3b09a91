"""The morning meeting's page on long texts (issue 18, redact18d): redact of 10,000 and 20,000
characters of long digit runs (and digits alternating with signs) against the same length of
an ordinary complaint, in the same run. Linear: the ratio stays near 1 as the length doubles
(it was 4.8 s for 10,000 digits, a pattern tried from every character of a run).

    python -m bench.redact [--reps 5]"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from deskapp.domain.cases import redact

_ORDINARY = "客户张先生反映11月15号10:30在8号窗口排队75分钟,宽带经常掉线,要求退费。"
_NAMES, _NUMBERS = ("张伟",), ("13812345678", "gzkd8812ab")


def _seconds(text: str, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        redact(text, _NAMES, _NUMBERS)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    reps = parser.parse_args().reps
    redact(_ORDINARY, _NAMES, _NUMBERS)  # warm the caches (pypinyin, the patterns)
    for length in (10_000, 20_000):
        base = _seconds((_ORDINARY * length)[:length], reps)
        for label, unit in (("digits", "1"), ("digit/sign", "1-")):
            took = _seconds((unit * length)[:length], reps)
            load = "/".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"{length} {label}: {took * 1000:.1f} ms, ordinary text {base * 1000:.1f} ms,"
                  f" ratio {took / base:.2f}x  (load {load})")  # fmt: skip


if __name__ == "__main__":
    main()
