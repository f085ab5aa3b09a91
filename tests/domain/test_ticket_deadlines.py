"""Which clocks a complaint runs against, from the facts of its history (deskapp.domain.
ticket_clocks), on the hall's real calendar and limits from data/. Every expected time is worked
out by hand from docs/domain.md and data/hall.toml (working periods 08:30–12:00 and 13:30–17:30,
so a working day is 7.5 hours and the lunch break 12:00–13:30)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deskapp.domain.deadlines import ClockKind, Deadline, Pause
from deskapp.domain.enums import Channel, Status
from deskapp.domain.ticket_deadlines import (
    ActiveClock,
    DispatchFacts,
    TicketFacts,
    active_clocks,
    next_clock,
)
from deskapp.refdata import RefData
from deskapp.services.deadlines import ticket_facts
from deskapp.store.models import Complaint, ComplaintEvent

TZ = ZoneInfo("Asia/Shanghai")
REFDATA = RefData()
CAL = REFDATA.work_calendar_for(TZ)
LIMITS = REFDATA.time_limits
K = ClockKind


def local(mo: int, d: int, h: int, mi: int = 0, y: int = 2026) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


TUE_10 = local(11, 24, 10)  # the frozen "now" of the test suite: a working Tuesday morning


def clocks(facts: TicketFacts) -> list[tuple[ClockKind, str, str]]:
    """(kind, local deadline, detail) of every running clock, earliest first."""
    return [
        (c.kind, c.deadline.at.astimezone(TZ).strftime("%a %m-%d %H:%M"), c.detail)
        for c in active_clocks(facts, CAL, LIMITS)
    ]


def at(kind: ClockKind, facts: TicketFacts) -> Deadline:
    (found,) = [c.deadline for c in active_clocks(facts, CAL, LIMITS) if c.kind is kind]
    return found


def new_ticket(**changes: object) -> TicketFacts:
    values: dict[str, object] = {"status": Status.OPEN, "registered_at": TUE_10}
    values.update(changes)
    return TicketFacts(**values)  # type: ignore[arg-type]


def test_the_shipped_hours_have_the_lunch_break_these_tests_assume() -> None:
    tuesday = [
        (p.start.strftime("%H:%M"), p.end.strftime("%H:%M"))
        for p in CAL.local_periods(TUE_10.date())
    ]
    assert tuesday == [("08:30", "12:00"), ("13:30", "17:30")]
    assert CAL.is_year_known(2026)


# ---------------------------------------------------------------- a new ticket


def test_a_new_hotline_ticket() -> None:
    # Dispatched from the hotline and not yet taken up: it must be handed to someone, so the
    # 30-minute dispatch clock runs (DOMAIN.md, Time limits).
    assert clocks(new_ticket(hotline=True)) == [
        (K.DISPATCH, "Tue 11-24 10:30", ""),  # 30 minutes of clock time
        (K.FIRST_CONTACT, "Tue 11-24 11:00", ""),  # 1 hour of clock time
        # Half of a 7.5-hour working day is 3h45 of working time: 2h to 12:00, lunch,
        # then 1h45 from 13:30.
        (K.PROGRESS_CONTACT, "Tue 11-24 15:15", ""),
    ]


def test_the_next_clock_is_the_earliest() -> None:
    found = next_clock(active_clocks(new_ticket(hotline=True), CAL, LIMITS))
    assert found is not None
    assert found.kind is K.DISPATCH
    assert found.deadline == Deadline(local(11, 24, 10, 30))
    assert next_clock([]) is None


def test_a_walk_in_ticket_has_no_first_contact_clock() -> None:
    # Taken face to face: the intake itself was the first contact. Kept by the handler: no
    # dispatch clock (issue 16: it ran on every ticket not solved on the spot).
    assert [kind for kind, _, _ in clocks(new_ticket(face_to_face=True))] == [
        K.PROGRESS_CONTACT,
    ]


def test_clock_time_runs_through_the_night_working_time_does_not() -> None:
    facts = new_ticket(registered_at=local(11, 24, 17, 0), hotline=True)
    assert clocks(facts) == [
        (K.DISPATCH, "Tue 11-24 17:30", ""),
        (K.FIRST_CONTACT, "Tue 11-24 18:00", ""),
        # 17:00 is 7h into the 7.5-hour day; +3h45 leaves 3h15 for Wednesday from 08:30.
        (K.PROGRESS_CONTACT, "Wed 11-25 11:45", ""),
    ]


def test_a_friday_afternoon_progress_contact_lands_on_monday() -> None:
    facts = new_ticket(registered_at=local(11, 27, 16, 0), face_to_face=True)
    # 16:00 Fri is 6/7.5 = 0.8 of the day; +0.5 → 0.3 of Monday = 2h15 → 10:45.
    assert at(K.PROGRESS_CONTACT, facts) == Deadline(local(11, 30, 10, 45))


def test_a_reached_customer_stops_first_contact_and_restarts_progress_contact() -> None:
    facts = new_ticket(reached_contacts=(local(11, 24, 10, 15), local(11, 24, 14, 0)))
    assert clocks(facts) == [
        # 14:00 is 4h into the day; +3h45 = 7h45 > 7.5: 15 minutes into Wednesday.
        (K.PROGRESS_CONTACT, "Wed 11-25 08:45", ""),
    ]


# ---------------------------------------------------------------- departments


def test_after_dispatch_the_department_has_two_working_hours_across_lunch() -> None:
    facts = new_ticket(
        face_to_face=True, dispatches=(DispatchFacts("network", local(11, 24, 11, 0)),)
    )
    assert clocks(facts) == [
        # 1 hour to 12:00, the lunch break does not count, 1 hour from 13:30.
        (K.DEPARTMENT_FIRST_RESPONSE, "Tue 11-24 14:30", "network"),
        (K.PROGRESS_CONTACT, "Tue 11-24 15:15", ""),
    ]


def test_a_dispatch_late_in_the_day_is_answered_next_morning() -> None:
    facts = new_ticket(dispatches=(DispatchFacts("billing", local(11, 24, 16, 45)),))
    # 45 minutes to 17:30, then 1h15 from 08:30.
    assert at(K.DEPARTMENT_FIRST_RESPONSE, facts) == Deadline(local(11, 25, 9, 45))


def test_a_non_final_reply_starts_the_update_clock_from_that_reply() -> None:
    dispatch = DispatchFacts(
        "network", local(11, 24, 10, 0), replies=(local(11, 24, 10, 40), local(11, 24, 11, 0))
    )
    facts = new_ticket(status=Status.REPLIED, face_to_face=True, dispatches=(dispatch,))
    assert clocks(facts) == [
        (K.DEPARTMENT_UPDATE, "Tue 11-24 14:30", "network"),  # from the last reply, 11:00
        (K.PROGRESS_CONTACT, "Tue 11-24 15:15", ""),
    ]


def test_a_final_reply_ends_the_department_clocks() -> None:
    dispatch = DispatchFacts("network", TUE_10, replies=(local(11, 24, 11, 0),), final=True)
    facts = new_ticket(status=Status.REPLIED, face_to_face=True, dispatches=(dispatch,))
    assert clocks(facts) == [(K.PROGRESS_CONTACT, "Tue 11-24 15:15", "")]


def test_each_department_has_its_own_clock() -> None:
    facts = new_ticket(
        status=Status.REPLIED,
        face_to_face=True,
        dispatches=(
            DispatchFacts("network", TUE_10, replies=(local(11, 24, 10, 30),), final=True),
            DispatchFacts("billing", local(11, 24, 10, 30), replies=(local(11, 24, 13, 30),)),
            DispatchFacts("marketing", local(11, 24, 16, 30)),
        ),
    )
    assert clocks(facts) == [
        (K.PROGRESS_CONTACT, "Tue 11-24 15:15", ""),
        (K.DEPARTMENT_UPDATE, "Tue 11-24 15:30", "billing"),
        (K.DEPARTMENT_FIRST_RESPONSE, "Wed 11-25 09:30", "marketing"),
    ]


# ---------------------------------------------------------------- internal complaints, promises


def test_an_internal_complaint_runs_its_own_two_clocks() -> None:
    facts = new_ticket(face_to_face=True, internal=True)
    assert clocks(facts) == [
        (K.PROGRESS_CONTACT, "Tue 11-24 15:15", ""),
        (K.INTERNAL_FIRST, "Wed 11-25 10:00", ""),  # 1 working day
        (K.INTERNAL_WHOLE, "Thu 11-26 10:00", ""),  # 2 working days
    ]


def test_the_first_investigation_stops_the_first_internal_clock_only() -> None:
    facts = new_ticket(face_to_face=True, internal=True, investigated=True)
    kinds = [kind for kind, _, _ in clocks(facts)]
    assert K.INTERNAL_FIRST not in kinds
    assert at(K.INTERNAL_WHOLE, facts) == Deadline(local(11, 26, 10, 0))


def test_a_promise_is_a_deadline_of_its_own() -> None:
    facts = new_ticket(face_to_face=True, promise_due=local(11, 24, 10, 20))
    assert clocks(facts)[0] == (K.PROMISE, "Tue 11-24 10:20", "")
    assert at(K.PROMISE, facts) == Deadline(local(11, 24, 10, 20))


# ---------------------------------------------------------------- closed tickets


def test_a_closed_ticket_waits_for_its_return_visit_until_the_7th_working_day() -> None:
    facts = new_ticket(
        status=Status.CLOSED,
        closed_at=local(11, 24, 15, 0),
        dispatches=(DispatchFacts("network", TUE_10),),
        promise_due=local(11, 25, 10, 0),
    )
    # Wed 25, Thu 26, Fri 27, Mon 30, Tue 1, Wed 2, Thu 3: by the close of Thursday.
    assert clocks(facts) == [(K.RETURN_VISIT, "Thu 12-03 17:30", "")]
    assert at(K.RETURN_VISIT, facts) == Deadline(local(12, 3, 17, 30), provisional=False)


def test_the_hour_of_closing_does_not_matter_for_the_return_visit() -> None:
    early = new_ticket(status=Status.CLOSED, closed_at=local(11, 24, 8, 0))
    late = new_ticket(status=Status.CLOSED, closed_at=local(11, 24, 23, 0))
    assert at(K.RETURN_VISIT, early) == at(K.RETURN_VISIT, late)


def test_a_return_visit_reaching_into_an_unknown_year_is_provisional() -> None:
    facts = new_ticket(status=Status.CLOSED, closed_at=local(12, 24, 11, 0))
    deadline = at(K.RETURN_VISIT, facts)
    # 2027 is not in the library nor in data/holidays.toml: the ordinary week less the fixed
    # statutory holidays, flagged. Fri 25, Mon 28–Thu 31, (Fri 1 元旦), Mon 4, Tue 5.
    assert deadline.provisional
    assert deadline.at == local(1, 5, 17, 30, y=2027)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Status.CLOSED, "solved_on_spot": True},  # 现场解决: no return visit
        {"status": Status.CLOSED, "visited": True},
        {"status": Status.VISITED},
    ],
)
def test_no_return_visit_when_solved_on_the_spot_or_already_visited(changes: dict) -> None:
    facts = new_ticket(closed_at=local(11, 24, 15, 0), **changes)
    assert clocks(facts) == []


def test_an_external_complaint_closed_runs_three_monthly_care_follow_ups() -> None:
    closed = local(11, 24, 15, 0)
    facts = new_ticket(status=Status.CLOSED, closed_at=closed, external=True)
    assert clocks(facts) == [
        (K.RETURN_VISIT, "Thu 12-03 17:30", ""),
        (K.CARE_FOLLOW_UP, "Thu 12-24 15:00", "1/3"),
    ]
    visited = new_ticket(status=Status.VISITED, closed_at=closed, external=True, visited=True)
    expected = [
        (0, local(12, 24, 15, 0), "1/3"),
        (1, local(1, 24, 15, 0, y=2027), "2/3"),
        (2, local(2, 24, 15, 0, y=2027), "3/3"),
    ]
    for done, when, detail in expected:
        (care,) = active_clocks(TicketFacts(**{**visited.__dict__, "care_done": done}), CAL, LIMITS)
        assert (care.kind, care.deadline.at, care.detail) == (K.CARE_FOLLOW_UP, when, detail)
        assert not care.deadline.provisional  # calendar months know no holidays
    finished = TicketFacts(**{**visited.__dict__, "care_done": 3})
    assert active_clocks(finished, CAL, LIMITS) == []


def test_an_external_complaint_still_open_has_no_care_clock_yet() -> None:
    facts = new_ticket(external=True, face_to_face=True)
    assert K.CARE_FOLLOW_UP not in [kind for kind, _, _ in clocks(facts)]


# ---------------------------------------------------------------- pauses


def test_a_pause_shifts_each_clock_in_its_own_kind_of_time_but_never_the_promise() -> None:
    pause = Pause(TUE_10, local(11, 25, 10, 0), "customer_request")
    facts = new_ticket(promise_due=local(11, 24, 16, 0), pauses=(pause,), hotline=True)
    assert clocks(facts) == [
        (K.PROMISE, "Tue 11-24 16:00", ""),  # a promise is kept whatever happens
        (K.DISPATCH, "Wed 11-25 10:30", ""),  # clock time: the whole 24 hours
        (K.FIRST_CONTACT, "Wed 11-25 11:00", ""),
        (K.PROGRESS_CONTACT, "Wed 11-25 15:15", ""),  # one working day
    ]


def test_a_pause_over_the_night_costs_a_working_hours_clock_only_its_working_time() -> None:
    dispatch = DispatchFacts("network", local(11, 24, 16, 0))
    unpaused = new_ticket(face_to_face=True, dispatches=(dispatch,))
    assert at(K.DEPARTMENT_FIRST_RESPONSE, unpaused) == Deadline(local(11, 25, 9, 0))
    pause = Pause(local(11, 24, 16, 30), local(11, 25, 9, 0))
    paused = new_ticket(face_to_face=True, dispatches=(dispatch,), pauses=(pause,))
    # 16:30–17:30 and 08:30–09:00: 1h30 of working time stood still.
    assert at(K.DEPARTMENT_FIRST_RESPONSE, paused) == Deadline(local(11, 25, 10, 30))


def test_a_pause_before_a_clock_started_does_not_move_it() -> None:
    pause = Pause(local(11, 23, 10, 0), local(11, 23, 16, 0))
    facts = new_ticket(pauses=(pause,))
    assert clocks(facts) == clocks(new_ticket())


def test_pausing_an_overdue_clock_does_not_make_it_on_time() -> None:
    pause = Pause(local(11, 24, 10, 45), local(11, 24, 16, 0))
    facts = new_ticket(face_to_face=True, pauses=(pause,), hotline=True)
    assert at(K.DISPATCH, facts) == Deadline(local(11, 24, 10, 30))


# ---------------------------------------------------------------- reopening


def _event(kind: str, when: datetime, **data: object) -> ComplaintEvent:
    return ComplaintEvent(
        complaint_id="c1", kind=kind, at=when, actor_id="a", data=json.dumps(data, default=str)
    )


def test_reopening_restarts_the_round_from_the_reopening() -> None:
    reopened_at = local(11, 27, 9, 0)
    complaint = Complaint(
        id="c1",
        channel=Channel.HOTLINE.value,
        status=Status.OPEN.value,
        received_at=TUE_10,
        registered_at=TUE_10,
        severity="general",
        solved_on_spot=False,
        closed_at=None,
        accused_staff_id=None,
    )
    history = [
        _event("registered", TUE_10),
        _event("promise", TUE_10, due=local(11, 25, 10, 0).isoformat()),
        _event("dispatch", local(11, 24, 10, 10), department="network"),
        _event("contact", local(11, 24, 10, 20), reached=True, promise_due=None),
        _event("department_reply", local(11, 24, 14, 0), department="network", final=True),
        _event("closed", local(11, 24, 15, 0)),
        _event("visit", local(11, 26, 10, 0), move="reopen"),
        _event("reopened", reopened_at),
    ]
    facts = ticket_facts(complaint, history)
    assert facts.registered_at == reopened_at
    assert (facts.dispatches, facts.reached_contacts, facts.promise_due) == ((), (), None)
    assert not facts.visited
    assert clocks(facts) == [
        # The hotline ticket was taken up in the first round: no dispatch clock again.
        (K.FIRST_CONTACT, "Fri 11-27 10:00", ""),
        # 09:00 is 0.5h into the day; +3h45 = 4h15: 45 minutes after 13:30.
        (K.PROGRESS_CONTACT, "Fri 11-27 14:15", ""),
        # 处理完结 of a 一般 complaint, 3 working days from the reopening: Mon, Tue, Wed 09:00.
        (K.RESOLUTION_GENERAL, "Wed 12-02 09:00", ""),
    ]


def test_active_clocks_compare_by_deadline_only() -> None:
    a = ActiveClock(Deadline(TUE_10), K.DISPATCH, "x")
    b = ActiveClock(Deadline(TUE_10 + timedelta(minutes=1)), K.PROMISE)
    assert sorted([b, a]) == [a, b]
