"""The one door from the core to the desk's Textual UI (screens/): the `deskapp` command opens
the desk, serves it to browsers and lists its keys through here. The imports are made inside
each function, when the command asks, and this module is the one exception the import-linter
contract "no Textual under deskapp/" names (pyproject.toml)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskapp.config import DeskSettings


def run_desk(settings: DeskSettings | Callable[[], DeskSettings], *, demo: bool = False) -> None:
    """Open the desk in this terminal (built by deskapp/screens/app.py's `make_app`)."""
    from deskapp.collector import long_lived_imports

    with long_lived_imports():  # the UI's modules: no collection walks them as they load
        from deskapp.screens.app import make_app

        app = make_app(settings, demo=demo)
    app.run()


def serve(command: str, **options: Any) -> None:
    """Serve desks to browsers, each running `command` (deskapp/screens/serve.py)."""
    from deskapp.screens.serve import DeskServer

    DeskServer(command, **options).serve()


def desk_bindings() -> dict[str, Any]:
    """Every key binding of the desk (Textual's Binding: `.key`, `.description`) by the id a
    keymap remaps it by (deskapp/screens/keys.py)."""
    from deskapp.screens.keys import desk_binding_ids

    return desk_binding_ids()
