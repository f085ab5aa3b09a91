"""One factory builds the desk (`deskapp.screens.app.make_app`): the `deskapp` command builds
it from its settings without opening the store before the first frame, and an app made from settings
alone opens the store of those settings when someone signs in, as at the counter."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_kit import settings_for
from click.testing import CliRunner
from ui_helpers import WIDE, settle, sign_in

from deskapp.cli import main
from deskapp.clock import FrozenClock
from deskapp.screens.app import DeskApp, make_app
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui


def test_the_command_opens_the_app_of_the_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[DeskApp] = []
    monkeypatch.setattr(DeskApp, "run", lambda self, *a, **k: built.append(self))
    db = tmp_path / "desk.db"
    # A new store by DESKAPP_DB (the first run); a --db typed with no store there is refused.
    result = CliRunner().invoke(main, [], env={"DESKAPP_DB": str(db)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [app] = built
    assert app._desk is None and not db.exists()  # the store is opened after the first frame
    assert app.settings.db == db  # the command's own settings, read when first asked


async def test_an_app_from_settings_opens_their_store_at_sign_in(
    desk: Desk, db_path: Path, clock: FrozenClock
) -> None:
    app = make_app(settings_for(db_path), clock=clock, cursor_blink=False)
    app.animation_level = "none"
    app.raise_incidents = True
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        assert app.actor is not None and app.actor.work_no == "1001"
        assert app.desk is not desk and app.desk.path == str(db_path)
        assert app.desk.clock is clock
        assert app.export_dir == db_path.parent / "exports"
