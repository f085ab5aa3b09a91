"""The Textual private APIs the desk uses live in one module
(deskapp/screens/textual_private.py): each still exists in the installed Textual (an upgrade
that renames one fails here, by name), and
no other module of the desk, its tests, benchmarks or docs reaches one."""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import pkgutil
import re
from functools import cache
from pathlib import Path

import pytest

import deskapp.screens
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


# ---- any private name Textual defines, not only those listed (issue 21, attack): the names
# come from Textual's own classes, the desk's own private attributes are told apart from them.

_SELF_SET = re.compile(r"\bself\.(_[A-Za-z]\w*)\s*[:=]")


def _textuals(cls: type) -> bool:
    return cls.__module__ == "textual" or cls.__module__.startswith("textual.")


def _private_names(cls: type) -> set[str]:
    """The underscore names (not dunders) that Textual's own classes in `cls`'s ancestry
    define or set on `self`."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if not _textuals(klass) or issubclass(klass, tuple):  # not a NamedTuple's _asdict
            continue
        names |= {n for n in vars(klass) if n.startswith("_") and not n.startswith("__")}
        with contextlib.suppress(OSError, TypeError):
            names |= set(_SELF_SET.findall(inspect.getsource(klass)))
    return names


def _desk_modules() -> list[object]:
    prefix = deskapp.screens.__name__ + "."
    return [importlib.import_module(m.name)
            for m in pkgutil.walk_packages(deskapp.screens.__path__, prefix)]  # fmt: skip


@cache
def textual_private_names() -> frozenset[str]:
    """Private names of App, Screen, Widget, DOMNode, MessagePump, Driver and of every Textual
    class the desk's UI imports or derives from."""
    from textual.app import App
    from textual.dom import DOMNode
    from textual.driver import Driver
    from textual.message_pump import MessagePump
    from textual.screen import Screen
    from textual.widget import Widget

    classes: set[type] = {App, Screen, Widget, DOMNode, MessagePump, Driver}
    for module in _desk_modules():
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, MessagePump | Driver):
                classes.add(value)  # the widgets, screens and drivers the desk uses
    return frozenset(name for cls in classes for name in _private_names(cls))


@cache
def desk_own_names() -> frozenset[str]:
    """Private names the desk gives its own classes, where no Textual ancestor has the name
    (`self._reset` of a desk screen is the desk's; `self._list_visible` of the palette is not)."""
    own: set[str] = set()
    for module in _desk_modules():
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            inherited = _private_names(value)
            names = {n for n in vars(value) if n.startswith("_") and not n.startswith("__")}
            with contextlib.suppress(OSError, TypeError):
                names |= set(_SELF_SET.findall(inspect.getsource(value)))
            own |= names - inherited
    for folder in ("tests", "bench"):  # their helper classes: every name set on self is theirs
        for path in (ROOT / folder).rglob("*.py"):
            own |= set(_SELF_SET.findall(path.read_text(encoding="utf-8")))
    return frozenset(own)


def _overrides(module: object) -> list[str]:
    """Textual private methods a desk class of `module` defines again (a rename upstream
    would leave the desk's version never called, silently)."""
    found = []
    for value in vars(module).values():
        if isinstance(value, type) and value.__module__ == module.__name__:
            inherited = _private_names(value)
            found += [f"{value.__name__}.{n}" for n, v in vars(value).items()
                      if n in inherited and inspect.isfunction(v)]  # fmt: skip
    return found


def private_uses_in(tree: ast.AST, textual_names: frozenset[str], own: frozenset[str]) -> list[str]:
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in textual_names - own:
            uses.append(node.attr)
        elif isinstance(node, ast.Import):
            uses += [a.name for a in node.names
                     if a.name.startswith("textual") and "._" in a.name]  # fmt: skip
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual"):
            module = node.module or ""
            if "._" in module:
                uses.append(module)
            uses += [f"{module}.{a.name}" for a in node.names if a.name.startswith("_")]
    return uses


def test_the_ast_scan_finds_any_textual_private() -> None:
    names, own = textual_private_names(), desk_own_names()
    code = "app._running\nscreen._compositor\nfrom textual import _compat\nimport textual._loop\n"
    assert sorted(private_uses_in(ast.parse(code), names, own)) == [
        "_compositor", "_running", "textual._compat", "textual._loop"]  # fmt: skip
    # the desk's own private attributes are not Textual's
    assert private_uses_in(ast.parse("self._reset()\nrow._asdict()"), names, own) == []


def test_no_other_module_reaches_any_textual_private() -> None:
    names, own = textual_private_names(), desk_own_names()
    here = Path(textual_private.__file__).resolve()
    found: dict[str, list[str]] = {}
    # the UI, its tests and benchmarks (the rest of deskapp/ cannot import Textual: a contract)
    for folder in (ROOT / "deskapp" / "screens", ROOT / "tests", ROOT / "bench"):
        for path in folder.rglob("*.py"):
            if path.resolve() in (here, Path(__file__).resolve()):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            uses = private_uses_in(tree, names, own)
            if uses:
                found[str(path.relative_to(ROOT))] = sorted(set(uses))
    for module in _desk_modules():
        if module is not textual_private and (overridden := _overrides(module)):
            found.setdefault(module.__name__, []).extend(overridden)
    assert not found, f"Textual private APIs outside deskapp/screens/textual_private.py: {found}"
