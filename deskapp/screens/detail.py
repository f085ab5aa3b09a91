"""投诉详情: the whole record, its events and its change history. Phone shown in full here."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen

from deskapp.domain.clean_input import printable  # a stored control or direction mark
from deskapp.domain.money import format_yuan, from_fen
from deskapp.domain.permissions import Permission, allowed
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.screens.boundary import WorkBoundary, desk_work
from deskapp.screens.case_dialog import case_dialog
from deskapp.screens.desk_app import desk_app, signed_in_actor
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.screens.widgets.deadline_text import clock_text
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.plain import PlainGrid, Static
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.batches import (
    UNLINK_REASON_LIMIT,
    link_to_batch,
    linked_batch,
    open_batches_for,
    unlink_from_batch,
)
from deskapp.services.cases import check_markable, mark_case, warm_checker
from deskapp.services.customer import HistoryPage
from deskapp.services.deadlines import clock_mark
from deskapp.services.desk import Desk
from deskapp.services.extensions import ExtensionView, ticket_extensions
from deskapp.services.repeats import repeat_choices, set_repeat, unlink_repeat
from deskapp.services.search import ComplaintDetail, HistoryEntry, complaint_detail


def _label(key: str, fallback: str) -> str:
    text = t(key)
    return fallback if text == key else text


def describe_change(entry: HistoryEntry) -> str | None:
    """A change-log entry in the handler's words, not table and column names: "+ 工单号 …",
    "+ 退费 20.00 元", "✎ 处理结果、客户满意度". None for bookkeeping nobody needs to read."""
    entity, _, op = entry.op.partition(".")
    values = entry.fields
    if op == "insert":
        if entity == "complaint":
            return f"+ {t('search.col_ticket')} {values.get('ticket_no', '')}"
        if entity == "refund" and isinstance(values.get("amount_fen"), int):
            return f"+ {t('detail.refunds')} {format_yuan(from_fen(values['amount_fen']))} 元"
        if entity == "complaint_event":
            kind = str(values.get("kind", ""))
            return f"+ {_label(f'event.{kind}', kind)}"
        return f"+ {entity}"
    fields = [
        _label(f"intake.{name.removesuffix('_id')}", name)
        for name in sorted(values)
        if name not in _BOOKKEEPING
    ]
    if not fields:
        return None
    return f"{'✗' if op == 'delete' else '✎'} {'、'.join(fields)}"


# Columns every write touches: not news to the person reading the history.
_BOOKKEEPING = frozenset(
    {"id", "updated_at", "created_by", "next_clock", "next_due_at", "next_due_provisional"}
)


class DetailScreen(WorkBoundary, Screen[None]):
    TITLE_KEY = "detail.title"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "detail",
        [
            Binding("escape,q", "app.pop_screen", t("detail.close")),
            Binding("h", "history", t("detail.history_key")),
            Binding("b", "link_batch", t("intake.batch_key"), show=False),
            Binding("k", "mark_case", t("detail.case_key"), show=False),
            # 重复投诉 after intake: confirm, link by hand or unlink (issue 18)
            Binding("r", "repeat", t("detail.repeat_key"), show=False),
        ],
    )
    DEFAULT_CSS = """
    DetailScreen #detail { padding: 0 1; }
    DetailScreen .section { text-style: bold; color: $accent; padding-top: 1; }
    """

    def __init__(self, complaint_id: str) -> None:
        super().__init__()
        self.complaint_id = complaint_id
        self._customer = ""  # the ticket's contact phone, once loaded
        self._service_number = ""  # and its service number (业务号码)
        self._cause = ""  # and its cause (the batches it may join)
        # The customer's first history page, read after the detail is shown (as intake reads
        # it as the phone is typed): H shows it at once, the history reads it again behind.
        self._history: tuple[tuple[str, ...], HistoryPage] | None = None

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with VerticalScroll(id="detail"):
            yield Static(id="record")
            yield Static(t("detail.refunds"), classes="section", id="refunds-title")
            yield Static(id="refunds")
            yield Static(t("extension.detail_title"), classes="section", id="extensions-title")
            yield Static(id="extensions")
            yield Static(t("detail.events"), classes="section")
            yield Static(id="events")
            yield Static(t("detail.history"), classes="section")
            yield Static(id="history")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.load()
        actor = desk_app(self).actor
        if actor is not None and allowed(actor, Permission.MARK_CASE):
            warm_checker()  # K's save checks the texts with jieba: loaded while reading

    @desk_work()
    def load(self) -> None:
        detail = complaint_detail(self.desk, self.complaint_id)
        if detail is not None:
            extensions = ticket_extensions(self.desk, self.complaint_id)
            self.app.call_from_thread(self._show, detail)
            self.app.call_from_thread(self._show_extensions, extensions)
            c, actor = detail.complaint, desk_app(self).actor
            numbers = (c.contact_phone, c.service_number or "")  # as H opens the history
            if actor is not None and c.contact_phone:
                from deskapp.screens.customer import read_page

                page = read_page(self.desk, actor, numbers)
                if page is not None:
                    self.app.call_from_thread(self._history_read, numbers, page)

    def _history_read(self, numbers: tuple[str, ...], page: HistoryPage) -> None:
        self._history = (numbers, page)

    def _show_extensions(self, extensions: list[ExtensionView]) -> None:
        """延期申请: each with the original deadline, the new one, who asked and why, and who
        decided (approved, refused: shown, nothing moved) or that it waits."""
        self.query_one("#extensions-title").display = bool(extensions)
        box = self.query_one("#extensions", Static)
        box.display = bool(extensions)
        lines = []
        for e in extensions:
            status = t(f"extension.status_{e.status}")
            line = t("extension.line", clock=e.clock, original=e.original_due, new=e.new_due,
                     status=status, who=e.requested_by, at=e.requested_at[5:],
                     reason=printable(e.reason))  # fmt: skip
            if not e.pending:
                note = f":{printable(e.note)}" if e.note else ""
                line += "\n  " + t("extension.decided", who=e.decided_by, at=e.decided_at[5:],
                                    status=status, note=note)  # fmt: skip
            lines.append(line)
        box.update(Text("\n".join(lines)))

    def _staff_name(self, detail: ComplaintDetail, staff_id: str | None) -> str:
        if not staff_id:
            return "—"
        return detail.staff_names.get(staff_id, staff_id)

    def action_link_batch(self) -> None:
        """B: link the ticket to an open batch incident (批量投诉), later than at intake; on a
        ticket already linked, undo the link with a reason while the batch is open."""
        self._link_batch_dialog()

    @desk_work(group="batch-dialog")
    def _link_batch_dialog(self) -> None:
        desk, actor = self.desk, signed_in_actor(self)
        linked = linked_batch(desk, self.complaint_id)
        if linked is not None:
            self._unlink_batch_dialog(linked.title)
            return
        options = [(f"{b.title}", b.id) for b in open_batches_for(desk, self._cause)]
        if not options:
            self.app.call_from_thread(self.notify, t("intake.batch_none_found"), timeout=6)
            return
        spec = DialogSpec(t("intake.batch_key"), [FieldSpec(
            "batch", t("intake.batch"), "select", options, default=options[0][1],
            allow_blank=False)])  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            link_to_batch(desk, actor, self.complaint_id, values["batch"])

        self.app.call_from_thread(self.app.push_screen, ActionDialog(spec, submit), self._reload)

    def _unlink_batch_dialog(self, title: str) -> None:
        """In the worker: the dialog undoing the link (the service refuses a closed batch)."""
        desk, actor = self.desk, signed_in_actor(self)
        spec = DialogSpec(t("detail.batch_unlink_key"), [FieldSpec(
            "reason", t("detail.batch_unlink_reason"), max_length=UNLINK_REASON_LIMIT)],
            intro=t("detail.batch_unlink_intro", title=printable(title)))  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            unlink_from_batch(desk, actor, self.complaint_id, values["reason"])

        self.app.call_from_thread(self.app.push_screen, ActionDialog(spec, submit), self._reload)

    def action_mark_case(self) -> None:
        """K: a manager marks the (closed) ticket as a teaching case with its lesson; anyone
        else is told at once, before typing a lesson the service would refuse."""
        if not allowed(signed_in_actor(self), Permission.MARK_CASE):
            self.notify(t("detail.case_not_allowed"), severity="warning", timeout=6)
            return
        self._case_dialog()

    @desk_work(group="case-dialog")
    def _case_dialog(self) -> None:
        """In the worker: a ticket still open or already a case is refused in words at once,
        before the texts are typed (the refusal, a RuleViolation, is said by the boundary);
        otherwise K's dialog opens."""
        desk, actor = self.desk, signed_in_actor(self)
        check_markable(desk, actor, self.complaint_id)
        # The texts take a while to write: Esc asks before dropping them (issue 18).
        spec = case_dialog(t("detail.case_key"))

        def submit(values: dict[str, Any]) -> None:
            mark_case(desk, actor, self.complaint_id, values["lesson"], values["summary"])

        self.app.call_from_thread(self.app.push_screen, ActionDialog(spec, submit), self._reload)

    def action_repeat(self) -> None:
        """R: the repeat link changed after intake (重复投诉): the rule's candidate confirmed,
        another earlier ticket of the customer linked by hand, or the link undone with a
        reason (deskapp/services/repeats.py decides)."""
        self._repeat_dialog()

    @desk_work(group="repeat-dialog")
    def _repeat_dialog(self) -> None:
        desk, actor = self.desk, signed_in_actor(self)
        choices = repeat_choices(desk, self.complaint_id)
        detail = complaint_detail(desk, self.complaint_id)
        current = detail.complaint.repeat_of_id if detail is not None else None
        tz = desk.tz
        options = [(t("detail.repeat_none"), "")] + [
            (f"{c.ticket_no} {format_local(c.received_at, tz)[:10]} "
             f"{t('detail.repeat_same' if c.same_matter else 'detail.repeat_other')} "
             f"{printable(c.content)[:12]}", c.id)
            for c in choices
        ]  # fmt: skip
        rule = next((c.id for c in choices if c.same_matter), "")
        default = current or rule
        spec = DialogSpec(t("detail.repeat_key"), [
            FieldSpec("repeat_of", t("detail.repeat_choice"), "select", options,
                      default=default, allow_blank=False),
            FieldSpec("repeat_unlink_reason", t("detail.repeat_reason"), "area"),
        ], intro=t("detail.repeat_intro"))  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            if values["repeat_of"]:
                set_repeat(desk, actor, self.complaint_id, values["repeat_of"])
            elif current:
                unlink_repeat(desk, actor, self.complaint_id, values["repeat_unlink_reason"])

        self.app.call_from_thread(self.app.push_screen, ActionDialog(spec, submit), self._reload)

    def _reload(self, done: bool | None) -> None:
        if done:
            self.load()

    def action_history(self) -> None:
        """H: the customer's history (客户历史), from any ticket."""
        from deskapp.screens.customer import open_history

        if self._customer:
            numbers = (self._customer, self._service_number)
            held = self._history
            open_history(self.app, *numbers, page=held[1] if held and held[0] == numbers else None)

    def _show(self, detail: ComplaintDetail) -> None:
        c = detail.complaint
        self._customer = c.contact_phone
        self._service_number = c.service_number or ""
        self._cause = c.cause_code
        tz = self.desk.tz
        causes = self.desk.refdata.causes
        cause = causes.path(c.cause_code).label if c.cause_code in causes else c.cause_code
        record = PlainGrid.grid(padding=(0, 2))
        record.add_column(style="bold", no_wrap=True)
        record.add_column()
        rows: list[tuple[str, str | Text]] = [
            (t("search.col_ticket"), c.ticket_no),
            (
                t("search.col_status"),
                t(f"status.{c.status}")
                + (f" · {t('intake.solved_on_spot')}" if c.solved_on_spot else ""),
            ),
            (t("intake.received_at"), format_local(c.received_at, tz)),
            (t("intake.channel"), t(f"channel.{c.channel}")),
            (
                t("intake.severity"),
                t(f"severity.{c.severity}")
                + (f"({printable(c.severity_reason)})" if c.severity_reason else ""),
            ),
            (t("intake.customer_name"), printable(c.customer_name)),
            (t("intake.contact_phone"), c.contact_phone),
            (t("intake.service_number"), c.service_number),
            (t("intake.cause"), cause),
            (t("intake.content"), printable(c.content)),
            (t("intake.demand"), printable(c.demand)),
            (t("detail.first_responder"), self._staff_name(detail, c.first_responder_id)),
            (t("detail.owner"), self._staff_name(detail, c.owner_id)),
        ]
        if c.accused_staff_id:
            rows.append((t("intake.accused_staff"), self._staff_name(detail, c.accused_staff_id)))
        flags = [t(f"intake.{f}") for f in ("no_fault", "difficult_customer") if getattr(c, f)]
        if detail.repeat_of_ticket:
            flags.append(t("detail.repeat_of", ticket=detail.repeat_of_ticket))
        if detail.repeated_by:
            flags.append(t("detail.repeated_by", tickets="、".join(detail.repeated_by)))
        if flags:
            rows.append(("标记", "、".join(flags)))
        if c.next_due_at is not None and c.next_clock:
            # The state in the queue's words (paused, overdue, due soon), then the deadline.
            mark = clock_mark(self.desk, c.next_due_at, c.paused_until,
                              c.next_due_provisional, self.desk.clock.now())  # fmt: skip
            due = f" · {t(f'clock.{c.next_clock}')} {format_local(c.next_due_at, tz)}"
            rows.append((t("queue.col_clock"), Text.assemble(clock_text(mark), due)))
        if c.promised_reply_at:
            rows.append((t("intake.promised_reply_at"), format_local(c.promised_reply_at, tz)))
        if c.outcome:
            rows.append((t("intake.outcome"), printable(c.outcome)))
        if c.satisfaction:
            rows.append((t("intake.satisfaction"), t(f"satisfaction.{c.satisfaction}")))
        for label, value in rows:
            record.add_row(label, value)
        self.query_one("#record", Static).update(record)

        has_refunds = bool(detail.refunds)
        self.query_one("#refunds-title").display = has_refunds
        refunds = self.query_one("#refunds", Static)
        refunds.display = has_refunds
        if has_refunds:
            lines = []
            for r in detail.refunds:
                line = (
                    f"实收 {format_yuan(from_fen(r.charged_fen))} 应收 "
                    f"{format_yuan(from_fen(r.should_have_charged_fen))} → 退 "
                    f"{format_yuan(from_fen(r.amount_fen))} 元 "
                    f"({t(f'refund_method.{r.method}')};规则 "
                    f"{format_yuan(from_fen(r.rule_amount_fen))})"
                )
                if r.approved_by:
                    line += f" 审批:{self._staff_name(detail, r.approved_by)} {r.approval_reason}"
                lines.append(line)
            refunds.update("\n".join(lines))

        events = PlainGrid.grid(padding=(0, 2))
        for e in detail.events:
            events.add_row(
                format_local(e.at, tz),
                t(f"event.{e.kind}"),
                self._staff_name(detail, e.actor_id),
                e.note,
            )
        self.query_one("#events", Static).update(events)

        history = PlainGrid.grid(padding=(0, 2))
        history.add_column(no_wrap=True)
        history.add_column(no_wrap=True)
        history.add_column()
        for h in detail.history:
            described = describe_change(h)
            if described is not None:
                history.add_row(
                    format_local(h.at, tz), self._staff_name(detail, h.actor), described
                )
        self.query_one("#history", Static).update(history)
