"""`deskapp --help` and an argument error answer without loading the store's libraries, and a
command that reads the store still works (issue 22: the speed is in bench/cli.py, not here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic_settings", "deskapp.sync.run", "deskapp.store.models")

PROBE = """
import json, sys
from deskapp.cli import main
code = main({args!r}, standalone_mode=False)
print(json.dumps({{"code": code, "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def _probe(args: list[str], tmp_path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DESKAPP_DB": str(tmp_path / "d.db")},
    )  # fmt: skip
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "stderr": done.stderr}


@pytest.mark.parametrize(
    "args",
    [["--help"], ["staff", "--help"], ["sync", "--help"], ["staff", "lis"], ["report", "--nope"]],
)
def test_help_and_argument_errors_load_no_store_library(args: list[str], tmp_path: Path) -> None:
    found = _probe(args, tmp_path)
    assert found["loaded"] == [], found
    if "--help" not in args:
        assert found["code"] == 2 and found["stderr"].startswith("✗"), found


def test_sync_help_still_shows_the_default_batch(tmp_path: Path) -> None:
    from deskapp.services.hall_sync import DEFAULT_BATCH

    done = subprocess.run(
        [sys.executable, "-m", "deskapp", "sync", "--help"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0
    assert f"default: {DEFAULT_BATCH}" in done.stdout


def test_the_lazy_sync_names_are_the_modules_own() -> None:
    import deskapp.services.hall_sync as hall_sync
    import deskapp.sync as sync_package
    from deskapp.sync import run

    assert hall_sync.sync is run.sync and sync_package.sync_status is run.sync_status
    with pytest.raises(AttributeError):
        _ = hall_sync.nothing_here  # type: ignore[attr-defined]
