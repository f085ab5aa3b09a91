"""The desk in a real browser: `deskapp serve` started as a real process, Debian's Chromium
driven by Playwright opens it, signs in and takes a complaint with the keyboard alone, and the
complaint is then found in the store. A screenshot of the page is kept in test-artifacts/."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from deskapp.domain.enums import Role
from deskapp.services.desk import Desk
from deskapp.services.staff import seed_staff
from deskapp.services.terminal import init_terminal

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("DESKAPP_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))
pytestmark = [pytest.mark.ui, pytest.mark.xdist_group("browser")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, server: subprocess.Popen, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            raise AssertionError(f"deskapp serve exited: {output}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("deskapp serve did not listen")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A store with a handler, served on a free loopback port by `deskapp serve`."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    db = tmp_path / "desk.db"
    desk = Desk.open(db)
    try:
        init_terminal(desk, "GZ01", "W01", "Asia/Shanghai")
        seed_staff(desk, "system:test", [("1001", "张敏", Role.HANDLER, "1111")])
    finally:
        desk.close()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKAPP_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "deskapp", "--db", str(db), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for_port(port, server)
        yield f"http://127.0.0.1:{port}/", db
    finally:
        os.killpg(server.pid, 15)  # the server and the desks it started for the browser
        server.wait(timeout=30)


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _wait_for(condition, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _complaints(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT customer_name, contact_phone, content FROM complaint"
        ).fetchall()


def test_a_complaint_taken_in_the_browser_is_in_the_store(served: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    url, db = served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url)
            page.wait_for_selector("body.-first-byte", timeout=30_000)  # the desk is drawing
            # The page shows pixels only (a canvas): give the desk's process time to start
            # and focus the work number before typing, then read the store to know it worked.
            time.sleep(6)
            # Keys go to the terminal's input element, as after a click into the page.
            page.focus(".xterm-helper-textarea")
            keys = page.keyboard

            def pause(seconds: float = 0.4) -> None:
                time.sleep(seconds)

            def shot(name: str) -> None:
                page.screenshot(path=str(ARTIFACTS / name))

            keys.type("1001", delay=30)
            keys.press("Enter")
            pause()
            keys.type("1111", delay=30)
            keys.press("Enter")
            # A handler's sign-in opens their shift: the store says the sign-in went through.
            if not _wait_for(lambda: _count(db, "shift") == 1, 20):
                shot("browser-signin-failed.png")
                raise AssertionError("not signed in: see test-artifacts/browser-signin-failed.png")
            pause(3)  # the intake form opens

            # Between fields a pause: xterm.js hands text committed by an input method to the
            # terminal a moment after the keys around it, so a Tab at once would overtake it.
            def field(text: str, *, chinese: bool = False) -> None:
                if chinese:
                    keys.insert_text(text)  # as an input method commits Chinese text
                else:
                    keys.type(text, delay=30)
                pause()
                keys.press("Tab")
                pause(0.2)

            field("王女士", chinese=True)
            field("13912345678")
            keys.press("Tab")  # the service number: the same as the contact phone
            pause(0.2)
            field("宽带每晚断线", chinese=True)
            field("上门检修", chinese=True)
            keys.type("kd", delay=30)  # the cause, by its pinyin initials
            pause(1.5)
            keys.press("Enter")  # the first match; focus moves on to the channel
            pause()
            # channel → severity → received at → accused staff → the three flags (无责, B类,
            # 内部投诉) → 隐患投诉 → 声称升级至 → solved on the spot → promised reply time
            for _ in range(10):
                keys.press("Tab")
                pause(0.1)
            # Tomorrow 16:00 in the hall's zone: "16:00" alone is today's, already past when
            # the test runs after 16:00 in Shanghai.
            tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)
            keys.type(tomorrow.strftime("%Y-%m-%d 16:00"), delay=30)
            pause()
            keys.press("Control+s")
            _wait_for(lambda: _count(db, "complaint") > 0, 20)
            pause(1)
            shot("browser-intake.png")
        finally:
            browser.close()
    assert _complaints(db) == [("王女士", "13912345678", "宽带每晚断线")]


def test_serve_refuses_a_non_loopback_address_without_the_flag(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from deskapp.cli import main

    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "d.db"), "serve", "--host", "0.0.0.0"]
    )
    assert result.exit_code == 2
    assert "--allow-remote" in result.output and "TLS" in result.output
