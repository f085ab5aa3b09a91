"""`deskapp serve` as a real process on 127.0.0.1, spoken to by real websocket clients
(aiohttp's, which set the Origin header as a browser would): the Origin check, the cap on
sessions, the PIN-check limit per client, and a desk's standard error kept out of the
server's output."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest

from deskapp.domain.enums import Role
from deskapp.services.desk import Desk
from deskapp.services.staff import seed_staff
from deskapp.services.terminal import init_terminal

pytestmark = [pytest.mark.xdist_group("serve")]

# What a desk's traceback could carry: a customer's phone number and complaint.
CUSTOMER_TEXT = "客户王女士 13912345678 投诉宽带断线"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _store(tmp_path: Path) -> Path:
    db = tmp_path / "desk.db"
    desk = Desk.open(db)
    try:
        init_terminal(desk, "GZ01", "W01", "Asia/Shanghai")
        seed_staff(desk, "system:test", [("1001", "张敏", Role.HANDLER, "1111")])
    finally:
        desk.close()
    return db


class Served:
    def __init__(self, port: int, process: subprocess.Popen, db: Path, output: Path) -> None:
        self.port, self.process, self.db, self.output = port, process, db, output
        self.url = f"http://127.0.0.1:{port}"
        self.origin = self.url

    def desks(self) -> int:
        """Desk processes running under the server."""
        pids, count = [self.process.pid], 0
        while pids:
            pid = pids.pop()
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            for child in children:
                argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                # the desk itself, not the shell that textual-serve starts it with
                count += argv[1:3] == [b"-m", b"deskapp"] and b"serve" not in argv
                pids.append(int(child))
        return count


@contextmanager
def serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    db = _store(tmp_path)
    port = _free_port()
    output = tmp_path / "serve-output.txt"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DESKAPP_")}
    environment["DESKAPP_LOG_DIR"] = str(tmp_path / "logs")
    environment.update(env or {})
    with output.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "deskapp", "--db", str(db), "serve", "--port", str(port),
             *args],
            stdout=out, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
        )  # fmt: skip
    served = Served(port, process, db, output)
    try:
        deadline = time.monotonic() + 30
        while not _listening(port):
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, "deskapp serve did not start"
            time.sleep(0.1)
        yield served
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


async def _drawn(ws: aiohttp.ClientWebSocketResponse, limit: float = 90) -> bytes:
    """Bytes the desk sent until it drew its sign-in screen."""
    seen = b""
    deadline = time.monotonic() + limit
    while "工号".encode() not in seen:
        message = await ws.receive(timeout=max(1, deadline - time.monotonic()))
        assert message.type == aiohttp.WSMsgType.BINARY, message
        seen += message.data
    return seen


def _run(coroutine):
    return asyncio.run(coroutine)


def test_a_websocket_from_another_origin_is_refused_and_starts_no_desk(tmp_path: Path) -> None:
    async def attempt(served: Served, origin: str | None) -> int:
        headers = {} if origin is None else {"Origin": origin}
        async with aiohttp.ClientSession(skip_auto_headers=["Origin"]) as client:
            try:
                async with client.ws_connect(f"{served.url}/ws", headers=headers) as ws:
                    await _drawn(ws)
                    return 101
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status

    with serve(tmp_path) as served:
        port = served.port
        for origin in ("http://evil.example", f"http://evil.example:{port}", None, "null",
                       f"http://127.0.0.1:{port}.evil.example", f"https://127.0.0.1:{port}",
                       f"http://127.0.0.1:{port + 1}"):  # fmt: skip
            assert _run(attempt(served, origin)) == 403, origin
        assert served.desks() == 0
        # the page's own origin, in each loopback spelling, is accepted and gets a desk
        for origin in (served.origin, f"http://localhost:{port}"):
            assert _run(attempt(served, origin)) == 101, origin


def test_the_public_url_is_the_accepted_origin_behind_a_proxy(tmp_path: Path) -> None:
    async def status(served: Served, origin: str) -> int:
        async with aiohttp.ClientSession() as client:
            try:
                async with client.ws_connect(f"{served.url}/ws", headers={"Origin": origin}):
                    return 101
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status

    with serve(tmp_path, "--public-url", "https://desk.example.cn") as served:
        assert _run(status(served, "https://desk.example.cn")) == 101
        assert _run(status(served, "http://desk.example.cn")) == 403
        assert _run(status(served, "https://desk.example.cn.evil.example")) == 403


def test_sessions_beyond_the_cap_are_told_so_in_words(tmp_path: Path) -> None:
    async def scenario(served: Served) -> None:
        headers = {"Origin": served.origin}
        async with aiohttp.ClientSession() as client:
            first = await client.ws_connect(f"{served.url}/ws", headers=headers)
            second = await client.ws_connect(f"{served.url}/ws", headers=headers)
            await _drawn(first)
            await _drawn(second)
            async with client.get(served.url + "/") as page:
                assert page.status == 503
                text = await page.text()
                assert "已达上限(2 个)" in text and "浏览器访问已满" in text
            third = await client.ws_connect(f"{served.url}/ws", headers=headers)
            message = await third.receive(timeout=10)
            assert "已达上限(2 个)" in message.data.decode()
            assert (await third.receive(timeout=10)).type == aiohttp.WSMsgType.CLOSE
            assert third.close_code == 1013
            assert served.desks() == 2
            await second.close()
            deadline = time.monotonic() + 30
            while True:  # the closed session's desk quits, and a place is free again
                async with client.get(served.url + "/") as page:
                    if page.status == 200:
                        break
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
            fourth = await client.ws_connect(f"{served.url}/ws", headers=headers)
            await _drawn(fourth)
            await fourth.close()
            await first.close()

    with serve(tmp_path, "--max-sessions", "2") as served:
        _run(scenario(served))


def _failures(db: Path, work_no: str) -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM signin_event WHERE work_no = ? AND kind = 'failed'", (work_no,)
        ).fetchone()
    return row[0] if row else 0


def test_pin_checks_are_limited_per_client_across_sessions(tmp_path: Path) -> None:
    async def wrong_pins(served: Served, times: int) -> bytes:
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(
                f"{served.url}/ws?width=100&height=30", headers={"Origin": served.origin}
            ) as ws,
        ):
            seen = await _drawn(ws)

            async def keys(text: str) -> None:
                await ws.send_json(["stdin", text])
                await asyncio.sleep(0.3)

            await keys("1001")
            await keys("\r")
            for _ in range(times):
                await keys("0000")
                await keys("\r")
                await asyncio.sleep(1.5)  # one scrypt; the refusal drawn
            # what the desk draws for a few seconds more (its cursor blinks: it never stops)
            deadline = time.monotonic() + 4
            while (left := deadline - time.monotonic()) > 0:
                try:
                    message = await ws.receive(timeout=left)
                except TimeoutError:
                    break
                if message.type == aiohttp.WSMsgType.BINARY:
                    seen += message.data
            return seen

    with serve(tmp_path, "--signin-limit", "3", "--signin-window", "600") as served:
        _run(wrong_pins(served, 2))
        assert _failures(served.db, "1001") == 2
        # a new session from the same address does not start the count again
        drawn = _run(wrong_pins(served, 2))
        assert _failures(served.db, "1001") == 3
        assert "过于频繁".encode() in drawn


def test_a_desks_standard_error_never_reaches_the_server_output(tmp_path: Path) -> None:
    """Each desk the server starts writes customer text to its standard error (as a crash's
    traceback could) through a sitecustomize on its path; none of it reaches the server's
    output or log."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    marker = tmp_path / "desk-ran"
    (hooks / "sitecustomize.py").write_text(
        "import os, sys\n"
        "if os.environ.get('TEXTUAL_DRIVER'):\n"  # only in the desks textual-serve starts
        f"    open({str(marker)!r}, 'a').write('ran\\n')\n"
        f"    sys.stderr.write({CUSTOMER_TEXT!r} + '\\n')\n"
        "    sys.stderr.flush()\n"
    )

    async def session(served: Served) -> None:
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(f"{served.url}/ws", headers={"Origin": served.origin}) as ws,
        ):
            await _drawn(ws)

    with serve(tmp_path, env={"PYTHONPATH": str(hooks)}) as served:
        _run(session(served))
        time.sleep(2)  # the desk quits; textual-serve copies its error output on exit
    assert marker.read_text().count("ran") == 1
    output = served.output.read_text()
    logs = "".join(p.read_text() for p in (tmp_path / "logs").glob("*.log*"))
    for text in (CUSTOMER_TEXT, "13912345678", "王女士"):
        assert text not in output
        assert text not in logs


def test_a_lone_surrogate_or_a_malformed_message_does_not_end_the_session(
    tmp_path: Path,
) -> None:
    """What a browser's websocket may carry that textual-serve's loop did not survive: a lone
    surrogate in typed text (its `encode("utf-8")` raised and the session ended), a message
    that is not JSON, a JSON that is not the envelope. The session goes on: the desk still
    takes the keys typed after them, and nothing of it reaches the server's output."""

    async def session(served: Served) -> tuple[bytes, bool, int]:
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(
                f"{served.url}/ws?width=100&height=30", headers={"Origin": served.origin}
            ) as ws,
        ):
            await _drawn(ws)
            for raw in ('["stdin", "\\ud800"]', '["stdin", "张\\udfff三"]', "not json",
                        '{"stdin": 1}', '["resize", {"width": "wide"}]', "[]"):  # fmt: skip
                await ws.send_str(raw)
                await asyncio.sleep(0.3)
            await ws.send_json(["stdin", "\x7f" * 8])  # (the replacement characters typed)
            await asyncio.sleep(0.3)
            await ws.send_json(["stdin", "4321"])
            seen, deadline = b"", time.monotonic() + 20
            while b"4321" not in seen and (left := deadline - time.monotonic()) > 0:
                try:
                    message = await ws.receive(timeout=left)
                except TimeoutError:
                    break
                if message.type != aiohttp.WSMsgType.BINARY:
                    break
                seen += message.data
            return seen, ws.closed, served.desks()

    with serve(tmp_path) as served:
        seen, closed, desks = _run(session(served))
        assert b"4321" in seen and not closed and desks == 1
    output = served.output.read_text()
    assert "Traceback" not in output and "UnicodeEncodeError" not in output
