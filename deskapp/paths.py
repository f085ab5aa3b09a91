"""Default locations, kept free of heavy imports: the desk reads them before its first frame."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("deskapp", appauthor=False)) / "desk.db"


def default_export_dir() -> Path:
    """Where printable files (report forms, handovers, work records) are written."""
    return Path(platformdirs.user_documents_dir()) / "deskapp"
