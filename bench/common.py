"""What the benchmarks share: paths, the result record, percentiles, the summary table, and
the way a screen is watched until it is ready."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV_BIN = Path(sys.executable).parent
RESULTS = OUT / "results.json"
POLL = 0.001
TIMEOUT = 30.0


async def until(condition: Callable[[], bool]) -> None:
    """Poll `condition` every millisecond from a task in the app's own event loop."""
    deadline = time.perf_counter() + TIMEOUT
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the screen never became ready")
        await asyncio.sleep(POLL)


async def after_refresh(app) -> float:
    """perf_counter() once the screen has refreshed: what is on it now has been drawn."""
    done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    app.screen.call_after_refresh(lambda: done.done() or done.set_result(time.perf_counter()))
    return await asyncio.wait_for(done, TIMEOUT)


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between closest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass
class Stats:
    n: int
    p50: float
    p95: float
    mean: float
    min: float
    max: float

    @classmethod
    def of(cls, samples_ms: Sequence[float]) -> Stats:
        return cls(
            n=len(samples_ms),
            p50=percentile(samples_ms, 50),
            p95=percentile(samples_ms, 95),
            mean=statistics.fmean(samples_ms),
            min=min(samples_ms),
            max=max(samples_ms),
        )

    def brief(self) -> str:
        return (
            f"p50 {self.p50:8.1f} ms  p95 {self.p95:8.1f} ms  "
            f"(min {self.min:.1f}, max {self.max:.1f}, n={self.n})"
        )


@dataclass
class Result:
    """One benchmarked figure, its baseline from the same run, and its budget if it has one.

    `budget_kind` says what the budget limits: "p95_ms" (the figure's p95 in milliseconds),
    "ratio_p50" (the figure's median over the baseline's median) or "ratio_p95" (the figure's
    p95 over the baseline's p95)."""

    bench: str
    name: str
    stats: Stats
    baseline_name: str
    baseline: Stats
    budget_kind: str | None = None
    budget: float | None = None
    notes: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.stats.p50 / self.baseline.p50 if self.baseline.p50 else float("inf")

    @property
    def ratio_p95(self) -> float:
        return self.stats.p95 / self.baseline.p95 if self.baseline.p95 else float("inf")

    @property
    def measured(self) -> float | None:
        if self.budget_kind == "p95_ms":
            return self.stats.p95
        if self.budget_kind == "ratio_p50":
            return self.ratio
        if self.budget_kind == "ratio_p95":
            return self.ratio_p95
        return None

    @property
    def passed(self) -> bool | None:
        if self.budget is None or self.measured is None:
            return None
        return self.measured <= self.budget

    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "—"}[self.passed]

    def budget_text(self) -> str:
        if self.budget_kind == "p95_ms":
            return f"p95 ≤ {self.budget:g} ms"
        if self.budget_kind == "ratio_p50":
            return f"≤ {self.budget:g}× baseline"
        if self.budget_kind == "ratio_p95":
            return f"p95 ≤ {self.budget:g}× baseline p95"
        return "(no budget)"

    def to_json(self) -> dict:
        data = asdict(self)
        data.update(ratio=self.ratio, ratio_p95=self.ratio_p95, verdict=self.verdict())
        return data


def time_calls(count: int, call: Callable[[], object], warmup: int = 5) -> list[float]:
    """`count` timings of `call` in ms, after `warmup` untimed calls."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def print_result(result: Result) -> None:
    print(f"  {result.name}")
    print(f"    figure    {result.stats.brief()}")
    print(f"    baseline  {result.baseline.brief()}  [{result.baseline_name}]")
    print(
        f"    ratio     {result.ratio:.2f}× at p50, {result.ratio_p95:.2f}× at p95   "
        f"budget {result.budget_text()}: {result.verdict()}"
    )
    for key, value in result.notes.items():
        print(f"    {key}: {value}")


def summary_table(results: Iterable[Result]) -> str:
    rows = [("benchmark", "p50 ms", "p95 ms", "baseline p50", "ratio", "budget", "")]
    for r in results:
        rows.append(
            (
                f"{r.bench}: {r.name}",
                f"{r.stats.p50:.1f}",
                f"{r.stats.p95:.1f}",
                f"{r.baseline.p50:.2f}",
                f"{r.ratio:.2f}×",
                r.budget_text(),
                r.verdict(),
            )
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            pad = widths[i] - _width(cell)
            cells.append(cell + " " * pad if i == 0 or i == 5 else " " * pad + cell)
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def save_results(
    results: Sequence[Result], path: Path = RESULTS, extra: dict | None = None
) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {"machine": machine_info(), **(extra or {}), "results": [r.to_json() for r in results]},
            ensure_ascii=False,
            indent=2,
        )
    )


def working_copy(source: Path, name: str) -> Path:
    """A disposable copy of the generated database, so no benchmark changes the original."""
    target = OUT / f"work-{name}.db"
    if Path(f"{source}-wal").exists():
        # Fold anything still in the write-ahead log into the file before copying it alone.
        conn = sqlite3.connect(source)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    return target


def drop_copy(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def loadavg() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "?"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "loadavg": loadavg(),
    }
