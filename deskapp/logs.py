"""The desk's log: one rotating file in the user's log directory, for the desk, the CLI and
`deskapp serve` alike.

Whatever reaches it passes the redaction filter: mainland phone numbers (mobiles and landlines,
however written) are masked as the screens mask them. PINs never reach it by construction (they
travel as `SecretStr`); the filter is the second line, not the first.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

import platformdirs

LOGGER_NAME = "deskapp"
_MAX_BYTES = 2_000_000
_BACKUPS = 5

# A run of digits that may be a phone number as people write one: ASCII or full-width digits,
# a space, a hyphen or a closing bracket between groups, optionally after +86; standing alone
# (not part of a longer run of digits, such as an id, a ticket number or a timestamp). Whether
# it is a number is decided below, on its digits (this module stands beside domain, not above).
_DIGIT = "0-9\uff10-\uff19"
_GAP = "(?:[ \\-\u3000\uff0d]|[)\uff09] ?)"  # (010) 62345678 too
_CANDIDATE = re.compile(
    rf"(?<![{_DIGIT}])(?<![{_DIGIT}][ \\-\u3000\uff0d)\uff09])"
    rf"(?:[+\uff0b]?[8\uff18][6\uff16]{_GAP}?)?"
    rf"[{_DIGIT}](?:{_GAP}?[{_DIGIT}]){{6,11}}"
    rf"(?!{_GAP}?[{_DIGIT}])"
)
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0(?:10|2[0-9]|[3-9][0-9]{2})[2-9][0-9]{6,7}")


def _mask(found: re.Match[str]) -> str:
    text = found.group(0)
    digits = "".join(str(int(c)) for c in text if c.isdigit())  # full-width read as ASCII
    if found.group(0).lstrip("+\uff0b").startswith(("86", "\uff18\uff16")) and len(digits) > 11:
        digits = digits[2:]
        if not digits.startswith(("0", "1")):
            digits = "0" + digits  # +86 20 8333 1234: a landline without its area code's 0
    if _MOBILE.fullmatch(digits):
        return f"{digits[:3]}****{digits[-4:]}"
    if _LANDLINE.fullmatch(digits):
        area = 3 if digits.startswith(("010", "02")) else 4
        return f"{digits[:area]}-{'*' * (len(digits) - area - 4)}{digits[-4:]}"
    return text


def mask_phones(text: str) -> str:
    """Every phone number in free text masked: mobiles as 138****5678, landlines as
    020-****1234, however written (separators, full-width digits, +86)."""
    return _CANDIDATE.sub(_mask, text)


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
    return Path(
        os.environ.get("DESKAPP_LOG_DIR") or platformdirs.user_log_dir("deskapp", appauthor=False)
    )


def configure_logging(log_dir: Path | None = None, *, debug: bool = False) -> Path | None:
    """Attach the rotating file to the `deskapp` logger once; return the file's path, or None
    when the folder cannot be written (the desk then works without a log rather than not at
    all)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False
    for handler in logger.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    folder = log_dir or default_log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / "deskapp.log", maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
    except OSError:
        # No file to write to: the log is dropped, not printed into the terminal's answer
        # (with no handler at all, Python's last-resort handler writes warnings to stderr).
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        return None
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
