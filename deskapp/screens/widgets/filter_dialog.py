"""筛选 in F4 (the follow-up queue) and F3 (search): one dialog of four choices (severity, the
escalation level reached, a flag, the channel), each "全部" when not chosen, and the words that
say the filter in force on the screen's information line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from deskapp.domain.enums import Channel, Severity
from deskapp.i18n import t
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.services.desk import Desk
from deskapp.services.ticket_filter import Flag, TicketFilter, read_filter


def _select(name: str, options: list[tuple[str, str]], current: str | None) -> FieldSpec:
    return FieldSpec(name, t(f"filter.{name}"), "select", options, default=current,
                     prompt=t("filter.any"))  # fmt: skip


def filter_dialog(desk: Desk, current: TicketFilter) -> DialogSpec:
    chain = desk.refdata.escalation
    fields = [
        _select("severity", [(t(f"severity.{s.value}"), s.value) for s in Severity],
                current.severity.value if current.severity else None),
        _select("level", [(level.name, str(i)) for i, level in enumerate(chain)],
                None if current.level is None else str(current.level)),
        _select("flag", [(t(f"filter.flag_{f.value}"), f.value) for f in Flag],
                current.flag.value if current.flag else None),
        _select("channel", [(t(f"channel.{c.value}"), c.value) for c in Channel],
                current.channel.value if current.channel else None),
    ]  # fmt: skip
    return DialogSpec(t("filter.title"), fields, t("filter.intro"))


def chosen_filter(desk: Desk, values: dict[str, Any]) -> TicketFilter:
    """The dialog's values as a filter (RuleViolation at a field for a value not offered)."""
    return read_filter(values, len(desk.refdata.escalation))


def ask_filter(
    app: App[Any], desk: Desk, current: TicketFilter, apply: Callable[[TicketFilter], None]
) -> None:
    """Ctrl+L on a screen: the dialog opened at `current`; saved, `apply` gets the chosen
    filter (a value not offered is refused at its field and the dialog stays open)."""
    chosen: list[TicketFilter] = []

    def submit(values: dict[str, Any]) -> None:
        chosen.append(chosen_filter(desk, values))

    def done(saved: bool | None) -> None:
        if saved and chosen:
            apply(chosen[-1])

    app.push_screen(ActionDialog(filter_dialog(desk, current), submit), done)


def filter_words(desk: Desk, filters: TicketFilter) -> str:
    """ "筛选:重大 · 已上报至值班经理 · 隐患投诉 · 媒体" ("" when no filter is in force)."""
    if not filters.active:
        return ""
    parts = []
    if filters.severity is not None:
        parts.append(t(f"severity.{filters.severity.value}"))
    if filters.level is not None:
        parts.append(t("filter.at_level", level=desk.refdata.escalation[filters.level].name))
    if filters.flag is not None:
        parts.append(t(f"filter.flag_{filters.flag.value}"))
    if filters.channel is not None:
        parts.append(t(f"channel.{filters.channel.value}"))
    return t("filter.shown", what=" · ".join(parts))
