"""Crashes at every boundary of the protocol: a real `sync` process killed with SIGKILL (as a
power cut would) in the middle of a pushed batch, after the hall's commit and before the local
acknowledgement, after the acknowledgement, in the middle of a pulled batch and after its
commit; and a PostgreSQL connection cut mid-push. Then a rerun: nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_child import KILL_ENV
from sync_kit import Term, assert_identical, first_terminal, new_terminal, own_log, started, take

from deskapp.services import followup
from deskapp.sync import HallStore, SyncOutcome, sync, sync_status
from deskapp.sync.hall import fault_hook, hall_change, hall_terminal

CHILD = Path(__file__).with_name("sync_child.py")
BATCH = 6


def run_child(term: Term, hall: str, kill_at: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != KILL_ENV}
    if kill_at:
        env[KILL_ENV] = kill_at
    db = term.desk.engine.url.database
    return subprocess.run(
        [sys.executable, str(CHILD), db, hall, term.clock.now().isoformat(), str(BATCH)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def hall_rows(hall: str) -> list[tuple]:
    store = HallStore.open(hall)
    try:
        with store.read() as conn:
            return [tuple(r) for r in conn.execute(
                sa.select(hall_change.c.hall_seq, hall_change.c.node_id, hall_change.c.seq)
                .order_by(hall_change.c.hall_seq))]  # fmt: skip
    finally:
        store.close()


def assert_whole(terms: list[Term], hall: str) -> None:
    """Every change of every terminal in the hall exactly once, gap-free, acknowledged, and
    every replica identical."""
    rows = hall_rows(hall)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert len({(r[1], r[2]) for r in rows}) == len(rows)
    for term in terms:
        mine = own_log(term.desk)
        node = term.desk.terminal().node_id
        assert sorted(r[2] for r in rows if r[1] == node) == [r.seq for r in mine]
        assert all(r.acked_at is not None for r in mine)
        assert sync_status(term.desk).waiting == 0
    assert_identical(terms)


def busy_pair(tmp_path: Path, hall: str) -> tuple[Term, Term]:
    """T01 and T02 joined, then each with a morning's offline work (several batches)."""
    a = first_terminal(tmp_path)
    assert sync(a.desk, hall, new_hall=True).ok  # (a pg_url schema starts empty)
    b = new_terminal(tmp_path, "T02")
    assert sync(b.desk, hall).ok
    for n in range(3):
        for term, who in ((a, "1001"), (b, "1002")):
            cid = take(term, who, contact_phone=f"1360000{term.code[-1]}{n:03d}")
            followup.dispatch(term.desk, term.actors[who], cid, department="network", note="核查")
    assert sync(b.desk, hall).ok  # so that a also has something to pull
    return a, b


POINTS = [
    "mid_batch",  # the first batch's hall transaction dies: nothing of it is kept
    "mid_batch:2",  # the second: the first is in the hall and acknowledged
    "after_hall_commit",  # the hall has it, the terminal never heard: resent, deduped
    "after_hall_commit:2",
    "after_ack",
    "mid_pull",  # a pulled batch and its cursor die together
    "after_pull",
]


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_a_boundary_then_rerun_loses_and_doubles_nothing(
    tmp_path: Path, hall_url: str, point: str
) -> None:
    a, b = busy_pair(tmp_path, hall_url)
    try:
        a.desk.engine.dispose()  # the child opens the store itself
        killed = run_child(a, hall_url, point)
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
        rerun = run_child(a, hall_url, None)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert json.loads(rerun.stdout)["outcome"] == "ok"
        assert sync(b.desk, hall_url).ok
        assert sync(a.desk, hall_url).ok
        assert_whole([a, b], hall_url)
    finally:
        a.close()
        b.close()


def test_a_cut_postgresql_connection_mid_push_then_a_rerun(tmp_path: Path, pg_url: str) -> None:
    import psycopg

    a, b = busy_pair(tmp_path, pg_url)
    cut: list[int] = []

    def terminate(point: str, conn) -> None:
        if point == "mid_batch" and conn is not None and len(cut) < 2:
            pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            base = os.environ["DESKAPP_TEST_PG_URL"]
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            cut.append(pid)

    try:
        with fault_hook(terminate):
            result = sync(a.desk, pg_url, batch_size=BATCH)
        assert cut and result.outcome is SyncOutcome.UNREACHABLE, result
        assert "离线" in result.message
        store = HallStore.open(pg_url)
        try:
            with store.read() as conn:
                mark = conn.execute(
                    sa.select(hall_terminal.c.high_water).where(
                        hall_terminal.c.node_id == a.desk.terminal().node_id
                    )
                ).scalar_one()
        finally:
            store.close()
        assert mark < len(own_log(a.desk))  # the cut batch left nothing in the hall
        a.clock.advance(timedelta(minutes=1))
        assert sync(a.desk, pg_url, batch_size=BATCH).ok
        assert sync(b.desk, pg_url).ok
        assert sync(a.desk, pg_url).ok
        assert_whole([a, b], pg_url)
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("point", ["mid_batch", "after_hall_commit", "after_ack", "mid_pull"])
def test_an_error_at_a_boundary_in_process_then_a_rerun(
    tmp_path: Path, hall_url: str, point: str
) -> None:
    a, b = busy_pair(tmp_path, hall_url)

    class Crash(Exception):
        pass

    def crash(name: str, conn) -> None:
        if name == point:
            raise Crash(name)

    try:
        with fault_hook(crash):
            failed = sync(a.desk, hall_url, batch_size=BATCH)
        assert failed.outcome is SyncOutcome.ERROR and "Crash" in failed.error
        assert sync(a.desk, hall_url, batch_size=BATCH).ok
        assert sync(b.desk, hall_url).ok and sync(a.desk, hall_url).ok
        assert_whole([a, b], hall_url)
    finally:
        a.close()
        b.close()


def test_the_terminals_own_disk_full_during_a_pull_is_said_as_such(tmp_path: Path) -> None:
    """Attack 3: the terminal's own store (on a real small tmpfs) fills up while it applies a
    pull. That is this store's fault (full, exit 7), never "hall unreachable", and no pulled
    change is quarantined for it; once there is room again the same run completes."""
    from click.testing import CliRunner
    from mounts import fill, tmpfs

    from deskapp.cli import main
    from deskapp.services.desk import Desk
    from deskapp.store.models import SyncQuarantine

    hall = started(str(tmp_path / "hall.db"))
    with tmpfs(tmp_path / "disk", size_kb=4096) as disk:
        a = first_terminal(disk)
        b = new_terminal(tmp_path / "b", "T02")
        try:
            assert sync(a.desk, hall).ok and sync(b.desk, hall).ok
            for n in range(300):
                take(b, "1002", contact_phone=f"1390000{n:04d}", content="话费" * 200)
            assert sync(b.desk, hall).ok
            filler = fill(disk)
            result = sync(a.desk, hall)
            assert result.outcome is not SyncOutcome.UNREACHABLE, result
            assert result.store_key == "error.store.full", result
            assert result.quarantined == 0
            db = a.desk.engine.url.database
            a.close()
            done = CliRunner().invoke(main, ["--db", db, "sync", "--hall", hall])
            assert done.exit_code == 7, done.output
            assert "磁盘" in done.output and "营业厅" not in done.output
            filler.unlink()
            again = Desk.open(Path(db), clock=a.clock)
            try:
                assert sync(again, hall).ok
                with again.read() as session:
                    held = session.scalar(sa.select(sa.func.count()).select_from(SyncQuarantine))
                assert held == 0
            finally:
                again.engine.dispose()
        finally:
            a.close()
            b.close()


@pytest.mark.parametrize("fault", ["missing_table", "read_only", "full"])
def test_a_hall_store_that_refuses_is_not_called_unreachable(tmp_path: Path, fault: str) -> None:
    """Attack 4: a SQLite hall file missing its hall_change table, on a read-only filesystem
    or on a full disk (a real tmpfs) is there but refuses: said in its own words with its own
    outcome, not "unreachable"; nothing is lost here and the next run after the repair goes."""
    from mounts import fill, read_only, tmpfs

    words = {"missing_table": "损坏", "read_only": "无法写入", "full": "磁盘已满"}[fault]
    with tmpfs(tmp_path / "hall", size_kb=4096) as folder:
        hall = started(str(folder / "hall.db"))
        a = first_terminal(tmp_path / "a")
        try:
            assert sync(a.desk, hall).ok
            for n in range(40):
                take(a, contact_phone=f"1390000{n:04d}", content="话费" * 200)
            waiting = sync_status(a.desk).waiting
            if fault == "missing_table":
                engine = sa.create_engine(f"sqlite:///{hall}")
                with engine.begin() as conn:
                    conn.exec_driver_sql("DROP TABLE hall_change")
                engine.dispose()
            elif fault == "read_only":
                read_only(folder)
            else:
                fill(folder)
            result = sync(a.desk, hall)
            assert result.outcome is SyncOutcome.HALL_FAULT, result
            assert words in result.message and "营业厅数据库" in result.message
            assert sync_status(a.desk).waiting == waiting  # nothing lost here
        finally:
            a.close()
