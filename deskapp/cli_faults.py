"""What the `deskapp` command says when it cannot do its work: one line in words on stderr and
an exit code a script can test (README, "Commands", lists them from `ExitCode`). The traceback
goes to the desk's log (deskapp/logs.py), never to the terminal unless `--debug` is given."""

from __future__ import annotations

import errno
import sqlite3
import uuid
from dataclasses import dataclass
from enum import IntEnum

import sqlalchemy as sa

from deskapp.domain.errors import RuleViolation
from deskapp.i18n import error_text, os_reason, t
from deskapp.incidents import data_fault_key, data_words
from deskapp.paths import NoHomeFolder
from deskapp.refdata import ReferenceDataError
from deskapp.services.records import StoreUnavailable, failure_key


class ExitCode(IntEnum):
    OK = 0
    NOT_DONE = 1  # the command ran and says what is missing (day-close, import's bad rows)
    BAD_INPUT = 2  # a bad argument, a file named that does not exist, input a rule refused
    MUST_UPDATE = 3  # sync: this terminal's program is too old for the hall store
    HALL_UNREACHABLE = 4  # sync: the hall store cannot be reached (the desk works offline)
    STORE_BUSY = 5  # another program holds the store's write lock past the busy timeout
    STORE_READONLY = 6  # the store cannot be written (read-only file or folder)
    DISK_FULL = 7  # the disk (or the store's size limit) is full
    STORE_DAMAGED = 8  # the store file is not a desk database or is damaged
    FILE_ERROR = 9  # a file or folder named cannot be read or written (or the store opened)
    UNEXPECTED = 10  # anything else: an incident number, the details in the log


@dataclass(frozen=True)
class Fault:
    code: ExitCode
    message: str  # one line, in words
    expected: bool = True  # False: a defect, logged with an incident number


_STORE_CODES = {
    "error.store.busy": ExitCode.STORE_BUSY,
    "error.store.readonly": ExitCode.STORE_READONLY,
    "error.store.full": ExitCode.DISK_FULL,
    "error.store.cannot_open": ExitCode.FILE_ERROR,
    "error.store.io": ExitCode.STORE_DAMAGED,
}
_DAMAGED = ("file is not a database", "database disk image is malformed", "malformed")


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def _store_fault(key: str) -> Fault:
    code = _STORE_CODES.get(key, ExitCode.STORE_DAMAGED)
    return Fault(code, t(f"cli.{key.removeprefix('error.')}"))


def fault_of(error: BaseException) -> Fault:
    """The exit code and the line for an exception a command let escape."""
    if isinstance(error, RuleViolation):
        return Fault(ExitCode.BAD_INPUT, "; ".join(one_line(error_text(e)) for e in error.errors))
    if isinstance(error, StoreUnavailable):
        return _store_fault(error.key)
    if isinstance(error, sa.exc.DBAPIError | sqlite3.Error):
        text = str(getattr(error, "orig", None) or error).lower()
        if key := failure_key(error):
            return _store_fault(key)
        if any(needle in text for needle in _DAMAGED):
            return Fault(ExitCode.STORE_DAMAGED, t("cli.store.damaged"))
    if isinstance(error, ReferenceDataError):
        return Fault(
            ExitCode.BAD_INPUT,
            t(
                data_fault_key(error, "cli"),
                name=error.name,
                path=error.path,
                detail=one_line(data_words(error)),
            ),
        )
    if isinstance(error, NoHomeFolder):
        return Fault(ExitCode.FILE_ERROR, t("error.no_home", variable=error.variable))
    if isinstance(error, OSError):
        where = error.filename or ""
        reason = os_reason(error) if error.errno is not None else one_line(str(error))
        if error.errno == errno.ENOSPC:
            return Fault(ExitCode.DISK_FULL, t("cli.file.full", path=where))
        return Fault(ExitCode.FILE_ERROR, t("cli.file.error", path=where, reason=reason))
    incident = uuid.uuid4().hex[:8]
    return Fault(ExitCode.UNEXPECTED, t("cli.unexpected", incident=incident), expected=False)
