"""《重大投诉处理申报表》: the major-complaint report form, on screen and as a printable file
(deskapp/services/printable.py).

The form is a record on the ticket, not only a page: each level of the chain gives its opinion
as a `report_opinion` event (who signed, when, what they said: services/followup.py
give_opinion), the filing is a `report_filed` event with the outcome and any compensation, and
printing the form leaves a `report_printed` event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from deskapp.domain.enums import Severity
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.services.desk import Actor, Desk
from deskapp.services.printable import FieldTable, GridTable, write_printable
from deskapp.services.search import complaint_detail
from deskapp.store.models import ComplaintEvent


@dataclass(frozen=True)
class MajorReport:
    ticket_no: str
    fields: list[tuple[str, str]]
    history: list[tuple[str, str, str, str]]  # time, what, who, note
    filled_by: str
    filled_at: str
    complaint_id: str = ""
    # Each level up to the one the severity requires: (level, who signed, when, opinion);
    # who/when/opinion empty while the level has not given it.
    opinions: tuple[tuple[str, str, str, str], ...] = ()
    outcome: str = ""  # as filed
    compensation: str = ""
    filed: bool = False


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
    given: dict[str, ComplaintEvent] = {}
    filed: dict[str, str] = {}
    for e in detail.events:
        if e.kind == "report_opinion":
            given[json.loads(e.data or "{}").get("level", "")] = e  # the latest of a level
        elif e.kind == "report_filed":
            filed = json.loads(e.data or "{}")
    needed = desk.refdata.escalation_rules.required_level.get(Severity(c.severity))
    top = needed if needed is not None else len(chain) - 1
    opinions = tuple(
        (lv.name, names.get(given[lv.code].actor_id, given[lv.code].actor_id),
         format_local(given[lv.code].at, tz), given[lv.code].note)
        if lv.code in given else (lv.name, "", "", "")
        for lv in chain[: top + 1]
    )  # fmt: skip
    return MajorReport(
        c.ticket_no,
        fields,
        history,
        f"{actor.work_no} {actor.name}",
        format_local(desk.clock.now(), tz),
        complaint_id=c.id,
        opinions=opinions,
        outcome=filed.get("outcome", ""),
        compensation=filed.get("compensation", ""),
        filed=bool(filed),
    )


def export_major_report(report: MajorReport, directory: Path, desk: Desk, actor: Actor) -> Path:
    """The printable form; printing it is recorded on the ticket (`report_printed`)."""
    sections: list[FieldTable | GridTable] = [
        FieldTable(report.fields),
        GridTable(
            [
                t("report.level_col"),
                t("report.signed_by"),
                t("report.signed_at"),
                t("report.opinion"),
            ],
            report.opinions,
            title=t("report.opinions"),
        ),
        FieldTable(
            [(t("report.outcome"), report.outcome), (t("report.compensation"), report.compensation)]
        ),
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
    path = write_printable(
        directory, f"重大投诉申报表-{report.ticket_no}", t("report.title"), sections
    )
    if report.complaint_id:
        # Not a follow-up action: printing is never refused (not even on a signed-off day).
        with desk.write(actor.id) as session:
            session.add(
                ComplaintEvent(
                    complaint_id=report.complaint_id,
                    kind="report_printed",
                    at=desk.clock.now(),
                    actor_id=actor.id,
                    note=path.name,
                    data=json.dumps({"file": path.name}, ensure_ascii=False),
                )
            )
    return path
