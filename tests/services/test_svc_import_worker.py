"""The import's second process (issue 22: services/importer/worker.py): the rows it checks and
the records it makes are the ones this process checks and makes alone, row for row and change
for change (the rules, the ticket numbers, the repeat links, the clocks, the change log); an
import whose worker dies still writes every row; the worker ends with the import, and with
an import that is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from svc_forms import staffed_desk
from test_svc_import import GOOD_AND_BAD
from test_svc_import_bulk import MORE, _log, _rows
from test_svc_import_clocks import _file

from deskapp.clock import FrozenClock
from deskapp.services.desk import Desk
from deskapp.services.importer import import_file, pipeline, worker, writing
from deskapp.services.staff import actor_of, list_staff
from deskapp.store.models import Complaint, ComplaintEvent

# Text that looks like the change log's own keys, in a customer's words: the worker's records
# are numbered by filling in the change-log text (writing.py `_finish`), never inside a value.
TRICKY = (
    '2026-11-21 11:00,现场,钱"ticket_no": "",13900007777,,"说 ""is_repeat"": false 和 '
    '""repeat_of_id"": null",退费,NET.COVER.INDOOR,,,已结案,2026-11-21 12:00,已退,满意,否,HL-103\n'
)


def _desk(tmp_path: Path, clock: FrozenClock, name: str) -> tuple[Desk, Any]:
    desk = staffed_desk(tmp_path / f"{name}.db", clock)  # copies of one store: the same staff
    return desk, next(actor_of(s) for s in list_staff(desk) if s.work_no == "1001")


def _store(desk: Desk) -> tuple[list, list, list]:
    return _rows(desk, Complaint), _rows(desk, ComplaintEvent), _log(desk)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """What the worker did: its results counted by the work they answer. The worker is
    waited for whenever it has work (this process never checks a batch in its stead), so
    that a small file is checked there too."""
    done = {"check": 0, "make": 0, "workers": 0}
    real_init, real_take = worker.Worker.__init__, worker.Worker.take

    def init(self: worker.Worker, *args: Any) -> None:
        real_init(self, *args)
        done["workers"] += 1

    def take(self: worker.Worker) -> Any:
        made = real_take(self)
        if made:
            done["check" if isinstance(made[0][0], int) else "make"] += len(made)
        return made

    monkeypatch.setattr(worker.Worker, "__init__", init)
    monkeypatch.setattr(worker.Worker, "take", take)
    monkeypatch.setattr(worker.Worker, "ready", lambda self: True)
    return done


@pytest.mark.parametrize("batch", [3, 50])
def test_the_worker_checks_and_makes_what_this_process_would(
    tmp_path: Path, clock: FrozenClock, watched: dict[str, int], batch: int
) -> None:
    source = _file(tmp_path, 120)  # open, closed, visited, on the spot, promises, repeats
    with source.open("a", encoding="utf-8") as extra:
        extra.write("\n".join(GOOD_AND_BAD.splitlines()[1:]) + "\n" + MORE + TRICKY)
    alone, alone_actor = _desk(tmp_path, clock, "alone")
    helped, helped_actor = _desk(tmp_path, clock, "helped")
    objects, objects_actor = _desk(tmp_path, clock, "objects")
    try:
        by_alone = import_file(alone, alone_actor, source, batch=batch, worker=False)
        # ... which writes what the ORM path writes (test_svc_import_bulk.py)
        by_objects = import_file(objects, objects_actor, source, batch=batch, orm=True)
        assert by_objects.imported == by_alone.imported and _store(objects) == _store(alone)
        assert watched["workers"] == 0
        by_helped = import_file(helped, helped_actor, source, batch=batch, worker=True)
        assert watched["workers"] == 1
        assert len(by_helped.imported) > 120 and by_helped.problems  # the rules, applied
        # every row checked and every record made by the worker
        assert watched["check"] == by_helped.rows and watched["make"] == len(by_helped.imported)
        for name in ("rows", "imported", "skipped", "problems", "ignored_columns"):
            assert getattr(by_helped, name) == getattr(by_alone, name), name
        assert _store(helped) == _store(alone)
        linked = [r for r in _rows(helped, Complaint) if r["is_repeat"]]
        assert linked and all(r["repeat_of_id"] for r in linked)
        assert any('"ticket_no": ""' in r["customer_name"] for r in _rows(helped, Complaint))
        # run again: every row is already there, and the worker is given nothing to make
        again = import_file(helped, helped_actor, source, batch=batch, worker=True)
        assert not again.imported and watched["make"] == len(by_helped.imported)
        assert again.skipped == import_file(alone, alone_actor, source, batch=batch,
                                            worker=False).skipped  # fmt: skip
        assert _store(helped) == _store(alone)
    finally:
        alone.close()
        helped.close()
        objects.close()


def test_a_dry_run_checked_by_the_worker_says_what_one_checked_here_says(
    tmp_path: Path, clock: FrozenClock, watched: dict[str, int]
) -> None:
    desk, actor = _desk(tmp_path, clock, "dry")
    try:
        source = _file(tmp_path, 60)
        with source.open("a", encoding="utf-8") as extra:
            extra.write("\n".join(GOOD_AND_BAD.splitlines()[1:]) + "\n")
        here = import_file(desk, actor, source, dry_run=True, worker=False)
        there = import_file(desk, actor, source, dry_run=True, worker=True)
        assert watched["check"] == there.rows and watched["make"] == 0
        assert (there.rows, there.skipped, there.problems) == (here.rows, here.skipped,
                                                               here.problems)  # fmt: skip
        assert not _rows(desk, Complaint)
    finally:
        desk.close()


def test_rows_the_worker_is_behind_on_are_checked_here_and_its_late_answers_dropped(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import checks a batch itself while the worker is two behind, and, the file read,
    every batch the worker has not answered yet; what the worker answers late is thrown away,
    and the records it then makes are taken in their order."""
    taken: list[str] = []
    real_take = worker.Worker.take

    def take(self: worker.Worker) -> Any:
        made = real_take(self)
        taken.append("none" if made is None else "check" if isinstance(made[0][0], int)
                     else "make")  # fmt: skip
        return made

    monkeypatch.setattr(worker.Worker, "ready", lambda self: False)  # never in time
    monkeypatch.setattr(worker.Worker, "take", take)
    monkeypatch.setattr(pipeline, "TICK", 20)
    source = _file(tmp_path, 90)
    alone, alone_actor = _desk(tmp_path, clock, "alone")
    helped, helped_actor = _desk(tmp_path, clock, "helped")
    try:
        by_alone = import_file(alone, alone_actor, source, batch=20, worker=False)
        by_helped = import_file(helped, helped_actor, source, batch=20, worker=True)
        assert taken and set(taken) == {"make"}  # every batch checked here, none taken
        assert by_helped.imported == by_alone.imported and len(by_helped.imported) == 90
        assert by_helped.problems == by_alone.problems
        assert _store(helped) == _store(alone)
    finally:
        alone.close()
        helped.close()


@pytest.mark.parametrize("when", ["check", "make"])
def test_an_import_whose_worker_dies_writes_every_row_all_the_same(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
    watched: dict[str, int], when: str,
) -> None:  # fmt: skip
    source = _file(tmp_path, 90)
    killed: list[int] = []
    sent: list[str] = []
    real_send = worker.Worker.send

    def send(self: worker.Worker, work: tuple[Any, ...]) -> bool:
        sent.append(work[0])
        if sent.count(when) == 2 and not killed:  # killed after its first work of the kind
            assert self.process is not None
            self.process.kill()
            self.process.wait()
            killed.append(self.process.pid)
        return real_send(self, work)

    monkeypatch.setattr(worker.Worker, "send", send)
    monkeypatch.setattr(pipeline, "TICK", 20)  # rows are checked in batches of 20
    alone, alone_actor = _desk(tmp_path, clock, "alone")
    helped, helped_actor = _desk(tmp_path, clock, "helped")
    try:
        by_alone = import_file(alone, alone_actor, source, batch=20, worker=False)
        by_helped = import_file(helped, helped_actor, source, batch=20, worker=True)
        assert killed
        assert by_helped.imported == by_alone.imported and len(by_helped.imported) == 90
        assert by_helped.problems == by_alone.problems
        assert _store(helped) == _store(alone)
    finally:
        alone.close()
        helped.close()


def test_the_worker_ends_with_the_import_and_with_one_that_fails(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
    watched: dict[str, int],
) -> None:  # fmt: skip
    started: list[worker.Worker] = []
    real_init = worker.Worker.__init__

    def init(self: worker.Worker, *args: Any) -> None:
        real_init(self, *args)
        started.append(self)

    monkeypatch.setattr(worker.Worker, "__init__", init)
    desk, actor = _desk(tmp_path, clock, "ends")
    try:
        assert len(import_file(desk, actor, _file(tmp_path, 30), worker=True).imported) == 30
        real_write = writing._write_chunk

        def write_chunk(*args: Any) -> None:
            real_write(*args)
            raise OSError("the disk went away")

        monkeypatch.setattr(writing, "_write_chunk", write_chunk)
        with pytest.raises(OSError):
            import_file(desk, actor, _file(tmp_path, 40, seed=8), worker=True, batch=10)
    finally:
        desk.close()
    assert len(started) == 2
    for each in started:
        assert each.process is not None and each.process.returncode is not None
        with pytest.raises(ProcessLookupError):  # ended, and reaped
            os.kill(each.process.pid, 0)


KILLED_IMPORT = r"""
import sys, time
from pathlib import Path
from deskapp.services.desk import Desk
from deskapp.services.importer import import_file, importing_actor, worker

desk = Desk.open(Path(sys.argv[1]))
actor = importing_actor(desk, "1001", "1111")
real_init = worker.Worker.__init__

def init(self, *args):
    real_init(self, *args)
    print(self.pid, flush=True)

worker.Worker.__init__ = init

def progress(phase, done, total):
    if phase == "write" and done:  # the worker is making the next chunks: killed here
        print("writing", flush=True)
        time.sleep(60)

import_file(desk, actor, Path(sys.argv[2]), batch=20, worker=True, progress=progress)
"""


def test_a_killed_import_takes_its_worker_with_it(tmp_path: Path, clock: FrozenClock) -> None:
    desk, _ = _desk(tmp_path, clock, "killed")
    db = str(desk.engine.url.database)
    desk.close()
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, db, str(_file(tmp_path, 100))],
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout is not None
        pid = int(child.stdout.readline())
        assert child.stdout.readline().strip() == "writing"
        os.kill(pid, 0)  # the worker runs
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            with open(f"/proc/{pid}/stat") as stat:  # an ended child of init not yet reaped
                if stat.read().split(") ")[1].startswith("Z"):
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("the worker outlived its import")
    finally:
        child.kill()
        child.wait()


def test_the_import_leaves_the_stores_connection_as_durable_as_it_found_it(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """During an import the write-ahead log is copied into the store less often (writing.py
    `WAL_PAGES`): every commit is still synced (synchronous=FULL), and afterwards the desk's
    own writes copy it as often as before."""
    desk, actor = _desk(tmp_path, clock, "pragmas")
    seen: list[tuple[int, int]] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "write" and done:
            with desk.engine.connect() as connection:
                seen.append(tuple(connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                                  for name in ("synchronous", "wal_autocheckpoint")))  # fmt: skip

    try:
        import_file(desk, actor, _file(tmp_path, 30), batch=10, worker=False, progress=progress)
        assert seen and all(synchronous == 2 for synchronous, _ in seen)  # FULL
        assert all(pages == writing.WAL_PAGES for _, pages in seen)
        with desk.engine.connect() as connection:
            after = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert after == writing.DEFAULT_WAL_PAGES == 1000  # SQLite's default
    finally:
        desk.close()
