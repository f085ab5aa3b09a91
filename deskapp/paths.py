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


def write_export(path: Path, write: Callable[[Path], object]) -> Path:
    """An export of the desk (a report, a page, a list, a handover, a work record): written
    like `write_atomically` through a `.part` file, readable by its owner only (0600, like the
    stores: exports hold customers' data), and never over an earlier export: when `path` is
    taken, the next free `name-2.ext`, `name-3.ext`... The path written is returned."""

    def private(temp: Path) -> None:
        # Made 0600 before a byte is written: the writers open it again and keep its mode.
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        os.chmod(temp, 0o600)
        write(temp)
        os.chmod(temp, 0o600)

    path.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        candidate = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        if candidate.exists():
            continue
        try:
            return write_atomically(candidate, private, replace=False)
        except FileExistsError:  # taken meanwhile (another desk on the folder): the next
            continue
    raise FileExistsError(path)


def write_atomically(path: Path, write: Callable[[Path], object], *, replace: bool = True) -> Path:
    """`write(temp)` fills a hidden file beside `path`, which is then renamed over it: a full
    disk, a killed process or a failing writer never leaves a half-written file, and an
    existing file at `path` is kept until the new one is complete. `replace=False`: a file
    already at `path` is kept and FileExistsError raised instead."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.part")
    try:
        write(temp)
        if replace:
            os.replace(temp, path)
        else:  # a hard link fails when `path` exists: an earlier file is never overwritten
            try:
                os.link(temp, path)
            except FileExistsError:
                raise
            except OSError:  # a folder without hard links (a network share): checked
                if path.exists():
                    raise FileExistsError(path) from None
                os.replace(temp, path)
            temp.unlink(missing_ok=True)
    except FileExistsError:
        temp.unlink(missing_ok=True)
        raise
    except OSError as error:
        temp.unlink(missing_ok=True)
        if error.filename in (None, str(temp)):  # (a full disk's write names no file)
            error.filename = str(path)  # the file the user asked for, not the hidden one
        raise
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path
