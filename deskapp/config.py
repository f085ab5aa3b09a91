"""Configuration: environment variables with the DESKAPP_ prefix, overridden by CLI flags."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("deskapp", appauthor=False)) / "desk.db"


def default_export_dir() -> Path:
    """Where printable files (report forms, handovers, work records) are written."""
    return Path(platformdirs.user_documents_dir()) / "deskapp"


class DeskSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESKAPP_", extra="ignore")

    db: Path = Field(default_factory=default_db_path, description="the terminal's local store")
    data_dir: Path | None = Field(None, description="reference data (default: the bundled data/)")
    export_dir: Path = Field(default_factory=default_export_dir, description="printable files")
    demo: bool = Field(False, description="show the demo sign-in hint")
