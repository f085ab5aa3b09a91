"""Configuration: environment variables with the DESKAPP_ prefix, overridden by CLI flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from deskapp.minutes import MINUTE_SETTINGS, check_minutes
from deskapp.paths import default_db_path, default_export_dir
from deskapp.preferences import default_config_path


class _PrefixedEnv(EnvSettingsSource):
    """The environment, only its DESKAPP_ variables: an alias meant for the CLI and init
    keywords (`hall`) must not let a stray `HALL` in the shell pick the hall store."""

    def _load_env_vars(self) -> dict[str, str | None]:
        prefix = "DESKAPP_" if self.case_sensitive else "deskapp_"
        return {k: v for k, v in super()._load_env_vars().items() if k.startswith(prefix)}


class DeskSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESKAPP_", extra="ignore")

    db: Path = Field(default_factory=default_db_path, description="the terminal's local store")
    data_dir: Path | None = Field(None, description="reference data (default: the bundled data/)")
    export_dir: Path = Field(default_factory=default_export_dir, description="printable files")
    demo: bool = Field(False, description="show the demo sign-in hint")
    hall: str | None = Field(
        None,
        validation_alias=AliasChoices("DESKAPP_HALL_URL", "hall"),
        description="the hall store: a SQLite file path or a postgresql:// URL",
    )
    sync_window_days: int = Field(90, gt=0, description="history a new terminal pulls")
    sync_interval_minutes: float = Field(
        3, description="synchronize in the background this often (0: only on demand)"
    )
    config: Path = Field(
        default_factory=default_config_path,
        description="the preferences file: theme and remapped keys (written by the desk)",
    )
    idle_signout_minutes: float = Field(
        15, description="sign out after this long without a key or click (0: never)"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _PrefixedEnv(settings_cls), dotenv_settings, file_secret_settings)

    @field_validator(*MINUTE_SETTINGS, mode="before")
    @classmethod
    def _minutes(cls, value: object) -> float:
        return check_minutes(value)
