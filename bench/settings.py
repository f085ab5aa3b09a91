"""The settings a benchmark's desk is built with (`deskapp.screens.app.make_app`, as the `deskapp`
command builds it): printable files and config.toml beside the store, no hall store."""

from __future__ import annotations

from pathlib import Path

from deskapp.config import DeskSettings


def settings_for(db: Path) -> DeskSettings:
    return DeskSettings(db=db, export_dir=db.parent / "exports", config=db.parent / "config.toml",
                        hall=None)  # fmt: skip
