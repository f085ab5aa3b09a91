"""`deskapp staff ...`: a hall manager's work number (--as) and PIN, typed without echo or from
DESKAPP_MANAGER_PIN, authorize every change; only the first member of an empty store, a hall
manager, needs no one. Refusals are audited (`deskapp refusals`) and write nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_kit import run, staffed_store

from deskapp.domain.errors import RuleViolation
from deskapp.services.desk import Desk
from deskapp.services.staff import sign_in


@pytest.fixture
def db(tmp_path: Path) -> str:
    return staffed_store(tmp_path / "t.db")


def staff_rows(db: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT work_no, role, active FROM staff ORDER BY work_no").fetchall()


def test_the_first_member_of_an_empty_store_must_be_a_hall_manager(tmp_path: Path) -> None:
    path = str(tmp_path / "t.db")
    run("--db", path, "init", "--hall", "GZ01", "--terminal", "T01")
    result = run("--db", path, "staff", "add", "--work-no", "1001", "--name", "张敏",
                 "--pin", "1111")  # fmt: skip
    assert result.exit_code == 2
    assert "第一位须为厅经理" in result.output
    assert staff_rows(path) == []


def test_adding_to_a_staffed_store_needs_a_hall_manager(db: str) -> None:
    before = staff_rows(db)
    # No --as: a usage error, nothing asked, nothing written.
    result = run("--db", db, "staff", "add", "--work-no", "1003", "--name", "赵丽",
                 "--role", "hall_manager", "--pin", "4444")  # fmt: skip
    assert result.exit_code != 0 and "厅经理" in result.output
    # A handler's own work number and PIN: refused by the matrix, audited.
    result = run("--db", db, "staff", "add", "--work-no", "1003", "--name", "赵丽",
                 "--role", "hall_manager", "--pin", "4444", "--as", "1002",
                 env={"DESKAPP_MANAGER_PIN": "2222"})  # fmt: skip
    assert result.exit_code == 2 and "员工管理须由厅经理进行" in result.output
    assert "2222" not in result.output
    # The hall manager's work number with a wrong PIN: refused, counted.
    result = run("--db", db, "staff", "add", "--work-no", "1003", "--name", "赵丽",
                 "--pin", "4444", "--as", "3001", input="0000\n")  # fmt: skip
    assert result.exit_code == 2 and "还可尝试 4 次" in result.output
    assert staff_rows(db) == before
    listing = run("--db", db, "refusals", "--days", "1").output
    assert "1002\t刘洋\t投诉处理员\t员工管理" in listing


def test_a_hall_manager_changes_a_role_deactivates_resets_and_unlocks(db: str) -> None:
    pin = {"DESKAPP_MANAGER_PIN": "9999"}
    result = run("--db", db, "staff", "role", "--work-no", "1002", "--role", "duty_manager",
                 "--as", "3001", env=pin)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert ("1002", "duty_manager", 1) in staff_rows(db)

    result = run("--db", db, "staff", "reset-pin", "--work-no", "1002", "--as", "3001",
                 input="5678\n5678\n", env=pin)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "5678" not in result.output

    desk = Desk.open(Path(db))
    try:
        for _ in range(5):  # the member locks themselves out
            with pytest.raises(RuleViolation):
                sign_in(desk, "1002", "0000")
    finally:
        desk.close()
    assert "锁定至" in run("--db", db, "staff", "list").output
    signins = run("--db", db, "staff", "signins").output
    assert "PIN错误" in signins and "锁定" in signins and "GZ01-T01\t1002\t刘洋" in signins
    result = run("--db", db, "staff", "unlock", "--work-no", "1002", "--as", "3001", env=pin)
    assert result.exit_code == 0, result.output
    assert "锁定至" not in run("--db", db, "staff", "list").output

    result = run("--db", db, "staff", "deactivate", "--work-no", "1002", "--as", "3001", env=pin)
    assert result.exit_code == 0, result.output
    assert ("1002", "duty_manager", 0) in staff_rows(db)
    assert "停用" in run("--db", db, "staff", "list").output


def test_the_last_hall_manager_cannot_be_deactivated_from_the_cli(db: str) -> None:
    result = run("--db", db, "staff", "deactivate", "--work-no", "3001", "--as", "3001",
                 env={"DESKAPP_MANAGER_PIN": "9999"})  # fmt: skip
    assert result.exit_code == 2 and "最后一位在岗的厅经理" in result.output
    assert ("3001", "hall_manager", 1) in staff_rows(db)


# Each staff command authorized by --as, with the rest of what it needs, for the work number
# 3001 (the change refused is to the hall manager herself).
REFUSED_ARGS = {
    "add": ["--work-no", "1003", "--name", "赵丽", "--pin", "4444"],
    "role": ["--work-no", "3001", "--role", "handler"],
    "deactivate": ["--work-no", "3001"],
    "reset-pin": ["--work-no", "3001", "--pin", "4444"],
    "unlock": ["--work-no", "3001"],
}


def test_every_staff_command_authorized_by_as_is_walked() -> None:
    from deskapp.cli import staff

    authorized = {
        name for name, command in staff.commands.items()
        if any(p.name == "manager_work_no" for p in command.params)
    }  # fmt: skip
    assert authorized == set(REFUSED_ARGS)


@pytest.mark.parametrize("command", sorted(REFUSED_ARGS))
def test_a_refused_staff_command_audits_the_work_number_it_was_for(db: str, command: str) -> None:
    args = REFUSED_ARGS[command]
    result = run("--db", db, "staff", command, *args, "--as", "1002",
                 env={"DESKAPP_MANAGER_PIN": "2222"})  # fmt: skip
    assert result.exit_code == 2 and "员工管理须由厅经理进行" in result.output
    target = args[args.index("--work-no") + 1]
    listing = run("--db", db, "refusals", "--days", "1").output
    assert listing.splitlines()[0].endswith(f"1002\t刘洋\t投诉处理员\t员工管理\t{target}")


@pytest.mark.parametrize(
    "command",
    [("add", "--work-no", "1009", "--name", "王五", "--as", "3001"),
     ("add", "--work-no", "1009", "--name", "王五", "--pin", "5555", "--as", "3001"),
     ("role", "--work-no", "1002", "--role", "duty_manager", "--as", "3001")],
)  # fmt: skip
def test_a_store_another_program_holds_is_said_before_any_pin_is_asked(
    db: str, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack on fix22e: `staff add` asked its PIN twice and the manager's, then waited and
    said the store was busy. The store is tried first (here with a short wait)."""
    from click.testing import CliRunner
    from faults import write_lock_held_elsewhere

    import deskapp.store.engine as engine
    from deskapp.cli import main

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 300)
    before = staff_rows(db)
    with write_lock_held_elsewhere(db):
        result = CliRunner().invoke(
            main, ["--db", db, "staff", *command], input="5555\n5555\n9999\n"
        )
    assert result.exit_code == 5, result.output + result.stderr
    assert "PIN" not in result.output + result.stderr
    assert "占用" in result.stderr
    assert staff_rows(db) == before


@pytest.mark.parametrize(
    "command",
    [("add", "--work-no", "1009", "--name", "王五", "--as", "3001"),
     ("role", "--work-no", "1002", "--role", "duty_manager", "--as", "3001")],
)  # fmt: skip
def test_a_read_only_store_is_said_before_any_pin_is_asked(
    db: str, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same as a held store, for a store that cannot be written at all (`PRAGMA
    query_only` on every connection the command opens): said, with no PIN asked."""
    from click.testing import CliRunner

    import deskapp.store.engine as engine
    from deskapp.cli import main
    from deskapp.cli_faults import ExitCode

    before = staff_rows(db)
    original = engine._on_connect

    def read_only(dbapi_connection: sqlite3.Connection, record: object) -> None:
        original(dbapi_connection, record)
        dbapi_connection.execute("PRAGMA query_only = ON")

    monkeypatch.setattr(engine, "_on_connect", read_only)
    result = CliRunner().invoke(main, ["--db", db, "staff", *command], input="5555\n5555\n9999\n")
    assert result.exit_code == ExitCode.STORE_READONLY, result.output + result.stderr
    assert "PIN" not in result.output + result.stderr
    assert "只读" in result.stderr, result.stderr
    assert staff_rows(db) == before
