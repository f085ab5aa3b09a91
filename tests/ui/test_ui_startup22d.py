"""The sign-in's first frame (issue 22; the speed is in bench/startup.py, not here). Textual lays
out the desk's first screen inside its start-up batch, where a rendered frame is dropped; the
desk renders none there, and draws the whole screen as soon as Textual is ready instead of at
the screen's next update tick."""

from __future__ import annotations

from ui_helpers import settle

from deskapp.screens.app import DeskApp
from deskapp.screens.signin import SignInScreen
from deskapp.screens.textual_private import Compositor, batch_open


async def test_no_frame_is_rendered_only_to_be_dropped(app: DeskApp, monkeypatch) -> None:
    in_batch: list[bool] = []
    render_update = Compositor.render_update

    def counted(self: Compositor, *args, **kwargs):
        in_batch.append(batch_open(app))
        return render_update(self, *args, **kwargs)

    monkeypatch.setattr(Compositor, "render_update", counted)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
    assert in_batch, "never rendered"
    assert [n for n in in_batch if n] == [], in_batch


async def test_the_whole_sign_in_is_drawn_as_textual_is_ready(app: DeskApp, monkeypatch) -> None:
    """Once the batch is over the whole screen is drawn at once (DeskApp.on_ready), whether or
    not Textual refreshes it by itself then: it would otherwise wait for the screen's update
    timer (1/60 s), or for a key if nothing marked the screen to be drawn."""
    seen: list[str] = []
    full = Compositor.render_full_update
    on_ready = DeskApp.on_ready

    def full_update(self: Compositor, *args, **kwargs):
        seen.append("whole")
        return full(self, *args, **kwargs)

    def ready(self: DeskApp) -> None:
        seen.append("ready")
        on_ready(self)
        seen.append("readied")

    monkeypatch.setattr(Compositor, "render_full_update", full_update)
    monkeypatch.setattr(DeskApp, "on_ready", ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
    assert "ready" in seen, seen
    during = seen[seen.index("ready") : seen.index("readied")]
    assert "whole" in during, seen


def test_what_the_sign_in_does_not_need_is_not_imported_before_it() -> None:
    """The modules read before the first frame (the command, the app, the sign-in screen) leave
    the store's driver, the PIN hashing, time zones and the incident numbers' randomness to
    the work that needs them (each a millisecond or more of the start: bench/startup.py)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\n"
        "import deskapp.cli, deskapp.launch, deskapp.screens.app, deskapp.screens.driver\n"
        "print(sorted(m for m in ('sqlite3', 'hashlib', 'hmac', 'secrets', 'zoneinfo',"
        " 'sqlalchemy', 'pydantic') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
