"""《重大投诉处理申报表》: the major-complaint report form, on screen and as a printable file
(deskapp/services/printable.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.services.desk import Actor, Desk
from deskapp.services.printable import FieldTable, GridTable, write_printable
from deskapp.services.search import complaint_detail


@dataclass(frozen=True)
class MajorReport:
    ticket_no: str
    fields: list[tuple[str, str]]
    history: list[tuple[str, str, str, str]]  # time, what, who, note
    filled_by: str
    filled_at: str


def build_major_report(desk: Desk, complaint_id: str, actor: Actor) -> MajorReport:
    detail = complaint_detail(desk, complaint_id)
    if detail is None:
        raise KeyError(complaint_id)
    c = detail.complaint
    tz = desk.tz
    names = detail.staff_names
    causes = desk.refdata.causes
    terminal = desk.terminal()
    chain = desk.refdata.escalation
    level = chain[min(c.escalation_level, len(chain) - 1)].name
    fields = [
        (t("report.hall"), f"{terminal.hall_code}"),
        (t("report.ticket"), c.ticket_no),
        (t("report.received"), format_local(c.received_at, tz)),
        (t("report.channel"), t(f"channel.{c.channel}")),
        (t("report.customer"), c.customer_name),
        (t("report.phone"), c.contact_phone),
        (t("report.service_number"), c.service_number),
        (t("report.severity"), t(f"severity.{c.severity}")),
        (t("report.cause"), causes.path(c.cause_code).label if c.cause_code in causes else ""),
        (t("report.content"), c.content),
        (t("report.demand"), c.demand),
        (t("report.first_responder"), names.get(c.first_responder_id, "")),
        (t("report.level"), level),
        (t("report.status"), t(f"status.{c.status}")),
    ]
    history = [
        (format_local(e.at, tz), t(f"event.{e.kind}"), names.get(e.actor_id, e.actor_id), e.note)
        for e in detail.events
    ]
    return MajorReport(
        c.ticket_no,
        fields,
        history,
        f"{actor.work_no} {actor.name}",
        format_local(desk.clock.now(), tz),
    )


def export_major_report(report: MajorReport, directory: Path) -> Path:
    sections: list[FieldTable | GridTable] = [
        FieldTable(report.fields),
        GridTable(
            [t("report.when"), t("report.what"), t("report.who"), t("report.note")],
            report.history,
            title=t("report.history"),
        ),
        FieldTable(
            [(t("report.filled_by"), report.filled_by), (t("report.filled_at"), report.filled_at)],
            signature_rows=[t("report.signature")],
        ),
    ]
    return write_printable(
        directory, f"重大投诉申报表-{report.ticket_no}", t("report.title"), sections
    )
