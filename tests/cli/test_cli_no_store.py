"""A command on a path where there is no store (a `--db` typed wrong, a terminal never set up)
says so in one line, with the command that makes one, exits 2 and creates nothing: neither a
store file nor its folder (issue 22, attack22: `deskapp --db /nonexistent/x.db staff list`
made an empty store there and listed nobody). Only `init` makes a store; `demo` builds its
own, `restore` writes one from a backup (tests/cli/test_cli.py) and the desk opens its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_kit import run
from click.testing import CliRunner
from test_cli_faults import MANAGER_PIN, RECIPES

from deskapp.cli import main

# Commands that make a store where there is none, on purpose.
MAKERS = {"init", "demo", "restore"}
READERS = sorted(name for name, r in RECIPES.items() if r.uses_store and name not in MAKERS)


def test_every_command_on_the_store_is_checked() -> None:
    assert "staff list" in READERS and "sync" in READERS and "backup" in READERS
    assert len(READERS) == len([r for r in RECIPES.values() if r.uses_store]) - len(MAKERS)


@pytest.mark.parametrize("name", READERS)
def test_a_command_without_a_store_says_so_and_creates_nothing(tmp_path: Path, name: str) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "in.csv").write_text("受理时间,渠道,客户姓名,联系电话,投诉内容,客户诉求,投诉类别\n",
                                   encoding="utf-8")  # fmt: skip
    db = tmp_path / "typo" / "desk.db"
    args = [a.format(db=db, dir=inputs) for a in RECIPES[name].args]
    env = {"DESKAPP_LOG_DIR": str(tmp_path / "log"), "DESKAPP_MANAGER_PIN": MANAGER_PIN,
           "DESKAPP_IMPORT_PIN": "1111", "DESKAPP_EXPORT_DIR": str(inputs / "exports")}  # fmt: skip
    result = CliRunner().invoke(main, ["--db", str(db), *args], env=env)
    assert result.exit_code == 2, (result.exit_code, result.output)
    said = result.stderr.strip()
    assert said.startswith("✗") and len(said.splitlines()) == 1, said
    assert str(db) in said and "init" in said, said
    assert not db.parent.exists()  # neither the store nor its folder
    assert sorted(p.name for p in inputs.iterdir()) == ["in.csv"]  # no hall store, no export


def test_the_command_of_the_issue_as_a_process(tmp_path: Path) -> None:
    """`deskapp --db /nonexistent/x.db staff list`, the words in the desk's language."""
    db = tmp_path / "nonexistent" / "x.db"
    done = subprocess.run(
        [sys.executable, "-m", "deskapp", "--db", str(db), "staff", "list"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "DESKAPP_LOG_DIR": str(tmp_path / "log"), "DESKAPP_LANG": "zh"},
    )  # fmt: skip
    assert done.returncode == 2, done
    assert done.stdout == ""
    assert done.stderr.startswith("✗ 这里没有本终端的数据库") and done.stderr.count("\n") == 1
    assert f"deskapp --db {db} init" in done.stderr and "deskapp demo" in done.stderr
    assert not db.exists() and not db.parent.exists()


def test_init_makes_the_store_and_its_folder_then_the_commands_read_it(tmp_path: Path) -> None:
    db = tmp_path / "new" / "desk.db"
    env = {"DESKAPP_LOG_DIR": str(tmp_path / "log")}
    runner = CliRunner()
    made = runner.invoke(main, ["--db", str(db), "init", "--hall", "GZ01", "--terminal", "T01"],
                         env=env)  # fmt: skip
    assert made.exit_code == 0, made.output
    assert db.exists()
    first = runner.invoke(main, ["--db", str(db), "staff", "add", "--work-no", "3001",
                                 "--name", "陈静", "--role", "hall_manager", "--pin", "9999"],
                          env=env)  # fmt: skip
    assert first.exit_code == 0, first.output
    listed = runner.invoke(main, ["--db", str(db), "staff", "list"], env=env)
    assert listed.exit_code == 0 and "3001" in listed.output


def test_staff_add_without_a_store_says_so_before_asking_for_a_pin(tmp_path: Path) -> None:
    """`echo '' | deskapp --db /tmp/nope/x.db staff add …` asked for the PIN twice, then said
    「已取消」 (fix22e): the store is checked first, as every other command does."""
    db = tmp_path / "nope" / "x.db"
    result = CliRunner().invoke(
        main,
        ["--db", str(db), "staff", "add", "--work-no", "3001", "--name", "陈静",
         "--role", "hall_manager"],
        input="\n", env={"DESKAPP_LOG_DIR": str(tmp_path / "log"), "DESKAPP_LANG": "zh"},
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "PIN" not in result.output, result.output
    said = result.stderr.strip()
    assert said.startswith("✗ 这里没有本终端的数据库") and len(said.splitlines()) == 1, said
    assert not db.parent.exists()


def test_the_desk_on_a_db_typed_wrong_says_so_and_creates_nothing(tmp_path: Path) -> None:
    """`deskapp --db <a path with no store>`: the desk opens none there (it made the file and
    its folders, then told to `sync`); the default path keeps the README's first run."""
    db = tmp_path / "typo" / "desk.db"
    result = CliRunner().invoke(
        main, ["--db", str(db)],
        env={"DESKAPP_LOG_DIR": str(tmp_path / "log"), "DESKAPP_LANG": "zh"},
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    said = result.stderr.strip()
    assert said.startswith("✗ 这里没有本终端的数据库") and len(said.splitlines()) == 1, said
    assert "init" in said
    assert not db.parent.exists()


def test_a_misplaced_debug_is_a_usage_error_in_one_line(tmp_path: Path) -> None:
    """attack22b: `deskapp staff list --debug` (the option after the command) printed
    click's traceback; it is a usage error like any unknown option: one line, exit 2."""
    db = tmp_path / "t.db"
    assert CliRunner().invoke(main, ["--db", str(db), "init", "--hall", "GZ01",
                                     "--terminal", "T01"]).exit_code == 0  # fmt: skip
    result = CliRunner().invoke(main, ["--db", str(db), "staff", "list", "--debug"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert len(result.output.strip().splitlines()) <= 2, result.output


@pytest.mark.parametrize("where", ["folder", "empty file"])
def test_a_folder_or_an_empty_file_is_no_store_for_the_desk_or_a_command(
    tmp_path: Path, where: str
) -> None:
    """The attack on fix22e: `staff add` on a 0-byte file wrote a whole schema into it, and
    the desk on a folder showed its sign-in, failing only at the PIN. Both are said at once,
    nothing is made."""
    db = tmp_path / "given"
    if where == "folder":
        db.mkdir()
    else:
        db.write_bytes(b"")
    for args in (["--db", str(db)], ["--db", str(db), "staff", "list"],
                 ["--db", str(db), "staff", "add", "--work-no", "3001", "--name", "陈静",
                  "--role", "hall_manager", "--pin", "9999"]):  # fmt: skip
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert ("文件夹" if where == "folder" else "init") in result.output, result.output
    assert db.is_dir() if where == "folder" else db.stat().st_size == 0
