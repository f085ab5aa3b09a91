"""The report's cheap first pass over a ticket's clocks (working-time deadlines replaced by
lower bounds of themselves) must find exactly the earliest deadline the real clocks give, for
any history: a property test over generated ticket facts, holidays and unknown years included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from deskapp.domain.deadlines import Pause
from deskapp.domain.enums import Status
from deskapp.domain.ticket_deadlines import DispatchFacts, TicketFacts
from deskapp.refdata import RefData
from deskapp.services.deadlines import clocks_for
from deskapp.services.reports import earliest_deadline, lower_bound_calendar

DESK = SimpleNamespace(refdata=RefData(), tz=ZoneInfo("Asia/Shanghai"))
ROUGH = lower_bound_calendar(DESK)  # type: ignore[arg-type]

moments = st.datetimes(
    min_value=datetime(2025, 12, 20), max_value=datetime(2027, 2, 10), timezones=st.just(UTC)
)
later = st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=6))


@st.composite
def facts(draw: st.DrawFn) -> TicketFacts:
    registered = draw(moments)
    dispatches = tuple(
        DispatchFacts(
            f"d{i}",
            registered + draw(later),
            tuple(registered + draw(later) for _ in range(draw(st.integers(0, 2)))),
            draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 2)))
    )
    pauses: tuple[Pause, ...] = ()
    if draw(st.integers(0, 5)) == 0:
        start = registered + draw(later)
        pauses = (Pause(start, start + draw(later)),)
    return TicketFacts(
        status=draw(st.sampled_from([Status.OPEN, Status.DISPATCHED, Status.REPLIED])),
        registered_at=registered,
        face_to_face=draw(st.booleans()),
        external=draw(st.booleans()),
        internal=draw(st.booleans()),
        dispatches=dispatches,
        reached_contacts=tuple(registered + draw(later) for _ in range(draw(st.integers(0, 2)))),
        promise_due=draw(st.none() | st.builds(lambda d: registered + d, later)),
        pauses=pauses,
        investigated=draw(st.booleans()),
    )


@given(facts())
def test_the_first_pass_finds_the_earliest_deadline(ticket: TicketFacts) -> None:
    clocks = clocks_for(DESK, ticket)  # type: ignore[arg-type]
    expected = clocks[0].deadline.at if clocks else None
    assert earliest_deadline(DESK, ticket, ROUGH) == expected  # type: ignore[arg-type]
