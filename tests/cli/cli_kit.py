"""What the CLI tests share: the command run in this process, and a terminal's store made by the
commands the README prints (init, then the first hall manager, then a handler)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from deskapp.cli import main

HALL_MANAGER = ("3001", "9999")
HANDLER = ("1002", "2222")


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


def staffed_store(path: Path) -> str:
    """A terminal with its first hall manager (3001 / 9999) and a handler (1002 / 2222), added
    as the README says; the manager's PIN, typed for the handler, is never echoed."""
    db = str(path)
    assert run("--db", db, "init", "--hall", "GZ01", "--terminal", "T01").exit_code == 0
    first = run("--db", db, "staff", "add", "--work-no", "3001", "--name", "陈静",
                "--role", "hall_manager", "--pin", "9999")  # fmt: skip
    assert first.exit_code == 0, first.output
    added = run("--db", db, "staff", "add", "--work-no", "1002", "--name", "刘洋",
                "--pin", "2222", "--as", "3001", input="9999\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "9999" not in added.output
    return db
