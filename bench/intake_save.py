"""Saving a complaint: `take_complaint` on the 100k store, p50/p95 (budget p95 ≤ 30 ms).

Each save is a new form as the intake screen hands it over: walk-in and hotline complaints,
some solved on the spot (closed at once), some from customers already in the store (so the
repeat check finds and links an earlier complaint), a few with a refund. The system clock is
used, as at the counter. The first WARMUP saves are not counted.

Baseline, in the same file with the same pragmas (WAL, synchronous=FULL, foreign keys): one
bare INSERT of a row of the same size into a scratch table, in its own BEGIN IMMEDIATE …
COMMIT, with Python's sqlite3 module directly. The ratio is what the service adds on top of
one durable commit: validation, the repeat look-up, the ticket counter, events, the change log
and its HLC, the FTS index, and the ORM.

    python -m bench.intake_save [--saves 300]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from pathlib import Path

from bench import make_db
from bench.common import Result, Stats, drop_copy, loadavg, print_result, working_copy

BUDGET_P95_MS = 30.0
WARMUP = 10

_CONTENTS = [
    "家里客厅和卧室手机经常没有信号,打电话要跑到阳台。已经持续一个多月了。",
    "上月账单多出一笔国际漫游费用,本人没有出境,客户提供了短信截图和通话记录作为证据。",
    "发现被开通了视频彩铃业务,本人从未办理,每月被扣费用。客户要求给出书面说明。",
    "排队等了一个多小时,只开了两个窗口。",
    "宽带三天两头断网,报修之后师傅一直没有上门。客户是做生意的,网络断了直接影响收入,"
    "同一小区的邻居也有同样的问题,客户表示如果不解决将向工信部投诉。",
]


def _forms(desk, count: int, rng: random.Random) -> list:
    import sqlalchemy as sa

    from deskapp.services.intake import IntakeForm, RefundForm
    from deskapp.store.models import Complaint

    causes = [p.code for p in desk.refdata.causes.intake_paths()]
    with desk.read() as session:
        known_phones = list(
            session.scalars(
                sa.select(Complaint.contact_phone)
                .order_by(Complaint.received_at.desc())
                .limit(2_000)
            )
        )
    forms = []
    for i in range(count):
        repeat = rng.random() < 0.3
        phone = (
            rng.choice(known_phones)
            if repeat
            else f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
        )
        on_spot = rng.random() < 0.4
        form = IntakeForm(
            channel=rng.choice(["walk_in", "walk_in", "hotline", "phone"]),
            customer_name=rng.choice("王李张刘陈杨黄赵") + rng.choice(["先生", "女士", "伟", "芳"]),
            contact_phone=phone,
            content=rng.choice(_CONTENTS) + f"(第{i + 1}单)",
            demand=rng.choice(["尽快解决", "退还多收的费用", "给个说法"]),
            cause_code=rng.choice(causes),
            solved_on_spot=on_spot,
        )
        if form.channel == "hotline":
            form.severity = "general"
        if on_spot:
            form.outcome = "已向客户解释并当场处理完毕"
            form.satisfaction = "satisfied"
            if rng.random() < 0.15:
                form.refund = RefundForm(charged="58", should_have_charged="48", verified=True)
        else:
            form.promised_reply_at = ""  # filled in just before saving: "tomorrow"
        forms.append(form)
    return forms


def _promise(desk) -> str:
    from datetime import timedelta

    from deskapp.domain.timefmt import format_local

    return format_local(desk.clock.now() + timedelta(days=1), desk.tz)


def _take_complaints(db: Path, saves: int, work_no: str) -> tuple[list[float], dict]:
    from deskapp.services.desk import Desk
    from deskapp.services.intake import take_complaint
    from deskapp.services.staff import actor_of, list_staff

    desk = Desk.open(db)
    try:
        actor = actor_of(next(s for s in list_staff(desk) if s.work_no == work_no))
        forms = _forms(desk, saves + WARMUP, random.Random(7))
        promise = _promise(desk)
        samples: list[float] = []
        repeats = closed = refunds = 0
        for i, form in enumerate(forms):
            if not form.solved_on_spot:
                form.promised_reply_at = promise
            started = time.perf_counter()
            complaint = take_complaint(desk, actor, form)
            elapsed = (time.perf_counter() - started) * 1000
            if i >= WARMUP:
                samples.append(elapsed)
                repeats += complaint.is_repeat
                closed += complaint.status == "closed"
                refunds += form.refund is not None
    finally:
        desk.close()
    return samples, {"repeat-linked": repeats, "closed on the spot": closed, "refunds": refunds}


def _bare_inserts(db: Path, saves: int) -> list[float]:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for pragma in ("busy_timeout = 10000", "journal_mode = WAL", "foreign_keys = ON"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("PRAGMA synchronous = FULL")
        columns = [row[1] for row in conn.execute("PRAGMA table_info(complaint)")]
        newest = conn.execute(
            "SELECT * FROM complaint ORDER BY rowid DESC LIMIT ?", (saves + WARMUP,)
        ).fetchall()
        conn.execute("DROP TABLE IF EXISTS bench_scratch")
        conn.execute(f"CREATE TABLE bench_scratch ({', '.join(columns)}, PRIMARY KEY (id))")
        insert = (
            f"INSERT INTO bench_scratch ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        samples: list[float] = []
        for i, row in enumerate(newest):
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(insert, row)
            conn.execute("COMMIT")
            elapsed = (time.perf_counter() - started) * 1000
            if i >= WARMUP:
                samples.append(elapsed)
        conn.execute("DROP TABLE bench_scratch")
    finally:
        conn.close()
    return samples


def run(saves: int = 300, rows: int = make_db.DEFAULT_ROWS) -> list[Result]:
    manifest = make_db.ensure_db(rows)
    db = working_copy(make_db.db_path(rows), "intake")
    load_before = loadavg()
    try:
        # Alternate halves so a change in the machine's load during the run hits both.
        half = saves // 2
        base = _bare_inserts(db, half)
        figure, counts = _take_complaints(db, saves, manifest["signin"]["work_no"])
        base += _bare_inserts(db, saves - half)
    finally:
        drop_copy(db)
    return [
        Result(
            bench="intake_save",
            name="take_complaint (save one complaint)",
            stats=Stats.of(figure),
            baseline_name="bare INSERT + COMMIT of a same-sized row, same file and pragmas",
            baseline=Stats.of(base),
            budget_kind="p95_ms",
            budget=BUDGET_P95_MS,
            notes={
                "store": f"{manifest['tables']['complaint']:,} complaints",
                "saves": f"{len(figure)} counted after {WARMUP} warm-up; "
                + ", ".join(f"{k} {v}" for k, v in counts.items()),
                "load average before / after": f"{load_before} / {loadavg()}",
            },
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--rows", type=int, default=make_db.DEFAULT_ROWS)
    args = parser.parse_args()
    print("intake_save: take_complaint on the generated store")
    for result in run(args.saves, args.rows):
        print_result(result)


if __name__ == "__main__":
    main()
