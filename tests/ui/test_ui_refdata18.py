"""Issue 18 (an attack on data/scripts.toml): a desk started on a data directory whose
scripts.toml is wrongly written says so on the sign-in screen, in words naming the file and
the line, before anyone signs in; a sign-in attempt says it again; no incident is raised (the
test app raises one: DeskApp.raise_incidents)."""

from __future__ import annotations

import shutil
from pathlib import Path

from app_kit import settings_for
from textual.widgets import Static
from ui_helpers import WIDE, settle, type_text

from deskapp.i18n import t
from deskapp.refdata import default_data_dir
from deskapp.screens.app import DeskApp, make_app
from deskapp.screens.textual_private import notifications
from deskapp.services.desk import Desk


def _shown(app: DeskApp) -> str:
    parts = [str(w.render()) for w in app.screen.query(Static) if w.display]
    return "\n".join([*parts, *(n.message for n in notifications(app))])


async def test_a_wrong_scripts_file_is_said_at_sign_in_and_raises_no_incident(
    desk: Desk, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    scripts = data / "scripts.toml"
    shipped = scripts.read_text(encoding="utf-8")
    scripts.write_text(shipped + "\ngarbage = [\n", encoding="utf-8")
    last = len((shipped + "\ngarbage = [\n").splitlines())
    app = make_app(settings_for(Path(desk.path), data_dir=data), cursor_blink=False)
    app.raise_incidents = True  # an incident fails the test: the file must be said in words
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)  # the store is opened while the sign-in screen waits
        opening = t("fault.bad_data", path=str(scripts), detail="\0").partition("\0")[0]
        where = t("data.syntax_end", line=last)
        assert opening in _shown(app) and where in _shown(app), _shown(app)
        await type_text(pilot, "1001")
        await pilot.press("enter")
        await type_text(pilot, "1111")
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and app.actor is None
        assert opening in _shown(app) and where in _shown(app)
        assert [f.kind for f in app.faults] == ["data", "data"]
        assert not any(f.incident for f in app.faults)
