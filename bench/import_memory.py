"""Importing a large file: peak Python memory (tracemalloc) while `import_file` reads and
checks every row of a generated CSV, against the file's size; with `--rss`, instead of
tracemalloc (which sees neither SQLite's memory nor the interpreter's own), the process's peak
resident memory (ru_maxrss) over what it held just before the import, and the peak resident
memory of the import's worker process (a second process for a large file, issue 22: the
largest child process waited for; 0 when there was none).

The file has N rows in the layout of docs/import.md (distinct external ticket numbers and
phones, contents of some 60 characters). `--dry-run` (the default) checks every row and writes
nothing, which is the reading and parsing alone; `--write` imports them too.

    python -m bench.import_memory [--rows 100000] [--write] [--rss]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

HEADER = ("受理时间,渠道,客户姓名,联系电话,业务号码,投诉内容,客户诉求,投诉类别,投诉级别,"
          "营业厅,状态,结案时间,处理结果,满意度,现场解决,外部工单号")  # fmt: skip


def make_file(path: Path, rows: int, hall: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        for i in range(rows):
            day = 1 + i % 28
            out.write(
                f"2026-10-{day:02d} 09:{i % 60:02d},10086下单,客户{i % 1000},"
                f"139{i:08d},,家里客厅和卧室手机经常没有信号打电话要跑到阳台已经持续一个多月了第{i}单,"
                f"尽快修好,NET.COVER.INDOOR,一般,{hall},已结案,2026-10-{day:02d} 18:00,"
                f"已处理,满意,否,BENCH-{i:07d}\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--rss", action="store_true")
    args = parser.parse_args()

    from deskapp.domain.enums import Role
    from deskapp.services.desk import Desk
    from deskapp.services.importer import import_file
    from deskapp.services.staff import actor_of, seed_staff
    from deskapp.services.terminal import init_terminal

    folder = Path(tempfile.mkdtemp(prefix="deskapp-import-bench-"))
    desk = Desk.open(folder / "desk.db")
    init_terminal(desk, "GZ01", "T01", "Asia/Shanghai")
    actor = actor_of(seed_staff(desk, "system:bench", [("1001", "张敏", Role.HANDLER, "1111")])[0])
    path = folder / "big.csv"
    make_file(path, args.rows, "GZ01")
    size = path.stat().st_size
    rss_before = _rss_now()
    if not args.rss:
        tracemalloc.start()
    started = time.perf_counter()
    result = import_file(desk, actor, path, dry_run=not args.write, max_bytes=size + 1)
    elapsed = time.perf_counter() - started
    if args.rss:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
        worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        what = f"worker's peak resident {worker / 1e6:.1f} MB; peak resident over the start"
    else:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        what = "peak traced"
    desk.close()
    print(f"rows {result.rows}, problems {len(result.problems)}, imported "
          f"{len(result.imported)}; file {size / 1e6:.1f} MB; {what} "
          f"{peak / 1e6:.1f} MB ({peak / size:.1f}x the file); {elapsed:.1f} s")  # fmt: skip


def _rss_now() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    main()
