"""The line at the top of every signed-in screen: where, who, and what screen this is."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events

from deskapp.i18n import t
from deskapp.screens.desk_app import desk_app
from deskapp.screens.widgets.plain import Static


class StatusLine(Static):
    """Where, who, which screen; and on the right the synchronization state (last successful
    sync, changes waiting), kept current by the app."""

    DEFAULT_CLASSES = "status-line"

    def on_mount(self) -> None:
        self._head = ""
        self._heads: list[str] = []
        self.watch(self.app, "sync_line", self._show, init=False)
        self._compose_head()
        self._show(getattr(self.app, "sync_line", ""))

    def refresh_head(self) -> None:
        """Who is signed in changed (a screen built before the sign-in)."""
        self._compose_head()
        self._show(getattr(self.app, "sync_line", ""))

    def on_resize(self, event: events.Resize) -> None:
        self._show(getattr(self.app, "sync_line", ""))

    def _show(self, sync_line: str) -> None:
        if not sync_line:
            self.update(self._head)
            return
        # The changes waiting stay in sight on a narrow line: the head gives way first (the
        # role, then the name, then where), as the handler knows who and where they are.
        width = self.size.width or self.app.size.width
        head = self._heads[-1] if self._heads else ""
        for candidate in self._heads:
            if cell_len(f"{candidate}   {sync_line}") <= width:
                head = candidate
                break
        self.update(f"{head}   {sync_line}" if head else sync_line)

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
        shorter = actor.work_no if actor else ""
        self._heads = [
            self._head,
            " · ".join(p for p in (parts[0], where, shorter) if p),
            " · ".join(p for p in (parts[0], where) if p),
            parts[0],
            "",
        ]
