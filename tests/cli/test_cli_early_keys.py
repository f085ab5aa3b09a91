"""Keys typed the instant the desk is launched, before Textual takes the terminal over (issue
22): a terminal in its cooked mode would echo them, so a PIN stayed on the screen after
quitting, and Ctrl+Q was eaten as flow control (XON). The desk, run on a real pseudo-terminal,
holds the terminal quiet from its first line (deskapp/quiet_tty.py) and gives it back as the
user had it."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest
from cli_kit import HANDLER, staffed_store

ROOT = Path(__file__).resolve().parents[2]
ESCAPES = re.compile(
    rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78MDEcH])"
)


def _read_until(
    master: int, proc: subprocess.Popen, seen: bytearray, marker: bytes, wait: float
) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if marker in ESCAPES.sub(b"", bytes(seen)):
            return True
        if select.select([master], [], [], 0.05)[0]:
            try:
                seen += os.read(master, 65536)
            except OSError:  # the desk closed the terminal: it is done
                return marker in ESCAPES.sub(b"", bytes(seen))
        elif proc.poll() is not None:
            return marker in ESCAPES.sub(b"", bytes(seen))
    return False


@pytest.mark.ui
def test_a_pin_typed_at_launch_is_not_echoed_and_signs_in(tmp_path: Path) -> None:
    db = staffed_store(tmp_path / "desk.db")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    users_own = termios.tcgetattr(slave)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKAPP_", "TEXTUAL"))}
    env.update(TERM="xterm-256color", DESKAPP_LOG_DIR=str(tmp_path / "log"),
               DESKAPP_CONFIG=str(tmp_path / "config.toml"),
               DESKAPP_SYNC_INTERVAL_MINUTES="0")  # fmt: skip
    proc = subprocess.Popen([str(ROOT / ".venv/bin/deskapp"), "--db", db], stdin=slave,
                            stdout=slave, stderr=slave, env=env,
                            start_new_session=True)  # fmt: skip
    seen = bytearray()
    try:
        work_no, pin = HANDLER
        # The instant the terminal stops echoing: the desk's first line, long before Textual
        # draws (it still reads lines: canonical mode is Textual's to turn off).
        deadline = time.monotonic() + 60
        while termios.tcgetattr(slave)[3] & termios.ECHO and time.monotonic() < deadline:
            time.sleep(0.001)
        assert termios.tcgetattr(slave)[3] & termios.ICANON, (
            "the terminal was quiet only once Textual ran"
        )
        os.write(master, f"{work_no}\t{pin}\r".encode())  # at once, as a quick hand does
        assert _read_until(master, proc, seen, "刘洋(投诉处理员)".encode(), 60), ESCAPES.sub(
            b"", bytes(seen)
        )[-2000:]
        os.write(master, b"\x11")  # Ctrl+Q
        _read_until(master, proc, seen, b"\x00never", 30)
        assert proc.wait(timeout=30) == 0
        assert termios.tcgetattr(slave) == users_own  # echo and flow control as the user had them
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
    assert pin.encode() not in bytes(seen)  # never on the terminal, not even before the desk drew


def _interactive_shell(tmp_path: Path) -> tuple[int, subprocess.Popen]:
    """bash with job control on a pseudo-terminal that is its controlling terminal, as a user's
    shell is."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))

    def controlling() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKAPP_", "TEXTUAL"))}
    env.update(TERM="xterm-256color", DESKAPP_LOG_DIR=str(tmp_path / "log"), PS1="$ ",
               DESKAPP_CONFIG=str(tmp_path / "config.toml"))  # fmt: skip
    proc = subprocess.Popen(["bash", "--norc", "--noprofile", "-i"], stdin=slave, stdout=slave,
                            stderr=slave, env=env, preexec_fn=controlling)  # fmt: skip
    os.close(slave)
    return master, proc


def test_a_command_started_in_the_background_runs_to_its_end(tmp_path: Path) -> None:
    """The attack on fix22e: `deskapp --help &` was stopped by the system (tty output) because
    it changed the terminal of a job in the background. It leaves that terminal alone."""
    master, shell = _interactive_shell(tmp_path)
    seen = bytearray()
    try:
        out = tmp_path / "help.txt"
        os.write(master, f"{ROOT / '.venv/bin/deskapp'} --help > {out} 2>&1 & wait $!; "
                         f"echo EXIT=$?\n".encode())  # fmt: skip
        assert _read_until(master, shell, seen, b"EXIT=", 30), bytes(seen)
        time.sleep(0.2)
        _read_until(master, shell, seen, b"never", 0.3)
        assert b"EXIT=0" in bytes(seen), bytes(seen)
        assert "Usage" in out.read_text(encoding="utf-8") or "用法" in out.read_text("utf-8")
    finally:
        shell.kill()
        shell.wait()
        os.close(master)


def test_a_pin_typed_before_a_command_s_prompt_is_not_echoed(tmp_path: Path) -> None:
    """The attack on fix22e: `staff add … --as 3001` gave the terminal its echo back as soon
    as the command was read, and a PIN typed before the prompt showed (0.5 s of loading)."""
    db = staffed_store(tmp_path / "desk.db")
    master, shell = _interactive_shell(tmp_path)
    seen = bytearray()
    try:
        os.write(master, f"{ROOT / '.venv/bin/deskapp'} --db {db} staff add --work-no 1009 "
                         f"--name 王五 --role handler --as 3001\n".encode())  # fmt: skip
        time.sleep(0.15)
        os.write(master, b"4321")  # typed ahead, before any prompt is shown
        assert _read_until(master, shell, seen, b"PIN", 30), bytes(seen)
        os.write(master, b"\x03")  # Ctrl+C at the prompt: cancelled
        _read_until(master, shell, seen, b"never", 1.0)
        assert b"4321" not in ESCAPES.sub(b"", bytes(seen)), bytes(seen)
    finally:
        shell.kill()
        shell.wait()
        os.close(master)
