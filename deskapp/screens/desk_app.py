"""The one typed way from a screen or widget to the desk app it runs in (Textual types
`self.app` as any App): `desk_app(self).desk`, `.actor`, `.export_dir`; `signed_in_actor(self)` for
the actor on a screen only reached signed in."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from deskapp.domain.actor import Actor
    from deskapp.screens.app import DeskApp
    from deskapp.services.desk import Desk


class InApp(Protocol):
    """A screen, a widget or a palette provider: anything Textual gives an `app`."""

    @property
    def app(self) -> App[Any]: ...


def desk_app(node: InApp) -> DeskApp:
    """The DeskApp running `node` (every screen and widget of the desk runs in one)."""
    return cast("DeskApp", node.app)


def signed_in_actor(node: InApp) -> Actor:
    """The actor signed in at the desk running `node`: the screens that do work are reached only
    after signing in (DeskApp.check_action), so no one signed in is a bug, not a user's error."""
    actor = desk_app(node).actor
    assert actor is not None, "a work screen is shown only to someone signed in"
    return actor


def hall_today(node: InApp) -> date:
    """Today in the hall's time zone, by the desk's clock: the date examples in placeholders
    are relative to it, never a fixed date that has passed."""
    desk = desk_app(node).desk
    return desk.clock.now().astimezone(desk.tz).date()


class SignedIn:
    """Mixed into the screens reached only signed in (first in the bases): `self.desk`, the
    open store, and `self.actor`, who is signed in."""

    @property
    def desk(self: InApp) -> Desk:
        return desk_app(self).desk

    @property
    def actor(self: InApp) -> Actor:
        return signed_in_actor(self)
