"""The user's preferences file (`config.toml`): the theme they chose and the keys they
remapped. Kept apart from the settings (environment, flags) because the desk writes it: a
theme picked in the command palette is there at the next start.

    theme = "desk-high-contrast"

    [keymap]                   # binding id = key(s); `deskapp keys` lists the ids
    "intake.save" = "f10"
    "app.switch_mode_queue" = "f4,ctrl+j"
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("deskapp", appauthor=False)) / "config.toml"


@dataclass
class Preferences:
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what was ignored, and why


def load_preferences(path: Path) -> Preferences:
    """What the file says; a missing file is no preference, a broken one is reported (and
    otherwise ignored: the desk must open whatever the file holds)."""
    if not path.is_file():
        return Preferences()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Preferences(problems=[f"{path}: {error}"])
    prefs = Preferences()
    theme = data.get("theme")
    if isinstance(theme, str):
        prefs.theme = theme
    elif theme is not None:
        prefs.problems.append(f"theme = {theme!r}")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        prefs.problems.append(f"keymap = {keymap!r}")
        keymap = {}
    for binding_id, keys in keymap.items():
        if isinstance(keys, str) and keys.strip():
            prefs.keymap[str(binding_id)] = keys.strip()
        else:
            prefs.problems.append(f"keymap.{binding_id} = {keys!r}")
    return prefs


_THEME_LINE = re.compile(r"^theme[ \t]*=.*$", re.M)


def save_theme(path: Path, theme: str) -> None:
    """Remember the theme, keeping everything else the file holds (the keymap, keys this
    version does not know, comments): only the top-level `theme = ...` line is written."""
    line = f"theme = {json.dumps(theme)}"
    text = _with_theme(_readable(path), theme)
    if text is None:  # no file, a broken one, or a theme line not written as one line
        prefs = load_preferences(path)
        lines = [line]
        if prefs.keymap:
            lines += ["", "[keymap]"]
            lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in sorted(prefs.keymap.items())]
        text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)  # never a half-written file, whatever happens mid-write


def _readable(path: Path) -> str | None:
    """The file's text if it is TOML this desk can read, else None."""
    try:
        text = path.read_text(encoding="utf-8")
        tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return text


def _with_theme(text: str | None, theme: str) -> str | None:
    """`text` with its top-level theme line set to `theme` (or such a line put first), or None
    when the result would not read back as that theme."""
    if text is None:
        return None
    line = f"theme = {json.dumps(theme)}"
    table = re.search(r"^[ \t]*\[", text, re.M)  # top-level keys end at the first table
    top, rest = (text[: table.start()], text[table.start() :]) if table else (text, "")
    if _THEME_LINE.search(top):
        top = _THEME_LINE.sub(lambda _: line, top, count=1)
        result = top + rest
    else:
        result = f"{line}\n{text}"
    try:
        written = tomllib.loads(result).get("theme")
    except tomllib.TOMLDecodeError:
        return None
    return result if written == theme else None
