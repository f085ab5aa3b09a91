"""The line at the top of every signed-in screen: where, who, and what screen this is."""

from __future__ import annotations

from textual.widgets import Static

from deskapp.i18n import t
from deskapp.screens.desk_app import desk_app


class StatusLine(Static):
    """Where, who, which screen; and on the right the synchronization state (last successful
    sync, changes waiting), kept current by the app."""

    DEFAULT_CLASSES = "status-line"

    def on_mount(self) -> None:
        self._head = ""
        self.watch(self.app, "sync_line", self._show, init=False)
        self._compose_head()
        self._show(getattr(self.app, "sync_line", ""))

    def _show(self, sync_line: str) -> None:
        self.update(f"{self._head}   {sync_line}" if sync_line else self._head)

    def _compose_head(self) -> None:
        app = desk_app(self)
        actor = app.actor
        desk = app.desk
        where = ""
        if desk.is_initialised():
            terminal = desk.terminal()
            where = f"{terminal.hall_code}-{terminal.terminal_code}"
        who = f"{actor.work_no} {actor.name}({t(f'role.{actor.role.value}')})" if actor else ""
        title = getattr(self.screen, "TITLE_KEY", "")
        # The terminal's title bar names the application; this line says where the handler is.
        parts = (t(title) if title else t("app.title"), where, who)
        self._head = " · ".join(p for p in parts if p)
