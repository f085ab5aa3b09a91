"""The line at the top of every signed-in screen: where, who, and what screen this is."""

from __future__ import annotations

from textual.widgets import Static

from deskapp.i18n import t


class StatusLine(Static):
    DEFAULT_CLASSES = "status-line"

    def on_mount(self) -> None:
        app = self.app
        actor = app.actor  # type: ignore[attr-defined]
        desk = app.desk  # type: ignore[attr-defined]
        where = ""
        if desk.is_initialised():
            terminal = desk.terminal()
            where = f"{terminal.hall_code}-{terminal.terminal_code}"
        who = f"{actor.work_no} {actor.name}({t(f'role.{actor.role.value}')})" if actor else ""
        title = getattr(self.screen, "TITLE_KEY", "")
        parts = (t("app.title"), t(title) if title else "", where, who)
        self.update(" · ".join(p for p in parts if p))
