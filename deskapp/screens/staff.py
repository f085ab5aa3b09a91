"""员工管理 (F12, the hall manager's): the staff with their role and state (locked work numbers
show until when), and the wrong PINs and locks of every terminal once synchronized. Add a
member, change a role, deactivate or reactivate, reset a PIN, unlock: each through
services/staff.py, which refuses anyone but a hall manager whatever this screen shows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable

from deskapp.domain.enums import Role
from deskapp.domain.errors import RuleViolation
from deskapp.domain.timefmt import format_local
from deskapp.i18n import error_text, t
from deskapp.screens.boundary import desk_work
from deskapp.screens.desk_app import SignedIn
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services import staff as staff_service
from deskapp.services.records import Staff
from deskapp.services.staff import SigninEventView

EVENT_DAYS = 7  # how far back the wrong PINs and locks are listed
EVENT_ROWS = 50


def role_options() -> list[tuple[str, str]]:
    return [(t(f"role.{r.value}"), r.value) for r in Role]


class StaffScreen(SignedIn, ModeScreen):
    TITLE_KEY = "staff.title"
    AUTO_FOCUS = "#staff-table"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "staff",
        [
            Binding("ctrl+n", "add", t("staff.key_add")),
            Binding("ctrl+o", "role", t("staff.key_role")),
            Binding("ctrl+d", "toggle_active", t("staff.key_active")),
            Binding("ctrl+k", "reset_pin", t("staff.key_pin")),
            Binding("ctrl+u", "unlock", t("staff.key_unlock")),
        ],
    )
    DEFAULT_CSS = """
    StaffScreen #staff-body { padding: 0 1; }
    StaffScreen .staff-heading { text-style: bold; padding: 1 0 0 0; }
    StaffScreen #staff-table { height: auto; max-height: 12; }
    StaffScreen #signins { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.members: list[Staff] = []
        self.locked: dict[str, datetime] = {}

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with Vertical(id="staff-body"):
            yield Static(t("staff.list_title"), classes="staff-heading")
            yield PlainTable(id="staff-table", cursor_type="row", zebra_stripes=True)
            yield Static(t("staff.events_title"), classes="staff-heading")
            yield PlainTable(id="signins", cursor_type="row", show_cursor=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#staff-table", DataTable).add_columns(
            t("staff.col_work_no"), t("staff.col_name"), t("staff.col_role"), t("staff.col_state")
        )
        self.query_one("#signins", DataTable).add_columns(
            t("staff.col_time"), t("staff.col_terminal"), t("staff.col_work_no"),
            t("staff.col_name"), t("staff.col_event"),
        )  # fmt: skip
        self.reload()

    def reload_on_return(self) -> None:
        self.reload()

    @desk_work(exclusive=True, group="staff")
    def reload(self) -> None:
        desk = self.desk
        members = staff_service.list_staff(desk, active_only=False)
        locked = staff_service.locked_work_numbers(desk)
        since = desk.clock.now() - timedelta(days=EVENT_DAYS)
        events = staff_service.signin_events(desk, since, EVENT_ROWS)
        self.app.call_from_thread(self._show, members, locked, events)

    def _show(
        self, members: list[Staff], locked: dict[str, datetime], events: list[SigninEventView]
    ) -> None:
        self.members, self.locked = members, locked
        tz = self.desk.tz
        table = self.query_one("#staff-table", DataTable)
        row = table.cursor_row
        table.clear()
        for m in members:
            state = Text(t("staff.active") if m.active else t("staff.inactive"),
                         style="" if m.active else "dim")  # fmt: skip
            if m.work_no in locked:
                until = format_local(locked[m.work_no], tz)[11:]
                state.append(" " + t("staff.locked_until", time=until), style="bold red")
            table.add_row(m.work_no, m.name, t(f"role.{m.role}"), state)
        if members:
            table.move_cursor(row=min(max(row, 0), len(members) - 1))
        signins = self.query_one("#signins", DataTable)
        signins.clear()
        for e in events:
            what = t(f"staff.event.{e.kind}")
            if e.reason:
                what += f"({t(f'staff.reason.{e.reason}')})"
            style = "bold red" if e.kind == "locked" else ""
            signins.add_row(format_local(e.at, tz)[5:], e.terminal, e.work_no, e.name or "—",
                            Text(what, style=style))  # fmt: skip
        if not events:
            signins.add_row("—", "", "", "", t("staff.no_events", days=EVENT_DAYS))

    def _selected(self) -> Staff | None:
        table = self.query_one("#staff-table", DataTable)
        if not self.members or not 0 <= table.cursor_row < len(self.members):
            return None
        return self.members[table.cursor_row]

    # ------------------------------------------------------------------ actions

    def _dialog(self, spec: DialogSpec, submit: Any) -> None:
        def reload_if_done(ok: bool | None) -> None:
            if ok:
                self.reload()

        self.app.push_screen(ActionDialog(spec, submit), reload_if_done)

    def action_add(self) -> None:
        desk, actor = self.desk, self.actor
        spec = DialogSpec(t("staff.new_title"), [
            FieldSpec("work_no", t("staff.col_work_no"), max_length=16),
            FieldSpec("name", t("staff.col_name"), max_length=40),
            FieldSpec("role", t("staff.col_role"), "select", role_options(),
                      default=Role.HANDLER.value),
            FieldSpec("pin", t("staff.new_pin"), max_length=12, password=True),
        ])  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            role = Role(values["role"] or Role.HANDLER.value)
            staff_service.add_staff(desk, actor, values["work_no"], values["name"], role,
                                    values["pin"])  # fmt: skip

        self._dialog(spec, submit)

    def action_role(self) -> None:
        member = self._selected()
        if member is None:
            return
        desk, actor = self.desk, self.actor
        spec = DialogSpec(t("staff.role_title", work_no=member.work_no, name=member.name), [
            FieldSpec("role", t("staff.col_role"), "select", role_options(), default=member.role),
        ])  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            if not values["role"]:
                raise RuleViolation.single("role", "error.required")
            staff_service.change_role(desk, actor, member.id, Role(values["role"]))

        self._dialog(spec, submit)

    def action_reset_pin(self) -> None:
        member = self._selected()
        if member is None:
            return
        desk, actor = self.desk, self.actor
        spec = DialogSpec(t("staff.pin_title", work_no=member.work_no, name=member.name), [
            FieldSpec("pin", t("staff.new_pin"), max_length=12, password=True),
        ])  # fmt: skip
        self._dialog(spec, lambda v: staff_service.reset_pin(desk, actor, member.id, v["pin"]))

    def action_toggle_active(self) -> None:
        member = self._selected()
        if member is None:
            return
        key = "staff.confirm_deactivate" if member.active else "staff.confirm_activate"
        question = t(key, work_no=member.work_no, name=member.name)

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(lambda: staff_service.set_active(
                    self.desk, self.actor, member.id, not member.active))  # fmt: skip

        self.app.push_screen(ConfirmScreen(t("staff.title"), question), answered)

    def action_unlock(self) -> None:
        member = self._selected()
        if member is None:
            return
        question = t("staff.confirm_unlock", work_no=member.work_no)

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(lambda: staff_service.unlock(self.desk, self.actor, member.work_no))

        self.app.push_screen(ConfirmScreen(t("staff.title"), question), answered)

    @desk_work(exclusive=True, group="staff-change")
    def _run(self, change: Any) -> None:
        """A change without a form: a refusal is said in words, the list read again."""
        try:
            change()
        except RuleViolation as refused:
            message = "\n".join(error_text(e) for e in refused.errors)
            self.app.call_from_thread(self.notify, message, severity="error", timeout=10)
        self.app.call_from_thread(self.reload)
