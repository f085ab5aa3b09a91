"""Default locations, kept free of heavy imports: the desk reads them before its first frame."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import platformdirs


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("deskapp", appauthor=False)) / "desk.db"


def default_export_dir() -> Path:
    """Where printable files (report forms, handovers, work records) are written."""
    return Path(platformdirs.user_documents_dir()) / "deskapp"


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """`write(temp)` fills a hidden file beside `path`, which is then renamed over it: a full
    disk, a killed process or a failing writer never leaves a half-written file, and an
    existing file at `path` is kept until the new one is complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.part")
    try:
        write(temp)
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        if error.filename in (None, str(temp)):  # (a full disk's write names no file)
            error.filename = str(path)  # the file the user asked for, not the hidden one
        raise
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path
