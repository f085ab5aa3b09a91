"""A command that reads the store loads its libraries and tables with the cycle collector
paused, then freezes them (deskapp/collector.py; the speed is in bench/cli.py, not here), only
as the process's own program: a test calling the command leaves its collector as it was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, json, sys
from deskapp.cli import main
sys.argv = ["deskapp", *{args!r}]
calls = []
enable = gc.enable
gc.enable = lambda: (calls.append("enable"), enable())[1]
try:
    main({given})
except SystemExit as done:
    code = done.code
print(json.dumps({{"frozen": gc.get_freeze_count(), "enabled": gc.isenabled(),
                   "calls": calls, "code": code}}))
"""


def _probe(args: list[str], tmp_path: Path, *, program: bool) -> dict:
    given = "" if program else repr(args)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, given=given)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )  # fmt: skip
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "stderr": done.stderr}


def test_staff_list_as_the_program_freezes_the_store_libraries(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    init = _probe(["--db", db, "init", "--hall", "GZ01", "--terminal", "T01"], tmp_path,
                  program=True)  # fmt: skip
    assert init["code"] == 0, init
    found = _probe(["--db", db, "staff", "list"], tmp_path, program=True)
    assert found["code"] == 0, found
    assert found["frozen"] > 100_000 and found["enabled"], found  # SQLAlchemy, pydantic, tables
    assert found["calls"] == ["enable"], found  # paused once, for the imports only


def test_a_test_calling_the_command_keeps_its_collector(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    _probe(["--db", db, "init", "--hall", "GZ01", "--terminal", "T01"], tmp_path, program=False)
    found = _probe(["--db", db, "staff", "list"], tmp_path, program=False)
    assert found["code"] == 0, found
    assert found == {**found, "frozen": 0, "enabled": True, "calls": []}
