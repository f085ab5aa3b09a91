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

# No `typing` at run time: every import before `hold` is time in which a key typed is echoed.
TYPE_CHECKING = False
if TYPE_CHECKING:
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
        if not os.isatty(fd) or _in_background(fd):
            return  # (a job started with & would be stopped by the system for changing it)
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
    # Ctrl+C while the desk's modules are imported: cancelled, without a traceback of the
    # import it interrupted (`commands_begin` gives Ctrl+C back to Python).
    signal.signal(signal.SIGINT, _cancelled)


def _in_background(fd: int) -> bool:
    """Whether this process is a background job of its terminal (`deskapp … &`)."""
    try:
        return os.tcgetpgrp(fd) != os.getpgrp()
    except OSError:  # not its controlling terminal: nobody to be in the background of
        return False


def _cancelled(_signum: int, _frame: object) -> None:
    release()
    os._exit(130)  # as a shell reports Ctrl+C; nothing was done yet


def commands_begin(*, command: bool) -> None:
    """The command line is parsed: Ctrl+C is Python's again (the commands say "cancelled"
    themselves). A command (`staff add`, `import`) gets Enter and flow control back for its
    prompts, but still no echo until it exits: a PIN typed before its prompt is shown is not
    echoed; `visible_prompt` gives the echo back before a question answered in sight."""
    if signal.getsignal(signal.SIGINT) is _cancelled:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if command and _original is not None:
        try:
            import termios

            mild = list(_original)
            mild[3] = mild[3] & ~termios.ECHO
            _set(mild)
        except (OSError, ValueError, ImportError):
            pass


def visible_prompt() -> None:
    """The user's own settings back before a question whose answer is seen as typed."""
    release()


def _set(attributes: list[Any]) -> None:
    import termios

    # A job moved to the background (Ctrl+Z, bg) may still put the terminal back.
    before = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        termios.tcsetattr(_fd, termios.TCSANOW, attributes)
    finally:
        signal.signal(signal.SIGTTOU, before)


def release() -> None:
    """Put the user's own terminal settings back (after Textual put back the quiet ones it
    found); safe to call more than once."""
    global _original
    if _original is None:
        return
    original, _original = _original, None
    try:
        _set(original)
    except (OSError, ValueError):
        return  # the terminal is gone (hung up): nothing to put back


def _release_and_die(signum: int, _frame: object) -> None:
    release()
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)
