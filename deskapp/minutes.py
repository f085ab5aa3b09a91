"""The settings given in minutes (DESKAPP_SYNC_INTERVAL_MINUTES, DESKAPP_IDLE_SIGNOUT_MINUTES):
checked without pydantic, so every command checks them as it starts (deskapp/cli.py) and the
desk's start is not slowed by importing pydantic-settings before its first frame."""

from __future__ import annotations

import math
from collections.abc import Mapping

MIN_MINUTES = 1.0  # a period below a minute would sign out or synchronize without a pause

# The settings given in minutes: 0 turns them off, otherwise at least MIN_MINUTES.
MINUTE_SETTINGS = ("sync_interval_minutes", "idle_signout_minutes")


def check_minutes(value: object) -> float:
    """A number of minutes: 0 (off) or at least MIN_MINUTES; ValueError otherwise."""
    try:
        minutes = float(str(value).strip())
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(minutes) or not (minutes == 0 or minutes >= MIN_MINUTES):
        raise ValueError(f"0 or at least {MIN_MINUTES:g}")
    return minutes


def bad_setting(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The first minutes setting in the environment that cannot be used, with its value.
    Checked when any command starts (deskapp/cli.py), before pydantic is even imported: a bad
    value said once, by name, instead of an unexpected error at every sign-in."""
    for name in MINUTE_SETTINGS:
        variable = f"DESKAPP_{name.upper()}"
        if variable in environ:
            try:
                check_minutes(environ[variable])
            except ValueError:
                return variable, environ[variable]
    return None
