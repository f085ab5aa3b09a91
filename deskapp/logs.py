"""The desk's log: one rotating file in the user's log directory, for the desk, the CLI and
`deskapp serve` alike.

Whatever reaches it passes the redaction filter: mainland mobile numbers are masked as the
screens mask them. PINs never reach it by construction (they travel as `SecretStr`); the filter
is the second line, not the first.
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

# A mainland mobile number standing alone (not part of a longer digit run such as a ticket
# number or a timestamp), optionally after +86.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


def mask_phones(text: str) -> str:
    """Every mobile number in free text, masked as 138****5678."""
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


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
