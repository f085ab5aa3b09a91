"""Joining the hall: a new terminal's bootstrap (open tickets, a window of history, all
staff; older records fetched when something refers to them), the schema-version handshake,
an unreachable store, a network filesystem, and `deskapp sync`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sync_kit import (
    assert_identical,
    content,
    first_terminal,
    new_terminal,
    own_log,
    take,
)

from deskapp.cli import main
from deskapp.services import followup
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Desk
from deskapp.store.models import SCHEMA_VERSION, Complaint, ComplaintEvent, Staff, SyncRun
from deskapp.sync import HallStore, SyncOutcome, hall_engines, sync, sync_status
from deskapp.sync import hall as hall_module
from deskapp.sync.hall import hall_meta


def ids(desk, model) -> set[str]:
    with desk.read() as s:
        return set(s.scalars(sa.select(model.id)))


def test_a_new_terminal_takes_open_tickets_a_window_and_all_staff(
    tmp_path: Path, hall_url: str
) -> None:
    a = first_terminal(tmp_path)
    c = None
    try:
        handler = a.actors["1001"]
        # Work from half a year ago: one ticket closed then, one still open
        a.clock.advance(-timedelta(days=180))
        old_closed = take(a, contact_phone="13911110001")
        followup.close(
            a.desk,
            handler,
            old_closed,
            outcome="当时已解决",
            facts=closing_facts(a.desk, old_closed),
        )
        old_open = take(a, contact_phone="13911110002")
        a.clock.advance(timedelta(days=180))
        recent_closed = take(a, contact_phone="13911110003")
        followup.close(
            a.desk,
            handler,
            recent_closed,
            outcome="已解决",
            facts=closing_facts(a.desk, recent_closed),
        )
        fresh = take(a, contact_phone="13911110004")
        assert sync(a.desk, hall_url).ok

        c = new_terminal(tmp_path, "T03")
        result = sync(c.desk, hall_url, window_days=90)
        assert result.ok and result.bootstrapped
        assert ids(c.desk, Staff) == ids(a.desk, Staff)
        assert ids(c.desk, Complaint) == {old_open, recent_closed, fresh}
        with c.desk.read() as s:  # each record whole, with its events
            events = set(s.scalars(sa.select(ComplaintEvent.id)))
        with a.desk.read() as s:
            expected = set(
                s.scalars(
                    sa.select(ComplaintEvent.id).where(ComplaintEvent.complaint_id != old_closed)
                )
            )
        assert events == expected
        assert sync_status(c.desk).last_success_at == c.clock.now()
        # the new terminal works at once: its first shift can start
        mine = take(c, "1002", contact_phone="13911110005")
        assert sync(c.desk, hall_url).ok and sync(a.desk, hall_url).ok
        assert mine in ids(a.desk, Complaint)
        # a return visit on the old closed ticket (elsewhere) brings it here, whole
        followup.record_visit(a.desk, handler, old_closed, satisfaction="satisfied")
        assert sync(a.desk, hall_url).ok
        assert sync(c.desk, hall_url).ok
        assert old_closed in ids(c.desk, Complaint)
        mine_a, mine_c = content(a.desk), content(c.desk)
        assert mine_a["complaint"] == mine_c["complaint"]
        assert mine_a["complaint_event"] == mine_c["complaint_event"]
        assert mine_a["staff"] == mine_c["staff"]
    finally:
        a.close()
        if c is not None:
            c.close()


def test_a_terminal_with_an_older_schema_must_be_updated_and_works_offline(
    tmp_path: Path, hall_url: str
) -> None:
    a = first_terminal(tmp_path)
    b = new_terminal(tmp_path, "T02")
    try:
        assert sync(a.desk, hall_url).ok and sync(b.desk, hall_url).ok
        # a terminal of the next version pushes a change with a newer record schema
        store = HallStore.open(hall_url)
        try:
            newer = store.handshake("node-next", "GZ01", "T09", SCHEMA_VERSION + 1, a.clock.now())
            assert not newer.must_update
            staff_id = next(iter(ids(a.desk, Staff)))
            store.receive(
                "node-next",
                [
                    {
                        "node_id": "node-next", "seq": 1, "txn_id": "x1", "entity": "staff",
                        "entity_id": staff_id, "root_id": staff_id, "op": "update",
                        "fields": json.dumps({"name": "张敏"}),
                        "hlc": "001795484000000.000000.node-next",
                        "schema_version": SCHEMA_VERSION + 1, "actor_id": "system:test",
                        "at": a.clock.now().isoformat(), "seen": 0,
                    }
                ],
                a.clock.now(),
            )  # fmt: skip
        finally:
            store.close()
        take(b, "1002")
        waiting = sync_status(b.desk).waiting
        result = sync(b.desk, hall_url)
        assert result.outcome is SyncOutcome.MUST_UPDATE
        assert result.pushed == result.pulled == 0
        assert "须升级" in result.message and "离线" in result.message
        status = sync_status(b.desk)
        assert status.must_update and status.waiting == waiting > 0
        assert "须升级" in status.header(b.desk.tz)
        take(b, "1002", contact_phone="13900002222")  # the desk works on, offline
        assert sync_status(b.desk).waiting > waiting
        with b.desk.read() as s:
            outcomes = s.scalars(sa.select(SyncRun.outcome).order_by(SyncRun.started_at.desc()))
            assert outcomes.first() == "must_update"
        # a hall store made by a newer version is refused the same way
        store = HallStore.open(hall_url)
        try:
            with store.write() as conn:
                conn.execute(
                    sa.update(hall_meta).where(hall_meta.c.key == "hall_schema").values(value="99")
                )
        finally:
            store.close()
        assert sync(a.desk, hall_url).outcome is SyncOutcome.MUST_UPDATE
    finally:
        a.close()
        b.close()


def test_an_unreachable_hall_store_leaves_the_desk_working(tmp_path: Path) -> None:
    a = first_terminal(tmp_path)
    try:
        take(a)
        result = sync(a.desk, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
        assert result.outcome is SyncOutcome.UNREACHABLE
        assert "离线" in result.message
        assert sync_status(a.desk).waiting == len(own_log(a.desk))
        take(a, contact_phone="13900003333")
        hall = str(tmp_path / "hall.db")
        assert sync(a.desk, hall, new_hall=True).ok  # once it is there, everything goes
        assert sync_status(a.desk).waiting == 0
    finally:
        a.close()


def test_a_sqlite_hall_store_on_a_network_filesystem_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert hall_engines._mount_type(tmp_path) not in hall_module.NETWORK_FILESYSTEMS
    monkeypatch.setattr(hall_engines, "_mount_type", lambda path: "nfs4")
    a = first_terminal(tmp_path)
    try:
        result = sync(a.desk, str(tmp_path / "share" / "hall.db"))
        assert result.outcome is SyncOutcome.ERROR
        assert "网络文件系统" in result.message and "PostgreSQL" in result.message
        assert not (tmp_path / "share" / "hall.db").exists()
    finally:
        a.close()


def test_a_sqlite_hall_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    import stat

    path = tmp_path / "hall" / "hall.db"
    engine = hall_module.hall_engine(str(path), create=True)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
    finally:
        engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_deskapp_sync_command(tmp_path: Path) -> None:
    a = first_terminal(tmp_path)
    db = tmp_path / "t01.db"
    take(a)
    a.close()
    runner = CliRunner()
    hall = str(tmp_path / "hall.db")
    missing = runner.invoke(main, ["--db", str(db), "sync"], env={"DESKAPP_HALL_URL": ""})
    assert missing.exit_code == 2 and "DESKAPP_HALL_URL" in missing.output
    done = runner.invoke(main, ["--db", str(db), "sync", "--new-hall"],
                         env={"DESKAPP_HALL_URL": hall})  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "同步完成" in done.output
    other = tmp_path / "t02"
    other.mkdir()
    assert runner.invoke(main, ["--db", str(other / "d.db"), "init", "--hall", "GZ01",
                                "--terminal", "T02"]).exit_code == 0  # fmt: skip
    joined = runner.invoke(main, ["--db", str(other / "d.db"), "sync", "--hall", hall])
    assert joined.exit_code == 0 and "近期记录" in joined.output
    down = runner.invoke(
        main, ["--db", str(db), "sync", "--hall", "postgresql://x@127.0.0.1:1/none"]
    )
    assert down.exit_code == 4 and "离线" in down.output


def test_two_terminals_on_one_machine_hand_over_through_a_sqlite_file(tmp_path: Path) -> None:
    """The demo's set-up: two stores, one hall file, each syncing in turn."""
    hall = str(tmp_path / "hall.db")
    a = first_terminal(tmp_path)
    b = new_terminal(tmp_path, "T02")
    try:
        assert sync(a.desk, hall, new_hall=True).ok  # as the demo starts its hall
        for _ in range(2):
            assert sync(a.desk, hall).ok and sync(b.desk, hall).ok
            take(a, contact_phone="13900004444")
            take(b, "1002", contact_phone="13900005555")
        for _ in range(2):
            assert sync(a.desk, hall).ok and sync(b.desk, hall).ok
        assert len(assert_identical([a, b])["complaint"]) == 4
    finally:
        a.close()
        b.close()


def _tables(path: Path) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("given", ["other_terminal", "own_store", "unrelated", "folder"])
def test_a_file_that_is_not_a_hall_store_is_refused_and_left_as_it_was(
    tmp_path: Path, given: str
) -> None:
    """`deskapp --db t3.db sync --hall t4.db`: another terminal's store, the terminal's own,
    an unrelated database or a folder is never made a hall store (exit 2, in words)."""
    runner = CliRunner()
    stores = {}
    for code in ("T03", "T04"):
        stores[code] = tmp_path / f"{code.lower()}.db"
        init = ["--db", str(stores[code]), "init", "--hall", "GZ01", "--terminal", code]
        assert runner.invoke(main, init).exit_code == 0
    unrelated = tmp_path / "notes.db"
    engine = sa.create_engine(f"sqlite:///{unrelated}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE note (x TEXT)")
    engine.dispose()
    (tmp_path / "folder").mkdir()
    target = {
        "other_terminal": stores["T04"],
        "own_store": stores["T03"],
        "unrelated": unrelated,
        "folder": tmp_path / "folder",
    }[given]
    before = _tables(target) if target.is_file() else set()
    done = runner.invoke(main, ["--db", str(stores["T03"]), "sync", "--hall", str(target)])
    assert done.exit_code == 2, done.output
    assert "营业厅数据库" in done.output and str(target) in done.output
    assert "Traceback" not in done.output and len(done.output.strip().splitlines()) == 1
    if target.is_file():
        assert _tables(target) == before
        assert not {name for name in before if name.startswith("hall_")}
    # a new file with --new-hall, and then the hall store it is, are still taken
    hall = tmp_path / "hall.db"
    for flags in (["--new-hall"], []):
        sync_args = ["--db", str(stores["T03"]), "sync", "--hall", str(hall), *flags]
        ok = runner.invoke(main, sync_args)
        assert ok.exit_code == 0, ok.output


def test_sync_of_a_store_without_a_terminal_identity_says_how_to_init(tmp_path: Path) -> None:
    """Attack 6: in words, with the `deskapp init` command for this very store (exit 2)."""
    db = tmp_path / "fresh.db"
    Desk.open(db).close()  # a store, never given its identity (none at all: test_cli_no_store)
    done = CliRunner().invoke(main, ["--db", str(db), "sync", "--hall", str(tmp_path / "hall.db")])
    assert done.exit_code == 2, done.output
    assert f"deskapp --db {db} init --hall" in done.output and "终端身份" in done.output
    assert "TerminalNotInitialised" not in done.output and "Traceback" not in done.output
    assert not (tmp_path / "hall.db").exists()


# ------------------------------------------------- a hall store is started on purpose only


def test_a_mistyped_hall_path_is_refused_and_the_changes_stay_waiting(tmp_path: Path) -> None:
    """`deskapp --db t01.db sync --hall hal.db` (for hall.db): no hall store is started there,
    the command says so in words with how to start one (exit 2), and the terminal does not
    look synchronized: its changes stay waiting until the hall it joined holds them."""
    runner = CliRunner()
    db, hall, typo = tmp_path / "t01.db", tmp_path / "hall.db", tmp_path / "hal.db"
    a = first_terminal(tmp_path)
    try:
        assert sync(a.desk, str(hall), new_hall=True).ok
        take(a, contact_phone="13900006666")
        waiting = sync_status(a.desk).waiting
        assert waiting > 0
    finally:
        a.close()
    done = runner.invoke(main, ["--db", str(db), "sync", "--hall", str(typo)])
    assert done.exit_code == 2, done.output
    assert f"{typo} 处没有营业厅数据库" in done.output and "--new-hall" in done.output
    assert "Traceback" not in done.output and len(done.output.strip().splitlines()) == 1
    assert not typo.exists() and not list(tmp_path.glob("hal.db*"))
    a = first_terminal(tmp_path)
    try:
        assert sync_status(a.desk).waiting == waiting
        assert sum(r.acked_at is None for r in own_log(a.desk)) == waiting
        assert sync(a.desk, str(hall)).ok
        assert sync_status(a.desk).waiting == 0
        assert all(r.acked_at is not None for r in own_log(a.desk))
    finally:
        a.close()


def test_an_empty_postgresql_schema_is_not_made_a_hall_store_by_a_sync(
    tmp_path: Path, pg_url: str
) -> None:
    a = first_terminal(tmp_path)
    try:
        take(a)
        result = sync(a.desk, pg_url)
        assert result.outcome is SyncOutcome.BAD_HALL and "--new-hall" in result.message
        engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            assert not sa.inspect(engine).get_table_names()  # nothing was created
        finally:
            engine.dispose()
        assert sync_status(a.desk).waiting == len(own_log(a.desk))
        assert sync(a.desk, pg_url, new_hall=True).ok  # started on purpose
        assert sync_status(a.desk).waiting == 0
    finally:
        a.close()


def test_acknowledgement_is_per_hall_store(tmp_path: Path, hall_url: str) -> None:
    """What another hall store holds is not what the joined one holds: syncing with another
    hall is refused unless the terminal joins it on purpose (--join), and after joining back,
    the changes only the other one holds are waiting again, and then sent."""
    a = first_terminal(tmp_path)
    other = str(tmp_path / "other-hall.db")
    try:
        assert sync(a.desk, hall_url).ok
        b = new_terminal(tmp_path / "b", "T02")
        try:
            assert sync(b.desk, other, new_hall=True).ok  # another hall's own store
        finally:
            b.close()
        take(a, contact_phone="13900007777")
        waiting = sync_status(a.desk).waiting
        refused = sync(a.desk, other)
        assert refused.outcome is SyncOutcome.BAD_HALL and "--join" in refused.message
        with HallStore.open(other).engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM hall_terminal").scalar() == 1
        assert sync_status(a.desk).waiting == waiting
        assert sync(a.desk, other, join=True).ok
        assert sync_status(a.desk).waiting == 0
        refused = sync(a.desk, hall_url)  # the first hall is now the other one
        assert refused.outcome is SyncOutcome.BAD_HALL
        assert sync_status(a.desk).waiting == 0  # the joined hall holds everything
        back = sync(a.desk, hall_url, join=True)
        assert back.ok and back.pushed == waiting  # what only the other hall held
        assert sync_status(a.desk).waiting == 0
        assert all(r.acked_at is not None for r in own_log(a.desk))
    finally:
        a.close()


def test_new_hall_never_moves_a_joined_terminal_to_another_hall(tmp_path: Path) -> None:
    """`sync --new-hall` at another address (a new one, or another hall's store) is refused
    for a terminal that joined a hall already, as syncing with another hall is (exit 2): its
    changes stay waiting for its own hall. With --join it is done on purpose."""
    runner = CliRunner()
    db, hall = tmp_path / "t01.db", tmp_path / "hall.db"
    fresh, other = tmp_path / "fresh-hall.db", tmp_path / "other-hall.db"
    a = first_terminal(tmp_path)
    try:
        assert sync(a.desk, str(hall), new_hall=True).ok
        b = new_terminal(tmp_path / "b", "T02")
        try:
            assert sync(b.desk, str(other), new_hall=True).ok
        finally:
            b.close()
        take(a, contact_phone="13900008888")
        waiting = sync_status(a.desk).waiting
        assert waiting > 0
        refused = sync(a.desk, str(other), new_hall=True)
        assert refused.outcome is SyncOutcome.BAD_HALL and "--join" in refused.message
        assert sync_status(a.desk).waiting == waiting
        assert sync(a.desk, str(hall), new_hall=True).ok  # its own hall: nothing moves
        take(a, contact_phone="13900008889")
        waiting = sync_status(a.desk).waiting
        done = runner.invoke(main, ["--db", str(db), "sync", "--hall", str(fresh), "--new-hall"])
        assert done.exit_code == 2, done.output
        assert "--join" in done.output and not fresh.exists()
        assert sync_status(a.desk).waiting == waiting
        assert sync(a.desk, str(hall)).ok and sync_status(a.desk).waiting == 0
        assert sync(a.desk, str(fresh), new_hall=True, join=True).ok  # on purpose
    finally:
        a.close()


# ----------------------------------------------- a hall store that is busy, or not there


def test_a_locked_sqlite_hall_store_is_said_busy_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from deskapp.sync import hall_engines

    monkeypatch.setattr(hall_engines, "BUSY_TIMEOUT_MS", 50)
    hall = tmp_path / "hall.db"
    a = first_terminal(tmp_path)
    try:
        assert sync(a.desk, str(hall), new_hall=True).ok
        take(a, contact_phone="13900005555")
        waiting = sync_status(a.desk).waiting
        holder = sqlite3.connect(hall, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another terminal's long write
        try:
            busy = sync(a.desk, str(hall))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert busy.outcome is SyncOutcome.HALL_FAULT, busy
        assert "营业厅数据库正被" in busy.message and "自动重试" in busy.message
        assert "database is locked" not in busy.message
        assert sync_status(a.desk).waiting == waiting
        assert sync(a.desk, str(hall)).ok and sync_status(a.desk).waiting == 0
    finally:
        a.close()


def test_a_postgresql_hall_store_locked_by_another_session_is_said_busy(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table of the hall held by another session: the sync stops after the lock timeout
    (never waits forever) and says the hall store is busy."""
    import psycopg

    from deskapp.sync import hall_engines

    monkeypatch.setattr(hall_engines, "PG_LOCK_TIMEOUT_MS", 300)
    a = first_terminal(tmp_path)
    try:
        assert sync(a.desk, pg_url, new_hall=True).ok
        take(a, contact_phone="13900004444")
        with psycopg.connect(pg_url) as holder:
            holder.execute("LOCK TABLE hall_meta IN ACCESS EXCLUSIVE MODE")
            busy = sync(a.desk, pg_url)
            holder.rollback()
        assert busy.outcome is SyncOutcome.HALL_FAULT, busy
        assert "营业厅数据库正被" in busy.message
        assert sync(a.desk, pg_url).ok and sync_status(a.desk).waiting == 0
    finally:
        a.close()


def test_a_mistyped_postgresql_database_or_schema_is_no_hall_store(
    tmp_path: Path, pg_url: str
) -> None:
    """postgresql://…/nope: no hall store there (exit 2, in words), not an unreachable hall
    retried for ever; and --new-hall into a schema that does not exist says so too."""
    from sync_kit import with_schema

    runner = CliRunner()
    a = first_terminal(tmp_path)
    a.close()
    db = str(tmp_path / "t01.db")
    url = sa.engine.make_url(pg_url)
    base = url.set(database="deskapp_no_such_db", query={}).render_as_string(hide_password=False)
    nope = runner.invoke(main, ["--db", db, "sync", "--hall", base])
    assert nope.exit_code == 2, nope.output
    assert "没有这个数据库" in nope.output and "Traceback" not in nope.output
    plain = url.set(query={}).render_as_string(hide_password=False)
    schema = with_schema(plain, "deskapp_no_such_schema")
    missing = runner.invoke(main, ["--db", db, "sync", "--hall", schema, "--new-hall"])
    assert missing.exit_code == 2, missing.output
    assert "schema" in missing.output and "ProgrammingError" not in missing.output


def test_a_hall_started_in_an_existing_empty_file_is_owner_only(tmp_path: Path) -> None:
    import stat

    hall = tmp_path / "hall.db"
    hall.touch(mode=0o644)
    hall.chmod(0o644)
    a = first_terminal(tmp_path)
    try:
        assert sync(a.desk, str(hall), new_hall=True).ok
    finally:
        a.close()
    assert stat.S_IMODE(hall.stat().st_mode) == 0o600


def test_a_new_terminal_hides_the_watch_entry_from_the_staff_an_old_complaint_accuses(
    tmp_path: Path, hall_url: str
) -> None:
    from deskapp.services.customer import WatchForm, save_watch_entry, watch_for_customer

    a = first_terminal(tmp_path)
    c = None
    try:
        accused = a.actors["1002"].id
        old = take(a, contact_phone="13900000001", accused_staff_id=accused)
        followup.close(
            a.desk, a.actors["1001"], old, outcome="当场解决", facts=closing_facts(a.desk, old)
        )
        form = WatchForm(customer="13900000001", advice="先听完再解释", review_on="2027-06-30")
        save_watch_entry(a.desk, a.actors["2001"], form)
        assert sync(a.desk, hall_url).ok
        # 100 days on, the complaint is outside a new terminal's window of history.
        c = new_terminal(tmp_path, "T03", offset=timedelta(days=100))
        assert sync(c.desk, hall_url, window_days=90).ok
        assert old in ids(c.desk, Complaint)
        assert watch_for_customer(c.desk, c.actors["1002"], "13900000001") is None
        assert watch_for_customer(c.desk, c.actors["1001"], "13900000001") is not None
    finally:
        a.close()
        if c is not None:
            c.close()


def test_an_open_batch_older_than_the_window_comes_whole_with_its_linked_tickets(
    tmp_path: Path, hall_url: str
) -> None:
    from deskapp.services.batches import BatchForm, close_batch, open_batch
    from deskapp.services.demo import closing_facts
    from deskapp.services.followup import ClosingFacts
    from deskapp.store.models import BatchIncident

    a = first_terminal(tmp_path)
    c = None
    try:
        manager, handler = a.actors["2001"], a.actors["1001"]
        a.clock.advance(-timedelta(days=180))  # a long outage, opened half a year ago
        outage = open_batch(a.desk, manager, BatchForm(title="城东基站故障", cause_code="NET"))
        done = open_batch(a.desk, manager, BatchForm(title="旧故障", cause_code="NET"))
        linked_closed = take(a, contact_phone="13911110011", batch_id=outage.id)
        followup.close(a.desk, handler, linked_closed, outcome="临时恢复",
                       facts=closing_facts(a.desk, linked_closed))  # fmt: skip
        linked_open = take(a, contact_phone="13911110012", batch_id=outage.id)
        of_done = take(a, contact_phone="13911110013", batch_id=done.id)
        a.clock.advance(timedelta(hours=2))
        close_batch(a.desk, manager, done.id, "已修复", ClosingFacts("customer"))
        a.clock.advance(timedelta(days=180) - timedelta(hours=2))
        assert sync(a.desk, hall_url).ok

        c = new_terminal(tmp_path, "T03")
        assert sync(c.desk, hall_url, window_days=90).ok
        assert ids(c.desk, BatchIncident) == {outage.id}  # the closed old batch stays behind
        assert {linked_closed, linked_open} <= ids(c.desk, Complaint)
        assert of_done not in ids(c.desk, Complaint)
        with c.desk.read() as s:
            here = s.get(BatchIncident, outage.id)
            assert here is not None and here.status == "open" and here.title == "城东基站故障"
        # Closed on the new terminal, the batch reaches what it needs to.
        assert close_batch(
            c.desk, c.actors["2001"], outage.id, "光缆已修复", ClosingFacts("customer")
        ).closed == [linked_open]
    finally:
        a.close()
        if c is not None:
            c.close()


def test_a_watch_entry_listed_after_the_join_stays_hidden_from_the_manager_an_old_complaint_accuses(
    tmp_path: Path, hall_url: str
) -> None:
    """fix18a: the number is listed only after a new terminal joined; its accused complaint is
    150 days old, outside the join's window. The terminal that pulls the entry fetches the
    number's complaints from the hall with it, so the accused manager never sees the entry."""
    from deskapp.services.customer import (
        WatchForm,
        save_watch_entry,
        watch_for_customer,
        watch_list,
    )

    a = first_terminal(tmp_path)
    c = None
    try:
        accused = a.actors["2001"].id
        old = take(a, contact_phone="13900000002", accused_staff_id=accused)
        followup.close(
            a.desk, a.actors["1001"], old, outcome="当场解决", facts=closing_facts(a.desk, old)
        )
        a.clock.advance(timedelta(days=150))
        assert sync(a.desk, hall_url).ok
        c = new_terminal(tmp_path, "T03", offset=timedelta(days=150))
        assert sync(c.desk, hall_url, window_days=90).ok
        assert old not in ids(c.desk, Complaint)  # nothing watched yet: outside the window
        form = WatchForm(customer="13900000002", advice="先听完再解释", review_on="2027-06-30")
        entry = save_watch_entry(a.desk, a.actors["3001"], form)
        assert sync(a.desk, hall_url).ok
        assert sync(c.desk, hall_url).ok
        assert old in ids(c.desk, Complaint)  # fetched with the entry
        assert watch_for_customer(c.desk, c.actors["2001"], "13900000002") is None
        assert entry.id not in {v.id for v in watch_list(c.desk, c.actors["2001"])}
        seen = watch_for_customer(c.desk, c.actors["1001"], "13900000002")
        assert seen is not None and seen.id == entry.id
    finally:
        a.close()
        if c is not None:
            c.close()


def test_a_new_terminal_takes_the_whole_case_library_however_old(
    tmp_path: Path, hall_url: str
) -> None:
    """fix18a: a case marked 120 days ago (its ticket older still) is in the library of a
    terminal that joins with a 90-day window, shown masked as everywhere."""
    from deskapp.services.cases import case_page, mark_case

    a = first_terminal(tmp_path)
    c = None
    try:
        old = take(a, contact_phone="13900000003", content="客户13900000003反映网速慢")
        followup.close(
            a.desk, a.actors["1001"], old, outcome="当场解决", facts=closing_facts(a.desk, old)
        )
        case = mark_case(a.desk, a.actors["2001"], old, "先测速再解释", "营业厅核实后当场处理").id
        a.clock.advance(timedelta(days=120))
        assert sync(a.desk, hall_url).ok
        c = new_terminal(tmp_path, "T03", offset=timedelta(days=120))
        assert sync(c.desk, hall_url, window_days=90).ok
        (shown,) = case_page(c.desk).rows
        assert shown.id == case and "13900000003" not in shown.summary + shown.lesson
        assert old in ids(c.desk, Complaint)
    finally:
        a.close()
        if c is not None:
            c.close()
