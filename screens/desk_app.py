"""The one typed way from a screen or widget to the desk app it runs in (Textual types
`self.app` as any App): `desk_app(self).desk`, `.actor`, `.export_dir`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from screens.app import DeskApp


class InApp(Protocol):
    """A screen, a widget or a palette provider: anything Textual gives an `app`."""

    @property
    def app(self) -> App[Any]: ...


def desk_app(node: InApp) -> DeskApp:
    """The DeskApp running `node` (every screen and widget of the desk runs in one)."""
    return cast("DeskApp", node.app)
