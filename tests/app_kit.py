"""The settings a test's desk is built with (a plain module beside conftest.py): the app is
built by `deskapp.screens.app.make_app` from settings, as the `deskapp` command builds it, with the
store, the printable files and the preferences file in the test's own folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deskapp.config import DeskSettings


def settings_for(db: Path, **overrides: Any) -> DeskSettings:
    """Settings for a desk on `db`: exports and config.toml beside it, no hall store unless
    given; anything else as given (e.g. `sync_interval_minutes=0`)."""
    values: dict[str, Any] = {
        "db": db,
        "export_dir": db.parent / "exports",
        "config": db.parent / "config.toml",
        "hall": None,
    }
    values.update(overrides)
    return DeskSettings(**values)
