"""The user's preferences file (`config.toml`): the theme they chose and the keys they
remapped. Kept apart from the settings (environment, flags) because the desk writes it: a
theme picked in the command palette is there at the next start.

    theme = "desk-high-contrast"

    [keymap]                   # binding id = key(s); `deskapp keys` lists the ids
    "intake.save" = "f10"
    "app.switch_mode_queue" = "f4,ctrl+j"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from deskapp.paths import placed, refuse_unplaced


def default_config_path() -> Path:
    folder = placed(lambda: platformdirs.user_config_dir("deskapp", appauthor=False),
                    "DESKAPP_CONFIG")  # fmt: skip
    return folder / "config.toml"


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


class PreferencesNotWritten(Exception):
    """The file holds something the desk will not overwrite (it does not parse, or its `theme`
    is not a plain string): it is left untouched, and `line` says where to look."""

    def __init__(self, path: Path, line: int | None, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path, self.line, self.detail = path, line, detail


def save_theme(path: Path, theme: str) -> None:
    """Remember the theme, keeping everything else the file holds (the keymap, keys this
    version does not know, comments, layout): tomlkit edits only the top-level `theme` key.
    A file that does not parse is never rewritten (its content would be lost): it is left as it
    is and PreferencesNotWritten says at which line it is broken."""
    import tomlkit  # only when the theme is saved: every command reads this module (issue 22)
    from tomlkit.exceptions import TOMLKitError

    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        tomllib.loads(text)  # what the desk reads at start must read it too
        document = tomlkit.parse(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise PreferencesNotWritten(path, int(found[1]) if found else None, str(error)) from None
    except (TOMLKitError, UnicodeDecodeError) as error:
        raise PreferencesNotWritten(path, getattr(error, "line", None), str(error)) from None
    current = document.get("theme")
    if current is not None and not isinstance(current, str):  # `theme.name = ...`: not ours
        line = _line_of_key(text, "theme")
        raise PreferencesNotWritten(path, line, "theme is not a string")
    document["theme"] = theme  # tomlkit puts a new top-level key before the tables
    result = tomlkit.dumps(document)
    if tomllib.loads(result).get("theme") != theme:  # never write what would not read back
        raise PreferencesNotWritten(path, None, "the theme would not read back")
    refuse_unplaced(path)  # no home folder: said, naming DESKAPP_CONFIG
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(result, encoding="utf-8")
    temp.replace(path)  # never a half-written file, whatever happens mid-write


def _line_of_key(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{key}\s*[.=]", line):
            return number
    return None
