"""Default locations, kept free of heavy imports: the desk reads them before its first frame."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import platformdirs

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # (not on Windows, which has no planted links)

# HOME unset and no passwd entry for the user (a service account, a container's uid):
# platformdirs cannot place a default and raises. The default is then a path under NO_HOME,
# never made: only what is written there fails, in words naming the variable that sets it
# (the desk still signs in and the other commands run).
NO_HOME = Path("/.deskapp-no-home")


def placed(find: Callable[[], str], variable: str) -> Path:
    """`find()`'s folder, or NO_HOME/`variable` when there is no home folder to find."""
    try:
        return Path(find())
    except RuntimeError:
        return NO_HOME / variable


class NoHomeFolder(OSError):
    """A default with no home folder to put it in was to be written: the boundary says so
    in words naming `variable` (incidents.describe, cli_faults.fault_of)."""

    def __init__(self, variable: str) -> None:
        super().__init__(errno.ENOENT, f"no home folder: set {variable}", variable)
        self.variable = variable


def refuse_unplaced(path: Path) -> None:
    """NoHomeFolder when `path` is such a default."""
    try:
        rest = path.relative_to(NO_HOME)
    except ValueError:
        return
    raise NoHomeFolder(rest.parts[0] if rest.parts else "HOME")


def default_db_path() -> Path:
    folder = placed(lambda: platformdirs.user_data_dir("deskapp", appauthor=False), "DESKAPP_DB")
    return folder / "desk.db"


def default_export_dir() -> Path:
    """Where printable files (report forms, handovers, work records) are written."""
    return placed(platformdirs.user_documents_dir, "DESKAPP_EXPORT_DIR") / "deskapp"


def write_export(path: Path, write: Callable[[Path], object]) -> Path:
    """An export of the desk (a report, a page, a list, a handover, a work record): written
    like `write_atomically` through a `.part` file, readable by its owner only (0600, like the
    stores: exports hold customers' data), and never over an earlier export: when `path` is
    taken, the next free `name-2.ext`, `name-3.ext`... The path written is returned."""
    refuse_unplaced(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        candidate = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        if os.path.lexists(candidate):  # a link planted there (even dangling) is taken too
            continue
        try:
            return write_atomically(candidate, write, replace=False)
        except FileExistsError:  # taken meanwhile (another desk on the folder): the next
            continue
    raise FileExistsError(path)


def write_atomically(path: Path, write: Callable[[Path], object], *, replace: bool = True) -> Path:
    """`write(temp)` fills a hidden file beside `path`, which is then renamed over it: a full
    disk, a killed process or a failing writer never leaves a half-written file, and an
    existing file at `path` is kept until the new one is complete. `replace=False`: a file
    already at `path` is kept and FileExistsError raised instead. The file is 0600.

    The `.part` file lives in a folder of its own made for this write (mkdtemp: a fresh name,
    0700) and is made there with O_CREAT|O_EXCL|O_NOFOLLOW: in an export folder others can
    write, a `.part` name planted as a link to another file is never followed (the writers
    open the temp file again by its name, so the name must be one nobody else can replace)."""
    import shutil
    import tempfile  # (here: this module is read before the first frame)

    refuse_unplaced(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    hidden = str(folder / f".{path.name}.")  # the temp folder's and file's names start so
    workdir: Path | None = None
    try:
        workdir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=folder))
        temp = workdir / f".{path.name}.part"
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600))
        write(temp)
        os.chmod(temp, 0o600)  # (a writer that made the file anew: private again)
        if replace:  # a link at `path` is replaced itself, its target untouched
            os.replace(temp, path)
        else:  # a hard link fails when `path` exists (a link too): never over an earlier file
            try:
                os.link(temp, path, follow_symlinks=False)
            except FileExistsError:
                raise
            except OSError:  # a folder without hard links (a network share): checked
                if os.path.lexists(path):
                    raise FileExistsError(path) from None
                os.replace(temp, path)
    except FileExistsError:
        raise
    except OSError as error:
        if error.filename is None or str(error.filename).startswith(hidden):
            error.filename = str(path)  # the file the user asked for, not the hidden one
        raise
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    return path
