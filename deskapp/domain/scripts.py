"""标准话术: the standard scripts the hall answers a cause with (data/scripts.toml, editable by
the hall). A script is written for a node of the cause tree at any level; a complaint gets the
script of its own cause, else of its nearest ancestor that has one. A no-fault complaint (无责投诉)
is explained with it."""

from __future__ import annotations

from collections.abc import Mapping


def script_for(scripts: Mapping[str, str], cause_code: str) -> str | None:
    """The script of the most specific node on the cause's path (NET.OUTAGE.AREA, then
    NET.OUTAGE, then NET), or None."""
    parts = cause_code.split(".") if cause_code else []
    while parts:
        found = scripts.get(".".join(parts))
        if found:
            return found
        parts.pop()
    return None
