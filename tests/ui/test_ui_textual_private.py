"""The Textual private APIs the desk uses live in one module
(deskapp/screens/textual_private.py): each still exists in the installed Textual (an upgrade
that renames one fails here, by name), and
no other module of the desk, its tests, benchmarks or docs reaches one."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from deskapp.screens import textual_private
from deskapp.screens.textual_private import PRIVATE_ATTRIBUTES, PRIVATE_MODULES

ROOT = Path(__file__).resolve().parents[2]
OWN_FOLDERS = ("deskapp", "screens", "tests", "bench", "docs")


def exists(owner: type, name: str) -> bool:
    """A class attribute, or an attribute that Textual's own code of the class (or of a
    class it inherits from) sets on `self`."""
    if hasattr(owner, name):
        return True
    pattern = re.compile(rf"\bself\.{re.escape(name)}\b\s*[:=]")
    for cls in owner.__mro__:
        if not cls.__module__.startswith("textual"):
            continue
        try:
            if pattern.search(inspect.getsource(cls)):
                return True
        except (OSError, TypeError):
            continue
    return False


@pytest.mark.parametrize(
    ("owner", "name"), PRIVATE_ATTRIBUTES, ids=[f"{o.__name__}.{n}" for o, n in PRIVATE_ATTRIBUTES]
)
def test_each_private_attribute_still_exists(owner: type, name: str) -> None:
    assert exists(owner, name), f"Textual no longer has {owner.__name__}.{name}"


def test_the_check_says_when_a_name_is_gone() -> None:
    from textual.app import App

    assert not exists(App, "_a_name_textual_never_had")


@pytest.mark.parametrize("module", PRIVATE_MODULES)
def test_each_private_module_still_imports(module: str) -> None:
    importlib.import_module(module)


def test_every_helper_of_the_module_is_exported() -> None:
    public = {n for n, v in vars(textual_private).items()
              if inspect.isfunction(v) and v.__module__ == textual_private.__name__}  # fmt: skip
    assert public <= set(textual_private.__all__)


def _private_uses(text: str) -> list[str]:
    names = "|".join(sorted({re.escape(n) for _, n in PRIVATE_ATTRIBUTES}))
    uses = re.findall(rf"\.({names})\b", text)
    uses += re.findall(r"\b(textual(?:\.\w+)*\._\w+)", text)
    return uses


def test_the_scan_finds_a_private_use() -> None:
    assert _private_uses("app._screen_stacks.values()") == ["_screen_stacks"]
    assert _private_uses("from textual.widgets._footer import FooterKey") == [
        "textual.widgets._footer"
    ]


def test_no_other_module_reaches_a_textual_private() -> None:
    here = Path(textual_private.__file__).resolve()
    found = {}
    for folder in OWN_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            if path.resolve() in (here, Path(__file__).resolve()):
                continue
            uses = _private_uses(path.read_text(encoding="utf-8"))
            if uses:
                found[str(path.relative_to(ROOT))] = sorted(set(uses))
    assert not found, f"Textual private APIs outside deskapp/screens/textual_private.py: {found}"
