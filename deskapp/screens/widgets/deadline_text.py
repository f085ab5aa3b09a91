"""A ticket's clock mark (decided by deskapp.services.deadlines.clock_mark) as rich text: the
colour every screen gives it. Colour never stands alone: the mark's symbol and words carry it."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from deskapp.domain.deadlines import ClockStatus
from deskapp.domain.phone import mask_phone
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.services.deadlines import ClockMark, clock_mark
from deskapp.services.desk import Desk
from deskapp.services.records import HandoverItem
from deskapp.services.shifts import TicketClock

CLOCK_STYLES = {
    ClockStatus.OVERDUE: "bold red",
    ClockStatus.DUE_SOON: "bold yellow",
    ClockStatus.PAUSED: "italic",
}


def clock_text(mark: ClockMark, *, align: bool = False) -> Text:
    """`align`: a running clock gets two blank cells where the others have their symbol, so
    the words line up in a column."""
    if mark.status is ClockStatus.OK and align:
        return Text("  " + mark.text)
    return Text(mark.text, style=CLOCK_STYLES.get(mark.status, ""))


def handover_item_line(
    desk: Desk,
    item: HandoverItem,
    ticket: str,
    customer: str,
    phone: str,
    clock: TicketClock | None,
    now: datetime,
) -> Text:
    """One handed-over ticket as every handover view shows it (the F5 detail, the acknowledge
    and filing dialogs): the ticket's clock as it stands now, by the one function that decides
    it (paused, overdue…), then which clock and its deadline, with the year."""
    line = Text()
    due = item.next_due_at
    if clock is not None:
        mark = clock_mark(desk, clock.next_due_at, clock.paused_until, clock.provisional, now)
        if mark.text:
            line.append_text(clock_text(mark))
            line.append(" · ")
        due = clock.next_due_at or due
    kind = t(f"clock.{item.next_clock}") if item.next_clock else ""
    line.append(ticket, "bold")
    who = f"{customer} {mask_phone(phone)}" if phone else customer
    line.append(f" · {who} · {kind} {format_local(due, desk.tz)}".rstrip())
    return line
