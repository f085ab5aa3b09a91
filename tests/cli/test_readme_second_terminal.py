"""The README's "A second terminal on the demo machine", run as the README prints it (issue
14): its commands are read from README.md, only the placeholders are replaced (by temporary
paths), and they run in a shell from the clone on a freshly built demo. The last command opens
the desk; the desk it would open (that store, that hall) is driven by the Pilot instead: 1001
signs in and finds 刘洋's handover waiting."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from app_kit import settings_for
from textual.widgets import DataTable, Input

from deskapp.screens.app import make_app

ROOT = Path(__file__).resolve().parents[2]
SECTION = "**A second terminal on the demo machine**"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    block = re.search(r"```sh\n(.*?)```", text[start:], re.S)
    assert block is not None, "the section has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_uses_a_folder_of_the_readers_own() -> None:
    commands = readme_commands()
    assert all("/tmp" not in c for c in commands)
    assert all("<your folder>/" in c for c in commands if "--db" in c)


@pytest.mark.ui
async def test_the_second_terminal_commands_work_as_printed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKAPP_")}
    env["DESKAPP_CONFIG"] = str(tmp_path / "config.toml")
    demo_db = tmp_path / "demo" / "demo.db"
    built = subprocess.run(
        [str(ROOT / ".venv/bin/deskapp"), "--db", str(demo_db), "demo", "--no-open"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    hall = demo_db.with_name("demo-hall.db")
    assert hall.exists()
    folder = tmp_path / "mine"
    places = {"<your folder>": shlex.quote(str(folder)),
              "<demo-hall.db path>": shlex.quote(str(hall))}  # fmt: skip
    commands = readme_commands()
    for line in commands[:-1]:
        for placeholder, value in places.items():
            line = line.replace(placeholder, value)
        assert "<" not in line.split("#")[0], f"a placeholder the test does not know: {line}"
        done = subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, (line, done.stdout, done.stderr)
    # The last command opens the desk on this store with this hall: that desk, by the Pilot.
    last = commands[-1]
    assert last.split("#")[0].split() == [
        "DESKAPP_HALL_URL=<demo-hall.db", "path>", ".venv/bin/deskapp", "--db",
        "<your", "folder>/t2.db",
    ]  # fmt: skip
    settings = settings_for(folder / "t2.db", hall=str(hall), sync_interval_minutes=0)
    app = make_app(settings, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        app.screen.query_one("#work_no", Input).value = "1001"
        app.screen.query_one("#pin", Input).value = "1111"
        await pilot.press("tab", "enter")  # from the work number to the PIN, and sign in
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.actor is not None and app.actor.work_no == "1001"
        await pilot.press("f5")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        waiting = app.screen.query_one("#waiting", DataTable)
        rows = [" ".join(map(str, waiting.get_row_at(n))) for n in range(waiting.row_count)]
        assert any("刘洋" in row for row in rows), rows
