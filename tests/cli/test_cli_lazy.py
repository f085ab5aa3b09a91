"""`deskapp --help` and an argument error answer without loading the store's libraries, and a
command that reads the store still works (issue 22: the speed is in bench/cli.py, not here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic_settings", "deskapp.sync.run", "deskapp.store.models",
         "jieba")  # fmt: skip

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


# The rules behind the reference files other than hall.toml (startup22): a staff command reads
# only hall.toml's sign-in rules, so it neither loads nor checks the others.
NOT_FOR_STAFF = (
    "deskapp.refdata.deadlines",
    "deskapp.domain.deadlines",
    "deskapp.domain.accountability",
    "deskapp.domain.categories",
)


def test_staff_list_loads_no_rule_of_the_other_reference_files(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    _probe(["--db", str(db), "init", "--hall", "GZ01", "--terminal", "T01"], tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=["--db", str(db), "staff", "list"],
                                            heavy=NOT_FOR_STAFF)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"code": None, "loaded": []}, (found, done.stderr)


def test_a_usage_error_reads_the_catalogue_without_parsing_its_toml(tmp_path: Path) -> None:
    _probe(["staff", "lis"], tmp_path)  # the catalogue's copy is written, if it was not
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=["staff", "lis"], heavy=("tomllib",))],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"code": 2, "loaded": []}, (found, done.stderr)
    assert "✗" in done.stderr


def test_quitting_from_the_sign_in_does_not_import_the_intake_form() -> None:
    """Ctrl+Q looks for intake forms' drafts: with the form's module not loaded there is none,
    and the quit does not import it to find out (the sign-in's quit, issue 22)."""
    code = (
        "import sys\n"
        "from deskapp.screens.app import DeskApp\n"
        "app = DeskApp(lambda: None)\n"
        "assert app._intake_screens() == []\n"
        "print('deskapp.screens.intake' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.stdout.strip() == "False", done.stderr


# The desk's log (startup22b): attached when the desk or a command's work starts, or when a
# fault is to be logged; help and usage errors neither import the handlers nor open the file.
LOG_SET_UP = ("logging.handlers", "platformdirs")


@pytest.mark.parametrize("args", [["--help"], ["staff", "--help"], ["staff", "lis"]])
def test_help_and_usage_errors_set_up_no_log_file(args: list[str], tmp_path: Path) -> None:
    log = tmp_path / "log"
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=LOG_SET_UP)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DESKAPP_LOG_DIR": str(log)},
    )  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["loaded"] == [], (found, done.stderr)
    assert not log.exists()


def test_a_command_that_works_still_writes_the_log(tmp_path: Path) -> None:
    log = tmp_path / "log"
    done = subprocess.run(
        [sys.executable, "-m", "deskapp", "--db", str(tmp_path / "d.db"), "sync"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DESKAPP_LOG_DIR": str(log)},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr  # no hall given: said, not logged
    assert (log / "deskapp.log").exists()  # attached as the command's work started
