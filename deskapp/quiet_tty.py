"""The terminal held quiet from the desk's first instant (issue 22): until Textual's driver
takes the terminal over, a tty in its cooked mode echoes what is typed, so a PIN typed right
after `deskapp` stayed on the screen after quitting, Ctrl+Q was swallowed as flow control
(XON), and Enter became a newline the sign-in did not take. Standard library only: this runs
before click and the desk's modules are imported.

Keys are not read here: they wait in the terminal's queue (ICANON is kept) for the sign-in."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

_original: list[Any] | None = None
_fd = -1


def is_program() -> bool:
    """The `deskapp` process itself (the console script or `python -m deskapp`), not a test
    importing the command."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return name in ("deskapp", "__main__.py")


def hold() -> None:
    """Stop echoing and flow control on stdin's terminal; the user's settings are kept to be
    put back by `release` (also at exit and on SIGTERM/SIGHUP)."""
    global _original, _fd
    if _original is not None:
        return
    try:
        import termios

        fd = sys.stdin.fileno()
        if not os.isatty(fd):
            return
        original = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[0] &= ~(termios.IXON | termios.IXOFF)  # Ctrl+Q/Ctrl+S are keys, not XON/XOFF
        quiet[0] &= ~termios.ICRNL  # Enter stays Enter (Textual reads a newline as Ctrl+J)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except (OSError, ValueError, ImportError, AttributeError):
        return  # no terminal (a pipe, Windows): nothing to hold
    _original, _fd = original, fd
    import atexit

    atexit.register(release)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, _release_and_die)


def release() -> None:
    """Put the user's own terminal settings back (after Textual put back the quiet ones it
    found); safe to call more than once."""
    global _original
    if _original is None:
        return
    original, _original = _original, None
    try:
        import termios

        termios.tcsetattr(_fd, termios.TCSANOW, original)
    except (OSError, ValueError):
        pass  # the terminal is gone (hung up): nothing to put back


def _release_and_die(signum: int, _frame: Any) -> None:
    release()
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)
