"""《重大投诉处理申报表》: the major-complaint report form, on screen and as a printable file.

The file is a self-contained HTML page with print styles (A4): every counter PC has a browser
that prints it, and it needs no office suite."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.services.desk import Actor, Desk
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
        c.ticket_no, fields, history, f"{actor.work_no} {actor.name}",
        format_local(desk.clock.now(), tz),
    )


def export_major_report(report: MajorReport, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9-]", "_", report.ticket_no)
    path = directory / f"重大投诉申报表-{safe}.html"
    esc = html.escape
    rows = "\n".join(
        f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in report.fields
    )
    history = "\n".join(
        "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
        for row in report.history
    )
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{esc(t("report.title"))} {esc(report.ticket_no)}</title>
<style>
@page {{ size: A4; margin: 18mm; }}
body {{ font-family: "Noto Serif CJK SC", "SimSun", serif; font-size: 11pt; }}
h1 {{ text-align: center; font-size: 16pt; }}
table {{ width: 100%; border-collapse: collapse; margin-bottom: 8mm; }}
th, td {{ border: 1px solid #000; padding: 2mm; vertical-align: top; text-align: left; }}
th {{ width: 28%; background: #eee; }}
.sign {{ height: 30mm; }}
</style></head><body>
<h1>{esc(t("report.title"))}</h1>
<table>{rows}</table>
<h2>{esc(t("report.history"))}</h2>
<table>{history}</table>
<table>
<tr><th>{esc(t("report.filled_by"))}</th><td>{esc(report.filled_by)}</td></tr>
<tr><th>{esc(t("report.filled_at"))}</th><td>{esc(report.filled_at)}</td></tr>
<tr><th>{esc(t("report.signature"))}</th><td class="sign"></td></tr>
</table>
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path
