"""What the desk spares itself between launch and the sign-in screen (issue 22; the speed is in
bench/startup.py, not here): a second parse of its stylesheet, and the cycle collector's walks
over what start-up imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.css.stylesheet import Stylesheet
from ui_helpers import settle

from deskapp.screens.app import DeskApp
from deskapp.screens.signin import SignInScreen

ROOT = Path(__file__).resolve().parents[2]


async def test_the_sign_in_screen_is_shown_without_parsing_the_stylesheet_again(
    app: DeskApp, monkeypatch
) -> None:
    """Its styles are read with the app's: a screen's own CSS_PATH would have Textual parse
    every rule again as it is first shown, and so would Textual's restyle of a new mode's
    screen, whose variables (the theme's) have not changed (DeskApp.refresh_css)."""
    reparsed: list[list[str]] = []
    reparse = Stylesheet.reparse

    def counted(self: Stylesheet) -> None:
        reparsed.append([Path(path).name for path, _ in self.source])
        reparse(self)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        # (the intake form built beneath the sign-in adds its own file later: not counted)
        before_the_form = [files for files in reparsed if "intake.tcss" not in files]
        assert before_the_form == [], reparsed
        # and the sign-in's own rules are in force (signin.tcss: the box 50 cells wide)
        assert app.screen.query_one("#signin-box").outer_size.width == 50
        # A theme of other colours is parsed with its variables, as Textual does.
        reparsed.clear()
        app.theme = "desk-high-contrast"
        await settle(pilot)
        assert len(reparsed) == 1, reparsed
        border = app.screen.query_one("#signin-box").styles.border_top[1]
        assert (border.r, border.g, border.b) >= (250, 250, 0) and border.b < 10  # $primary: yellow


def _run(code: str) -> str:
    """In a process of its own: freezing objects would outlive a test in pytest's."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_desk_as_a_program_freezes_what_start_up_imported() -> None:
    code = (
        "import gc, textual.app\n"
        "from deskapp.screens.app import DeskApp\n"
        "seen = []\n"
        "textual.app.App.run = lambda self, *a, **k: seen.append(gc.get_freeze_count())\n"
        "before = gc.get_freeze_count()\n"
        "DeskApp(lambda: None).run()\n"
        "print(before, seen[0] > 10_000)\n"
    )
    assert _run(code) == "0 True"


def test_the_desk_run_by_a_pilot_leaves_the_collector_as_it_was() -> None:
    """A snapshot test runs the desk with an `auto_pilot` in pytest's process: as the program,
    each later test's sign-in froze the heap with its garbage (attack22g)."""
    code = (
        "import gc\n"
        "from deskapp import collector\n"
        "from deskapp.screens.app import DeskApp\n"
        "async def leave(pilot):\n"
        "    pilot.app.exit()\n"
        "DeskApp(lambda: None).run(headless=True, auto_pilot=leave)\n"
        "with collector.long_lived_imports():\n"
        "    enabled = gc.isenabled()\n"
        "print(gc.get_freeze_count(), enabled)\n"
    )
    assert _run(code) == "0 True"


def test_heavy_imports_of_a_worker_run_without_the_collector_then_are_frozen() -> None:
    code = (
        "import gc\n"
        "from deskapp import collector\n"
        "with collector.long_lived_imports():\n"  # not the program: nothing changes
        "    assert gc.isenabled()\n"
        "assert gc.get_freeze_count() == 0\n"
        "collector.start_program(freeze=True)\n"
        "frozen = gc.get_freeze_count()\n"
        "with collector.long_lived_imports():\n"
        "    assert not gc.isenabled()\n"
        "    with collector.long_lived_imports():\n"  # two workers at once
        "        kept = [[] for _ in range(1000)]\n"
        "    assert not gc.isenabled()\n"  # the other is still importing
        "try:\n"
        "    with collector.long_lived_imports():\n"
        "        raise ValueError\n"
        "except ValueError:\n"
        "    pass\n"
        "print(gc.isenabled(), gc.get_freeze_count() >= frozen + 1000)\n"
    )
    assert _run(code) == "True True"


def test_the_sign_in_loads_the_demo_logins_table_only_for_the_demo() -> None:
    """DataTable (Textual's largest widget module) is the demo's list of logins alone."""
    code = (
        "import sys\n"
        "import deskapp.launch, deskapp.screens.app\n"
        "print([m for m in sys.modules if m.endswith('_data_table')])\n"
    )
    assert _run(code) == "[]"


def test_the_desk_starts_without_the_word_segmenter() -> None:
    """jieba (~1 s, ~65 MB: the case check's person names, case18f) is loaded by the worker
    that checks a case's texts, never at start: not by the app, nor by the case modules."""
    code = (
        "import sys\n"
        "import deskapp.launch, deskapp.screens.app, deskapp.services.cases\n"
        "import deskapp.domain.cases, bench.startup\n"
        "print([m for m in sys.modules if m.split('.')[0] == 'jieba'])\n"
    )
    assert _run(code) == "[]"


async def test_the_preferences_are_read_after_the_first_frame(app: DeskApp, monkeypatch) -> None:
    """config.toml's worker (it builds the settings: pydantic-settings) starts once the first
    screen has been laid out and drawn (Textual's Ready), not beside the first frame."""
    seen: list[str] = []
    monkeypatch.setattr(DeskApp, "on_ready", lambda self: seen.append("ready"), raising=False)
    monkeypatch.setattr(DeskApp, "load_preferences", lambda self: seen.append("preferences"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
    assert seen == ["ready", "preferences"]
