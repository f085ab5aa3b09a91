"""The desk's log may hold customers' data (a name, a complaint's words, a masked phone): its
file and every rotation of it are readable by their owner only (0600), and a folder made for
it is 0700, whatever the umask (issue 22, attack22). Real files, read back with os.stat."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskapp.logs import configure_logging


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask_and_no_log() -> Iterator[None]:
    """The usual umask (022: files 0644, folders 0755 unless made otherwise), no log attached
    before or after (a later test attaches its own)."""
    logger = logging.getLogger("deskapp")
    level, propagate = logger.level, logger.propagate
    saved = os.umask(0o022)

    def detach() -> None:
        for handler in list(logger.handlers):
            if isinstance(handler, logging.handlers.RotatingFileHandler):
                logger.removeHandler(handler)
                handler.close()

    detach()
    try:
        yield
    finally:
        os.umask(saved)
        detach()
        logger.setLevel(level)
        logger.propagate = propagate


def test_the_log_file_and_the_folder_made_for_it_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "state" / "deskapp" / "log"
    path = configure_logging(folder)
    assert path == folder / "deskapp.log"
    logging.getLogger("deskapp.test").warning("客户 张三 投诉内容")
    assert mode(path) == 0o600
    assert mode(folder) == 0o700
    assert mode(folder.parent) == 0o700 and mode(folder.parent.parent) == 0o700  # made here too


def test_a_log_an_older_desk_left_readable_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    folder.mkdir()
    old = folder / "deskapp.log"
    old.write_text("2026-11-24 older lines\n", encoding="utf-8")
    os.chmod(old, 0o644)
    path = configure_logging(folder)
    assert path == old and mode(old) == 0o600
    assert "older lines" in old.read_text(encoding="utf-8")  # appended to, not replaced


def test_every_rotation_of_the_log_is_private(tmp_path: Path) -> None:
    path = configure_logging(tmp_path / "log")
    assert path is not None
    handler = next(
        h
        for h in logging.getLogger("deskapp").handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    )
    handler.maxBytes = 200  # a rotation after a few lines
    for n in range(20):
        logging.getLogger("deskapp.test").warning("line %d of a log that rotates", n)
    rotated = sorted(path.parent.glob("deskapp.log.*"))
    assert rotated, "the log never rotated"
    for file in [path, *rotated]:
        assert mode(file) == 0o600, file


def test_the_command_writes_its_log_privately(tmp_path: Path) -> None:
    """The `deskapp` command as a process of its own, with the umask most users have."""
    log = tmp_path / "new" / "log"
    env = {**os.environ, "DESKAPP_LOG_DIR": str(log)}
    done = subprocess.run(
        [sys.executable, "-c", "import os; os.umask(0o022); from deskapp.cli import main; main()",
         "--db", str(tmp_path / "t.db"), "init", "--hall", "GZ01", "--terminal", "T01"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert mode(log / "deskapp.log") == 0o600
    assert mode(log) == 0o700 and mode(log.parent) == 0o700
