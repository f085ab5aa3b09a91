"""Every `deskapp` command (enumerated from the click group: a new command without a recipe
here fails `test_every_command_has_a_recipe`) under each fault: a locked, read-only, full or
corrupted store, an unreachable hall, a missing file, a bad argument. The command either is
untouched by the fault (it does not use what failed, and exits as it does on a healthy store)
or prints one line in words on stderr and exits with the fault's documented code
(deskapp/cli_faults.py `ExitCode`, listed in the README); never a traceback, and no file is
left behind. The traceback goes to the desk's log, without the PIN the command was given.

The store faults are SQLite's own errors: a second connection holding the write lock (busy
timeout shortened to 0.1 s), `PRAGMA query_only` (SQLITE_READONLY, what a read-only file gives;
the tests run as root, where chmod would not stop a write), `PRAGMA max_page_count` at the
current size (SQLITE_FULL), random bytes over the file."""

from __future__ import annotations

import errno
import logging
import logging.handlers
import os
import random
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import deskapp.store.engine as engine_module
from deskapp.cli import main
from deskapp.cli_faults import ExitCode

PIN = "135790"
MANAGER_PIN = "246802"  # the hall manager 3001's, given as DESKAPP_MANAGER_PIN
HALL_DOWN = "postgresql://deskapp@127.0.0.1:1/nowhere"  # nothing listens on port 1
README = Path(__file__).resolve().parents[2] / "README.md"


@dataclass(frozen=True)
class Recipe:
    """How to run a command against the store at {db} with files in {dir}."""

    args: list[str]
    bad: list[str]  # the same command with a bad argument
    missing: list[str] | None = None  # with a file or folder it needs missing or unusable
    store: str = "staffed"  # "bare" (migrated, no terminal yet) or "staffed"
    uses_store: bool = True
    writes_store: bool = False
    uses_hall: bool = False
    outputs: tuple[str, ...] = ()  # files it writes on success (relative to {dir})
    runs_server: bool = False  # serve: only its argument checks run here (it would block)
    # Its write may fit in the pages the store already has: SQLite (and so a full disk, once
    # the file exists) refuses only a write that must grow the store. Either outcome passes:
    # done as on a healthy store, or the full disk's one line.
    fits_when_full: bool = False
    # A manager signs in (cases export --as): the sign-in opens a write, for a wrong PIN is
    # counted, so a busy or failing store refuses it in one line like a write; a store on a
    # read-only mount is opened read-only and a right PIN, which writes nothing, passes.
    signs_in: bool = False


RECIPES: dict[str, Recipe] = {
    "init": Recipe(["init", "--hall", "GZ01", "--terminal", "T01"],
                   bad=["init", "--hall", "GZ01"], store="bare", writes_store=True,
                   fits_when_full=True),
    "staff add": Recipe(["staff", "add", "--work-no", "1099", "--name", "赵测", "--pin", PIN,
                         "--as", "3001"],
                        bad=["staff", "add", "--work-no", "1099", "--role", "boss",
                             "--name", "赵测", "--pin", PIN, "--as", "3001"], writes_store=True,
                        fits_when_full=True),
    "staff role": Recipe(["staff", "role", "--work-no", "1001", "--role", "duty_manager",
                          "--as", "3001"],
                         bad=["staff", "role", "--work-no", "1001", "--role", "boss",
                              "--as", "3001"], writes_store=True, fits_when_full=True),
    "staff deactivate": Recipe(["staff", "deactivate", "--work-no", "1001", "--as", "3001"],
                               bad=["staff", "deactivate", "--as", "3001"], writes_store=True,
                               fits_when_full=True),
    "staff reset-pin": Recipe(["staff", "reset-pin", "--work-no", "1001", "--pin", "975310",
                               "--as", "3001"],
                              bad=["staff", "reset-pin", "--pin", "975310", "--as", "3001"],
                              writes_store=True, fits_when_full=True),
    "staff unlock": Recipe(["staff", "unlock", "--work-no", "1002", "--as", "3001"],
                           bad=["staff", "unlock", "--as", "3001"], writes_store=True,
                           fits_when_full=True),
    "staff list": Recipe(["staff", "list"], bad=["staff", "list", "--all"]),
    "staff signins": Recipe(["staff", "signins"], bad=["staff", "signins", "--days", "0"]),
    "serve": Recipe(["serve"], bad=["serve", "--host", "0.0.0.0"], uses_store=False,
                    runs_server=True),
    "keys": Recipe(["keys"], bad=["keys", "extra"], uses_store=False),
    "refusals": Recipe(["refusals"], bad=["refusals", "--days", "0"]),
    "demo": Recipe(["demo", "--no-open"], bad=["demo", "--no-open", "--rest"]),
    "report": Recipe(["report", "--format", "xlsx", "--out", "{dir}/out/r.xlsx"],
                     bad=["report", "--from", "0001-01-01"],
                     missing=["report", "--format", "csv", "--out", "{dir}/plain/r.csv"],
                     outputs=("out/r.xlsx",)),
    # --quiet: the fault's one line alone (the bars: tests/cli/test_cli_import_progress.py)
    "import": Recipe(["import", "{dir}/in.csv", "--as", "1001", "--quiet"],
                     bad=["import", "{dir}/in.csv"],
                     missing=["import", "{dir}/none.csv", "--as", "1001"], writes_store=True),
    "sync": Recipe(["sync", "--new-hall", "--hall", "{dir}/hall.db"],
                   bad=["sync", "--batch-size", "many"],
                   writes_store=True, uses_hall=True, fits_when_full=True),
    "backup": Recipe(["backup", "{dir}/copies/b.db"], bad=["backup"],
                     missing=["backup", "{dir}/plain/b.db"], outputs=("copies/b.db",)),
    "restore": Recipe(["restore", "{dir}/good-backup.db", "--yes"], bad=["restore", "--yes"],
                      missing=["restore", "{dir}/none.db", "--yes"], writes_store=True,
                      outputs=("*.replaced*", "desk.db.*")),
    "day-close": Recipe(["day-close", "--date", "2026-11-24"],
                        bad=["day-close", "--date", "0001-01-01"]),
    # 案例库 (issue 18): an unknown category is a bad argument, said in words
    "cases list": Recipe(["cases", "list"], bad=["cases", "list", "--category", "NOPE"]),
    "cases export": Recipe(["cases", "export", "--out", "{dir}/cases", "--as", "3001"],
                           bad=["cases", "export", "--category", "NOPE", "--as", "3001"],
                           missing=["cases", "export", "--out", "{dir}/plain/cases",
                                    "--as", "3001"],
                           outputs=("cases/*.txt",), signs_in=True, fits_when_full=True),
}  # fmt: skip


def command_paths(group: click.Group, prefix: str = "") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            paths += command_paths(command, f"{path} ")
        else:
            paths.append(path)
    return paths


def test_every_command_has_a_recipe() -> None:
    assert sorted(command_paths(main)) == sorted(RECIPES)


def test_every_exit_code_is_listed_in_the_readme() -> None:
    commands = README.read_text("utf-8").split("## Commands", 1)[1].split("\n## ", 1)[0]
    for code in ExitCode:
        assert f"| {code.value} |" in commands, code


# ------------------------------------------------------------------------------- stores


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    runner = CliRunner()
    bare = folder / "bare.db"
    staffed = folder / "staffed.db"
    from deskapp.services.desk import Desk

    Desk.open(bare).close()  # migrated, no terminal yet: only `init` makes a store
    assert runner.invoke(main, ["--db", str(staffed), *RECIPES["init"].args]).exit_code == 0
    first = runner.invoke(main, ["--db", str(staffed), "staff", "add", "--work-no", "3001",
                                 "--name", "陈静", "--role", "hall_manager",
                                 "--pin", MANAGER_PIN])  # fmt: skip
    assert first.exit_code == 0, first.output
    added = runner.invoke(main, ["--db", str(staffed), "staff", "add", "--work-no", "1001",
                                 "--name", "张敏", "--pin", "1111", "--as", "3001"],
                          env={"DESKAPP_MANAGER_PIN": MANAGER_PIN})  # fmt: skip
    assert added.exit_code == 0, added.output
    locked_out = runner.invoke(main, ["--db", str(staffed), "staff", "add", "--work-no", "1002",
                                      "--name", "刘洋", "--pin", "2222", "--as", "3001"],
                               env={"DESKAPP_MANAGER_PIN": MANAGER_PIN})  # fmt: skip
    assert locked_out.exit_code == 0, locked_out.output
    lock_out(staffed, "1002")  # so that `staff unlock` has a lock to clear
    backup = runner.invoke(main, ["--db", str(staffed), "backup", str(folder / "backup.db")])
    assert backup.exit_code == 0, backup.output
    for db in (bare, staffed):  # (the commands' engines stay open: their WAL, into the file)
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"bare": bare, "staffed": staffed, "backup": folder / "backup.db"}


def lock_out(db: Path, work_no: str) -> None:
    from deskapp.domain.errors import RuleViolation
    from deskapp.services.desk import Desk
    from deskapp.services.staff import sign_in

    desk = Desk.open(db)
    try:
        for _ in range(desk.refdata.settings.signin.max_failures):
            with pytest.raises(RuleViolation):
                sign_in(desk, work_no, "000000")
    finally:
        desk.engine.dispose()


@dataclass
class Scene:
    folder: Path
    db: Path
    env: dict[str, str] = field(default_factory=dict)

    def files(self) -> set[str]:
        return {
            str(p.relative_to(self.folder))
            for p in self.folder.rglob("*")
            if p.is_file() and "log" not in p.relative_to(self.folder).parts
        }


def scene_for(tmp_path: Path, templates: dict[str, Path], recipe: Recipe) -> Scene:
    db = tmp_path / "desk.db"
    shutil.copyfile(templates[recipe.store], db)
    shutil.copyfile(templates["backup"], tmp_path / "good-backup.db")
    (tmp_path / "plain").write_text("a file where a folder is expected\n")
    rows = "".join(  # enough rows that importing them must grow the store
        f"2026-11-20 09:15,10086,李建国,1381234{n:04d},家里没信号{n},修好,NET.COVER.INDOOR\n"
        for n in range(300)
    )
    (tmp_path / "in.csv").write_text(
        "受理时间,渠道,客户姓名,联系电话,投诉内容,客户诉求,投诉类别\n" + rows, encoding="utf-8"
    )
    return Scene(tmp_path, db, {"DESKAPP_LOG_DIR": str(tmp_path / "log"),
                                "DESKAPP_EXPORT_DIR": str(tmp_path / "exports"),
                                "DESKAPP_MANAGER_PIN": MANAGER_PIN,
                                "DESKAPP_IMPORT_PIN": "1111"})  # fmt: skip


def with_connect(monkeypatch: pytest.MonkeyPatch, pragma: str) -> None:
    """Every connection the command opens gets `pragma` after the desk's own settings."""
    original = engine_module._on_connect

    def limited(dbapi_connection, record) -> None:
        original(dbapi_connection, record)
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(pragma.format(pages=pages))
        cursor.close()

    monkeypatch.setattr(engine_module, "_on_connect", limited)


def corrupt(db: Path) -> None:
    size = db.stat().st_size
    db.write_bytes(random.Random(15).randbytes(size))
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


Fault = Callable[[Scene, pytest.MonkeyPatch], Callable[[], None] | None]


def locked(scene: Scene, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(scene.db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder.close


def read_only(scene: Scene, monkeypatch: pytest.MonkeyPatch):
    with_connect(monkeypatch, "PRAGMA query_only = ON")


def full(scene: Scene, monkeypatch: pytest.MonkeyPatch):
    with_connect(monkeypatch, "PRAGMA max_page_count = {pages}")


def corrupted(scene: Scene, monkeypatch: pytest.MonkeyPatch):
    corrupt(scene.db)


def hall_down(scene: Scene, monkeypatch: pytest.MonkeyPatch):
    scene.env["DESKAPP_HALL_URL"] = HALL_DOWN


STORE_FAULTS: dict[str, tuple[Fault, ExitCode]] = {
    "locked": (locked, ExitCode.STORE_BUSY),
    "read_only": (read_only, ExitCode.STORE_READONLY),
    "full": (full, ExitCode.DISK_FULL),
    "corrupted": (corrupted, ExitCode.STORE_DAMAGED),
}


def detach_log() -> None:
    """configure_logging attaches its file once per process: each run its own folder."""
    logger = logging.getLogger("deskapp")
    for handler in list(logger.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            logger.removeHandler(handler)
            handler.close()


def invoke(scene: Scene, args: list[str]) -> Result:
    detach_log()
    filled = [a.format(dir=scene.folder) for a in args]
    if "sync" in filled and scene.env.get("DESKAPP_HALL_URL"):
        filled = filled[: filled.index("--hall")]  # the hall from the environment
    return CliRunner().invoke(main, ["--db", str(scene.db), *filled], env=scene.env)


def assert_one_line(result: Result, code: int) -> None:
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("✗ "), result.stderr
    assert "Traceback" not in result.output and "Error:" not in lines[0]
    assert "error." not in lines[0] and "cli." not in lines[0]  # a catalogue key, not words


def healthy_code(tmp_path: Path, templates: dict[str, Path], recipe: Recipe) -> int:
    folder = tmp_path / "healthy"
    folder.mkdir()
    scene = scene_for(folder, templates, recipe)
    result = invoke(scene, recipe.args)
    assert result.exit_code in (0, 1), (result.output, result.exception)
    for pattern in recipe.outputs:
        assert result.exit_code != 0 or list(folder.glob(pattern)) or "*" in pattern, pattern
    return result.exit_code


def leftovers(before: set[str], after: set[str]) -> set[str]:
    """New files other than SQLite's own -wal/-shm beside the store (and the hall store a
    first sync creates: the command's counterpart, not its output)."""
    return {f for f in after - before
            if not f.endswith(("-wal", "-shm")) and not f.startswith("hall.db")}  # fmt: skip


@pytest.mark.parametrize("fault", sorted(STORE_FAULTS))
@pytest.mark.parametrize("command", sorted(RECIPES))
def test_each_command_under_each_store_fault(
    command: str, fault: str, tmp_path: Path, templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = RECIPES[command]
    if recipe.runs_server:
        pytest.skip("serve would start serving; its store is opened by each browser session")
    healthy = healthy_code(tmp_path, templates, recipe)
    folder = tmp_path / "faulty"
    folder.mkdir()
    scene = scene_for(folder, templates, recipe)
    inject, code = STORE_FAULTS[fault]
    release = inject(scene, monkeypatch)
    before = scene.files()
    try:
        result = invoke(scene, recipe.args)
    finally:
        if release:
            release()
    affected = recipe.uses_store and (
        recipe.writes_store or recipe.signs_in or fault == "corrupted"
    )
    if command in ("demo", "restore"):
        affected = False  # demo does not open a store that exists; restore replaces the file
    if fault == "full" and recipe.fits_when_full and result.exit_code == healthy:
        affected = False  # it fitted in the free pages this time; if not, it must say so
    if command == "restore" and fault == "corrupted":
        # The damaged store cannot say which terminal it is: the backup is taken only when
        # the user names the terminal (docs/unique-values.md), and then it is.
        assert_one_line(result, ExitCode.BAD_INPUT)
        assert "--terminal T01" in result.output
        assert not leftovers(before, scene.files()), leftovers(before, scene.files())
        named = invoke(scene, [*recipe.args, "--terminal", "T01"])
        assert named.exit_code == healthy, (named.output, named.exception)
        return
    if affected:
        assert_one_line(result, code)
        assert not leftovers(before, scene.files()), leftovers(before, scene.files())
        log = (folder / "log" / "deskapp.log").read_text("utf-8")
        assert PIN not in log and MANAGER_PIN not in log
        if command == "sync" and fault == "locked":
            # a busy own store is expected and retried: its detail in lines, no traceback
            assert "database is locked" in log and "Traceback" not in log
        else:
            assert "Traceback" in log
    else:
        assert result.exit_code == healthy, (result.output, result.exception)


@pytest.mark.parametrize("command", sorted(RECIPES))
def test_each_command_with_the_hall_unreachable(
    command: str, tmp_path: Path, templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = RECIPES[command]
    if recipe.runs_server:
        pytest.skip("serve would start serving")
    healthy = healthy_code(tmp_path, templates, recipe)
    folder = tmp_path / "faulty"
    folder.mkdir()
    scene = scene_for(folder, templates, recipe)
    hall_down(scene, monkeypatch)
    result = invoke(scene, recipe.args)
    if recipe.uses_hall:
        assert_one_line(result, ExitCode.HALL_UNREACHABLE)
    else:
        assert result.exit_code == healthy, (result.output, result.exception)


@pytest.mark.parametrize("command", sorted(RECIPES))
def test_each_command_with_a_bad_argument(command: str, tmp_path: Path, templates) -> None:
    scene = scene_for(tmp_path, templates, RECIPES[command])
    before = scene.files()
    result = invoke(scene, RECIPES[command].bad)
    assert_one_line(result, ExitCode.BAD_INPUT)
    assert not leftovers(before, scene.files())


@pytest.mark.parametrize("command", sorted(c for c, r in RECIPES.items() if r.missing))
def test_each_command_with_a_missing_file(command: str, tmp_path: Path, templates) -> None:
    """A file it reads that does not exist is a bad argument (2); a folder it writes into that
    cannot be made (a file is in the way) is a file error (9), and nothing is left behind."""
    recipe = RECIPES[command]
    scene = scene_for(tmp_path, templates, recipe)
    before = scene.files()
    result = invoke(scene, recipe.missing or [])
    writes_file = bool(recipe.outputs) and command != "restore"
    assert_one_line(result, ExitCode.FILE_ERROR if writes_file else ExitCode.BAD_INPUT)
    assert not leftovers(before, scene.files())


def test_a_store_in_a_folder_that_cannot_be_made_is_a_file_error(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    db = tmp_path / "plain" / "desk.db"
    env = {"DESKAPP_LOG_DIR": str(tmp_path / "log")}
    result = CliRunner().invoke(main, ["--db", str(db), "staff", "list"], env=env)
    assert_one_line(result, ExitCode.FILE_ERROR)


# --------------------------------------------------------------- the unexpected, and --debug


def broken(*args, **kwargs):
    raise RuntimeError("a defect: 13812345678 in the message")


def test_an_unexpected_error_is_one_line_with_an_incident_number_and_logged(
    tmp_path: Path, templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("deskapp.services.staff.list_staff", broken)
    scene = scene_for(tmp_path, templates, RECIPES["staff list"])
    result = invoke(scene, ["staff", "list"])
    assert_one_line(result, ExitCode.UNEXPECTED)
    incident = result.stderr.split("事件号 ", 1)[1][:8]
    log = (tmp_path / "log" / "deskapp.log").read_text("utf-8")
    assert incident in log and "RuntimeError" in log and "Traceback" in log
    assert "13812345678" not in log and "138****5678" in log  # the log masks phones


def test_debug_shows_the_traceback(tmp_path: Path, templates, monkeypatch) -> None:
    monkeypatch.setattr("deskapp.services.staff.list_staff", broken)
    scene = scene_for(tmp_path, templates, RECIPES["staff list"])
    result = CliRunner().invoke(main, ["--debug", "--db", str(scene.db), "staff", "list"],
                                env=scene.env)  # fmt: skip
    assert isinstance(result.exception, RuntimeError)


def test_the_pin_given_on_the_command_line_never_reaches_the_log(
    tmp_path: Path, templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = scene_for(tmp_path, templates, RECIPES["staff add"])
    read_only(scene, monkeypatch)
    result = invoke(scene, RECIPES["staff add"].args)
    assert_one_line(result, ExitCode.STORE_READONLY)
    log = (tmp_path / "log" / "deskapp.log").read_text("utf-8")
    assert "staff" in log and PIN not in log and PIN not in result.output


# ------------------------------------------------------ a disk that fills up mid-write


def test_a_report_the_disk_cannot_hold_leaves_no_partial_file_and_keeps_the_old_one(
    tmp_path: Path, templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook

    def half_then_full(self, target) -> None:  # (the desk builds the zip in memory)
        target.write(b"PK\x03\x04 half a workbook")
        raise OSError(errno.ENOSPC, "No space left on device")  # a write names no file

    monkeypatch.setattr(Workbook, "save", half_then_full)
    scene = scene_for(tmp_path, templates, RECIPES["report"])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "r.xlsx").write_bytes(b"yesterday's report")
    before = scene.files()
    result = invoke(scene, RECIPES["report"].args)
    assert_one_line(result, ExitCode.DISK_FULL)
    assert (tmp_path / "out" / "r.xlsx").read_bytes() == b"yesterday's report"
    assert scene.files() - before <= {"desk.db-wal", "desk.db-shm"}


def test_a_backup_the_disk_cannot_hold_leaves_no_partial_copy(
    tmp_path: Path, templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: Path) -> str:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("deskapp.services.backup.check", full)  # after the copy was written
    scene = scene_for(tmp_path, templates, RECIPES["backup"])
    (tmp_path / "copies").mkdir()
    before = scene.files()
    result = invoke(scene, RECIPES["backup"].args)
    assert_one_line(result, ExitCode.DISK_FULL)
    assert not leftovers(before, scene.files()), scene.files() - before
    # into folders it makes itself (a file's, or one named with a trailing slash): gone again
    for dest in (f"{scene.folder}/new/deeper/b.db", f"{scene.folder}/made/"):
        assert_one_line(invoke(scene, ["backup", dest]), ExitCode.DISK_FULL)
    assert not (scene.folder / "new").exists() and not (scene.folder / "made").exists()


def damage_table_pages(db: Path, table: str) -> None:
    """Overwrite every page of `table` with garbage; the rest of the file stays good."""
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        pages = [p for (p,) in connection.execute(
            "SELECT pageno FROM dbstat WHERE name = ?", (table,))]  # fmt: skip
    connection.close()
    assert pages
    with db.open("r+b") as fh:
        for page in pages:
            fh.seek((page - 1) * page_size)
            fh.write(b"\xa5" * page_size)


def test_a_backup_of_a_store_with_damaged_pages_says_the_store_is_damaged(
    tmp_path: Path, templates
) -> None:
    """The copy is checked before it replaces anything; when it fails, the store it was taken
    of is damaged (8), said of the store, not of the temporary copy, which is gone."""
    scene = scene_for(tmp_path, templates, RECIPES["backup"])
    damage_table_pages(scene.db, "staff")
    before = scene.files()
    result = invoke(scene, RECIPES["backup"].args)
    assert_one_line(result, ExitCode.STORE_DAMAGED)
    assert ".part" not in result.stderr and str(scene.db) in result.stderr
    assert not leftovers(before, scene.files()), scene.files() - before
    assert not (scene.folder / "copies").exists()  # the folder it made for the copy: gone


def _command(path: str) -> click.Command:
    command: click.Command = main
    for name in path.split():
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


@pytest.mark.parametrize(
    "command",
    [c for c in command_paths(main) if any(p.name == "days" for p in _command(c).params)],
)
def test_a_days_no_date_can_reach_is_a_bad_argument(
    command: str, tmp_path: Path, templates
) -> None:
    scene = scene_for(tmp_path, templates, RECIPES[command])
    result = invoke(scene, [*command.split(), "--days", "99999999999"])
    assert_one_line(result, ExitCode.BAD_INPUT)


def test_a_report_on_a_really_full_disk_is_one_line_naming_the_file(
    tmp_path: Path, templates
) -> None:
    """A real full filesystem (a small tmpfs) and a real process: one line naming the report,
    nothing printed at exit by a half-open zip file's finalizer, nothing left behind."""
    import os
    import subprocess
    import sys

    from mounts import fill, tmpfs

    scene = scene_for(tmp_path, templates, RECIPES["report"])
    deskapp = Path(sys.executable).with_name("deskapp")
    with tmpfs(tmp_path / "small", 256) as small:
        fill(small)
        target = small / "r.xlsx"
        done = subprocess.run(
            [str(deskapp), "--db", str(scene.db), "report", "--format", "xlsx",
             "--out", str(target)],
            capture_output=True, text=True, env={**os.environ, **scene.env}, timeout=120,
        )  # fmt: skip
        assert done.returncode == ExitCode.DISK_FULL, done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("✗ "), done.stderr
        assert str(target) in lines[0] and " ;" not in lines[0]
        assert sorted(p.name for p in small.iterdir()) == ["filler"]


@contextmanager
def read_only_store(scene: Scene, where: str) -> Iterator[None]:
    """The store on a read-only mount ("folder": a tmpfs remounted ro) or the store file alone
    read-only ("file": a read-only bind mount of the file over itself). Both are real: the
    tests run as root, whom chmod does not stop (checked here: the file stays writable)."""
    from mounts import read_only, tmpfs

    if where == "folder":
        with tmpfs(scene.folder / "ro", 4096) as disk:
            shutil.copyfile(scene.db, disk / "desk.db")
            read_only(disk)
            scene.db = disk / "desk.db"
            yield
        return
    scene.db.chmod(0o444)
    if os.access(scene.db, os.W_OK):  # root: chmod alone does not make it read-only
        bound = subprocess.run(["mount", "--bind", str(scene.db), str(scene.db)],
                               capture_output=True, text=True)  # fmt: skip
        if bound.returncode != 0:
            pytest.skip(f"cannot bind-mount the store file: {bound.stderr.strip()}")
        subprocess.run(["mount", "-o", "remount,bind,ro", str(scene.db)], check=True)
    try:
        with pytest.raises(OSError):
            scene.db.open("r+b").close()  # really read-only, for this user too
        yield
    finally:
        subprocess.run(["umount", "-l", str(scene.db)], capture_output=True)
        scene.db.chmod(0o600)


@pytest.mark.parametrize("where", ["folder", "file"])
@pytest.mark.parametrize(
    "command", sorted(c for c, r in RECIPES.items() if r.uses_store and not r.runs_server)
)
def test_a_read_only_store_is_read_and_refuses_only_writes(
    command: str, where: str, tmp_path: Path, templates
) -> None:
    """A store on a read-only mount, or a read-only store file: a command that only reads
    (the staff list, a report, a backup, the day's checklist) does what it does on a healthy
    store (the store opened with SQLite's `mode=ro`/`immutable`); one that writes is refused
    in one line as read-only (6), with nothing left behind."""
    recipe = RECIPES[command]
    healthy = healthy_code(tmp_path, templates, recipe)
    folder = tmp_path / "faulty"
    folder.mkdir()
    scene = scene_for(folder, templates, recipe)
    with read_only_store(scene, where):
        before = scene.files()
        result = invoke(scene, recipe.args)
        if recipe.writes_store:
            assert_one_line(result, ExitCode.STORE_READONLY)
            assert not leftovers(before, scene.files()), leftovers(before, scene.files())
        else:
            assert result.exit_code == healthy, (result.output, result.exception)
            for pattern in recipe.outputs:
                assert healthy != 0 or list(folder.glob(pattern)), pattern
    if command == "sync":  # synchronized once: nothing waiting, only the run to record
        synced = tmp_path / "synced"
        synced.mkdir()
        scene = scene_for(synced, templates, recipe)
        assert invoke(scene, recipe.args).exit_code == 0
        with read_only_store(scene, where):
            result = invoke(scene, recipe.args)
        assert_one_line(result, ExitCode.STORE_READONLY)
        assert "✓" not in result.output


def test_a_pin_read_from_a_pipe_prints_no_warning(tmp_path: Path, templates) -> None:
    """`staff reset-pin` in a script (stdin not a terminal): no GetPassWarning on stderr."""
    import os
    import subprocess
    import sys

    scene = scene_for(tmp_path, templates, RECIPES["staff reset-pin"])
    env = {k: v for k, v in {**os.environ, **scene.env}.items() if k != "DESKAPP_MANAGER_PIN"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("deskapp")), "--db", str(scene.db),
         "staff", "reset-pin", "--work-no", "1001", "--pin", "975310", "--as", "3001"],
        input=f"{MANAGER_PIN}\n", capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and MANAGER_PIN not in done.stdout + done.stderr


def test_a_store_first_opened_on_a_full_disk_is_said_full(tmp_path: Path, templates) -> None:
    """A real full filesystem and a store without its -shm file yet: SQLite says "disk I/O
    error"; the desk says the disk is full (7), not that the store is damaged (8)."""
    from mounts import fill, tmpfs

    scene = scene_for(tmp_path, templates, RECIPES["staff list"])
    with tmpfs(tmp_path / "small", 4096) as disk:
        shutil.copyfile(scene.db, disk / "desk.db")
        filler = fill(disk)
        scene.db = disk / "desk.db"
        result = invoke(scene, ["staff", "list"])
        assert_one_line(result, ExitCode.DISK_FULL)
        filler.unlink()  # with room again, the same command works
        assert invoke(scene, ["staff", "list"]).exit_code == 0


def test_a_sync_with_nothing_to_push_under_a_held_lock_says_busy(
    tmp_path: Path, templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Synchronized once, then again while another program holds the write lock: the run
    cannot be recorded, so it is not reported done (✓): busy, exit 5, to be retried."""
    scene = scene_for(tmp_path, templates, RECIPES["sync"])
    first = invoke(scene, RECIPES["sync"].args)
    assert first.exit_code == 0, first.output
    release = locked(scene, monkeypatch)
    try:
        result = invoke(scene, RECIPES["sync"].args)
    finally:
        release()
    assert_one_line(result, ExitCode.STORE_BUSY)
    assert "✓" not in result.output


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "0.001", "inf", ""])
@pytest.mark.parametrize("name", ["sync_interval_minutes", "idle_signout_minutes"])
def test_a_bad_minutes_setting_is_said_once_at_start(tmp_path: Path, name: str, value: str) -> None:
    """Attack 8: a bad DESKAPP_SYNC_INTERVAL_MINUTES / DESKAPP_IDLE_SIGNOUT_MINUTES is one line
    naming the setting, exit 2, for the desk and every command (not an unexpected error at
    every sign-in); 0 (off) and whole minutes are taken. The settings list is the code's."""
    from click.testing import CliRunner

    from deskapp.cli import main
    from deskapp.config import DeskSettings
    from deskapp.minutes import MINUTE_SETTINGS

    assert set(MINUTE_SETTINGS) <= set(DeskSettings.model_fields)
    variable = f"DESKAPP_{name.upper()}"
    db = str(tmp_path / "t.db")
    runner = CliRunner()
    for args in (["keys"], ["staff", "list"], ["sync", "--hall", str(tmp_path / "hall.db")]):
        done = runner.invoke(main, ["--db", db, *args], env={variable: value})
        assert done.exit_code == 2, (args, done.output)
        lines = done.output.strip().splitlines()
        assert len(lines) == 1 and variable in lines[0] and "分钟" in lines[0], done.output
    with pytest.raises(ValueError, match=name):  # pydantic says the same, by field
        DeskSettings(**{name: value})
    made = runner.invoke(main, ["--db", db, "init", "--hall", "GZ01", "--terminal", "T01"])
    assert made.exit_code == 0, made.output  # (only `init` makes a store)
    for good in ("0", "1", "15"):
        assert getattr(DeskSettings(**{name: good}), name) == float(good)
        done = runner.invoke(main, ["--db", db, "staff", "list"], env={variable: good})
        assert done.exit_code == 0, done.output
