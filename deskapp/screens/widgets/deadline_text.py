"""A ticket's clock mark (decided by deskapp.services.deadlines.clock_mark) as rich text: the
colour every screen gives it. Colour never stands alone: the mark's symbol and words carry it."""

from __future__ import annotations

from rich.text import Text

from deskapp.domain.deadlines import ClockStatus
from deskapp.services.deadlines import ClockMark

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
