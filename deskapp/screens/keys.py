"""Binding ids for the user's keymap (config.toml, [keymap]): every desk binding is named
`<scope>.<action>` (e.g. `intake.save`, `app.switch_mode_queue`), and the names are listed by
`deskapp keys` and in docs/keymap.md."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from textual.binding import Binding, BindingType
from textual.keys import Keys

MODIFIERS = frozenset({"ctrl", "shift", "alt", "super", "meta", "hyper"})
_KEY_NAMES = frozenset(k.value for k in Keys) | {f"f{n}" for n in range(1, 25)}


def keyed(scope: str, bindings: Iterable[BindingType]) -> list[BindingType]:
    """The bindings with ids `scope.action` (an id already given is kept)."""
    return [
        replace(b, id=f"{scope}.{slug(b.action)}") if isinstance(b, Binding) and b.id is None else b
        for b in bindings
    ]


def slug(action: str) -> str:
    """`switch_mode('queue')` → `switch_mode_queue`; `shift(-1)` → `shift_back_1`."""
    return re.sub(r"\W+", "_", re.sub(r"\(-", "(back_", action)).strip("_").lower()


def valid_key(key: str) -> bool:
    """A key as Textual names it: `f10`, `ctrl+s`, `escape`, `x`, `shift+tab`…"""
    *mods, last = key.strip().lower().split("+")
    return (
        bool(last)
        and all(m in MODIFIERS for m in mods)
        and (len(last) == 1 or last in _KEY_NAMES or last.replace("_", "") in _KEY_NAMES)
    )


def desk_binding_ids() -> dict[str, Binding]:
    """Every binding id of the desk (imports every screen: call it off the first frame)."""
    from textual.dom import DOMNode

    from deskapp.screens import (  # noqa: F401  (imported for their BINDINGS)
        app,
        batches,
        cases,
        customer,
        day_close,
        detail,
        handover,
        help,
        intake,
        major_report,
        opinion_book,
        queue,
        reports,
        search,
        shift,
        signin,
        staff,
        watch_list,
    )
    from deskapp.screens.widgets import action_dialog, cause_picker, confirm, hand_off  # noqa: F401

    found: dict[str, Binding] = {}
    stack: list[type] = [DOMNode]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("deskapp.screens"):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, binding)
    return found
