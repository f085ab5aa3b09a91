"""The desk's log: one rotating file in the user's log directory, for the desk, the CLI and
`deskapp serve` alike.

Whatever reaches it passes the redaction filter: mainland phone numbers (mobiles and landlines,
however written) are masked as the screens mask them. PINs never reach it by construction (they
travel as `SecretStr`); the filter is the second line, not the first.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import logging.handlers
import os
import re
from pathlib import Path

import platformdirs

from deskapp.paths import placed, refuse_unplaced

LOGGER_NAME = "deskapp"
_MAX_BYTES = 2_000_000
_BACKUPS = 5

# A run of digits that may be a phone number as people write one: ASCII or full-width digits,
# a space, a hyphen or a closing bracket between groups, optionally after +86; standing alone
# (not part of a longer run of digits, such as an id, a ticket number or a timestamp). Whether
# it is a number is decided below, on its digits (this module stands beside domain, not above).
# Compiled on first use: the desk reads this module before its first frame (issue 22).
_DIGIT = "0-9\uff10-\uff19"
_GAP = "(?:[ \\-\u3000\uff0d]|[)\uff09] ?)"  # (010) 62345678 too


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    candidate = re.compile(
        rf"(?<![{_DIGIT}])(?<![{_DIGIT}][ \\-\u3000\uff0d)\uff09])"
        rf"(?:[+\uff0b]?[8\uff18][6\uff16]{_GAP}?)?"
        rf"[{_DIGIT}](?:{_GAP}?[{_DIGIT}]){{6,11}}"
        rf"(?!{_GAP}?[{_DIGIT}])"
    )
    mobile = re.compile(r"1[3-9][0-9]{9}")
    landline = re.compile(r"0(?:10|2[0-9]|[3-9][0-9]{2})[2-9][0-9]{6,7}")
    return candidate, mobile, landline


def _mask(found: re.Match[str]) -> str:
    text = found.group(0)
    digits = "".join(str(int(c)) for c in text if c.isdigit())  # full-width read as ASCII
    if found.group(0).lstrip("+\uff0b").startswith(("86", "\uff18\uff16")) and len(digits) > 11:
        digits = digits[2:]
        if not digits.startswith(("0", "1")):
            digits = "0" + digits  # +86 20 8333 1234: a landline without its area code's 0
    _, mobile, landline = _patterns()
    if mobile.fullmatch(digits):
        return f"{digits[:3]}****{digits[-4:]}"
    if landline.fullmatch(digits):
        area = 3 if digits.startswith(("010", "02")) else 4
        return f"{digits[:area]}-{'*' * (len(digits) - area - 4)}{digits[-4:]}"
    return text


def mask_phones(text: str) -> str:
    """Every phone number in free text masked: mobiles as 138****5678, landlines as
    020-****1234, however written (separators, full-width digits, +86)."""
    return _patterns()[0].sub(_mask, text)


class RedactingFilter(logging.Filter):
    """Masks phone numbers in the final message and in any formatted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = mask_phones(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones(record.exc_text)
        return True


def default_log_dir() -> Path:
    if folder := os.environ.get("DESKAPP_LOG_DIR"):
        return Path(folder)
    return placed(lambda: platformdirs.user_log_dir("deskapp", appauthor=False),
                  "DESKAPP_LOG_DIR")  # fmt: skip


_PRIVATE_FILE = 0o600  # the log may hold customers' data (a name, a complaint's words)
_PRIVATE_FOLDER = 0o700


def _private_folder(folder: Path) -> None:
    """The log's folder, readable by its owner only: each level made here is made 0700; the
    desk's own folder (the default one) is made private again when an older desk left it
    open. A folder named by DESKAPP_LOG_DIR that exists already is the user's, left as it is."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for level in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile (another desk starting)
            level.mkdir(mode=_PRIVATE_FOLDER)
    if not missing and not os.environ.get("DESKAPP_LOG_DIR"):
        _tighten(folder, _PRIVATE_FOLDER)


def _tighten(path: Path, mode: int) -> None:
    """Take away what others may do with `path` (a file or folder of ours made before)."""
    try:
        if path.stat().st_mode & 0o777 & ~mode:
            os.chmod(path, mode)
    except OSError:  # not ours (another user's, a read-only mount): left as it is
        pass


def _private_file(path: Path) -> None:
    """`path` exists and is 0600: made so, or a file left 0644 by an older desk tightened."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, _PRIVATE_FILE))
    except OSError:
        return  # said by the handler's own open, below
    _tighten(path, _PRIVATE_FILE)


def _rotate_privately(source: str, dest: str) -> None:
    """The rotation (logging's `rotator`): the full file is moved aside as Python does, and
    the new one is made 0600 before the handler opens it (it would be made with the umask's
    0644)."""
    if os.path.exists(source):
        os.replace(source, dest)
    _private_file(Path(source))


def configure_logging(log_dir: Path | None = None, *, debug: bool | None = None) -> Path | None:
    """Attach the rotating file to the `deskapp` logger once; return the file's path, or None
    when the folder cannot be written (the desk then works without a log rather than not at
    all). The file and its rotations are 0600 and a folder made for them 0700
    (tests/test_logs_private.py). `debug`: DEBUG records too; None leaves the level as it
    was set (the desk's own call after the command's), INFO at first."""
    logger = logging.getLogger(LOGGER_NAME)
    if debug is not None or logger.level == logging.NOTSET:
        logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False
    for handler in logger.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    folder = log_dir or default_log_dir()
    try:
        refuse_unplaced(folder)  # no home folder: no log rather than one made under /
        _private_folder(folder)
        _private_file(folder / "deskapp.log")
        handler = logging.handlers.RotatingFileHandler(
            folder / "deskapp.log", maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
    except OSError:
        # No file to write to: the log is dropped, not printed into the terminal's answer
        # (with no handler at all, Python's last-resort handler writes warnings to stderr).
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        return None
    handler.rotator = _rotate_privately
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    return Path(handler.baseFilename)


class _LogWriter:
    """A text stream whose lines become log records (masked by the file's filter)."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self._logger.warning("%s", line)
        return len(text)

    def flush(self) -> None:
        if self._pending.strip():
            self._logger.warning("%s", self._pending)
        self._pending = ""

    def isatty(self) -> bool:
        return False


def stderr_to_log() -> None:
    """A desk run by `deskapp serve` for a browser: whatever it would print on stderr goes to
    the log instead, since textual-serve copies a session's stderr into the server's output."""
    import sys

    sys.stderr = _LogWriter(logging.getLogger(f"{LOGGER_NAME}.served"))
