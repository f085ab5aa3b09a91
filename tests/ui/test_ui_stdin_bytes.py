"""Bytes on stdin that are not UTF-8 (a GBK terminal's paste, an encoded surrogate) must not
kill the desk: its driver turns them into U+FFFD, which the fields then refuse in words."""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from textual import events
from textual.drivers.linux_driver import LinuxDriver

from deskapp.screens.app import DeskApp
from deskapp.screens.driver import DeskDriver

ROOT = Path(__file__).resolve().parents[2]
BAD_BYTES = [b"\xd5\xc5", b"\xed\xa0\x80", b"ab\xffc"]


class _StubApp:
    """Just enough of an App for a driver's constructor."""

    _driver = None

    def call_later(self, *args: object) -> None:  # pragma: no cover - not reached
        pass


def _feed(driver_class: type[LinuxDriver], data: bytes) -> tuple[list[str], BaseException | None]:
    """Run `driver_class`'s input loop on a pipe carrying `data`; return the characters it
    produced as key events and what the loop raised, if anything."""
    read_fd, write_fd = os.pipe()

    async def build() -> LinuxDriver:  # a driver wants the running loop it will post to
        return driver_class(_StubApp(), size=(80, 24))  # type: ignore[arg-type]

    driver = asyncio.run(build())
    driver.fileno = read_fd
    keys: list[str] = []
    driver.process_message = lambda m: (
        keys.append(m.character or "")
        if isinstance(  # type: ignore[method-assign]
            m, events.Key
        )
        else None
    )
    raised: list[BaseException] = []

    def loop() -> None:
        try:
            driver.run_input_thread()
        except BaseException as error:  # what the real thread would die of
            raised.append(error)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    os.write(write_fd, data)
    time.sleep(0.5)
    driver.exit_event.set()
    thread.join(5)
    os.close(write_fd)
    os.close(read_fd)
    return keys, (raised[0] if raised else None)


@pytest.mark.parametrize("data", BAD_BYTES)
def test_desk_driver_replaces_bytes_that_are_not_utf8(data: bytes) -> None:
    keys, raised = _feed(DeskDriver, data)
    assert raised is None
    assert "\ufffd" in keys


def test_textuals_own_driver_dies_on_them() -> None:
    """Why the desk has its own driver: Textual's raises, and its input thread then panics."""
    _keys, raised = _feed(LinuxDriver, b"\xd5\xc5")
    assert isinstance(raised, UnicodeDecodeError)


def test_the_desk_uses_its_driver_on_a_linux_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("textual.constants.DRIVER", None)
    assert DeskApp.get_driver_class(DeskApp.__new__(DeskApp)) is DeskDriver


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux pty")
def test_the_real_desk_under_a_terminal_survives_gbk_bytes(tmp_path: Path) -> None:
    """The real `deskapp` in a pseudo-terminal: after GBK bytes on its stdin it is still running
    and still draws; Ctrl+Q then ends it normally."""
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    env.pop("TEXTUAL_DRIVER", None)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/deskapp")],  # a new store by DESKAPP_DB (the first run)
        stdin=slave, stdout=slave, stderr=slave, cwd=tmp_path, close_fds=True,
        env={**env, "DESKAPP_DB": str(tmp_path / "desk.db")},
    )  # fmt: skip
    os.close(slave)
    drawn = bytearray()

    def drain(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    drawn.extend(os.read(master, 65536))
                except OSError:
                    return

    try:
        drain(6)  # the sign-in screen comes up
        assert proc.poll() is None
        for data in BAD_BYTES:
            os.write(master, data)
        drawn.clear()
        drain(3)
        assert proc.poll() is None, drawn.decode("utf-8", "replace")[-2000:]
        assert b"Traceback" not in drawn
        os.write(master, b"\x11")  # Ctrl+Q
        drain(5)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
