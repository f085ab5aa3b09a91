"""ticket_clock_view: the one decision of how a ticket's clock state is shown (issue 20)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deskapp.domain.deadlines import ClockStatus, ticket_clock_view

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_running_pause_wins_over_an_overdue_deadline() -> None:
    view = ticket_clock_view(NOW - timedelta(days=9), NOW + HOUR, False, NOW, HOUR)
    assert view.status is ClockStatus.PAUSED and view.paused_until == NOW + HOUR


def test_a_pause_that_ended_no_longer_hides_the_deadline() -> None:
    view = ticket_clock_view(NOW - HOUR, NOW - timedelta(minutes=1), False, NOW, HOUR)
    assert view.status is ClockStatus.OVERDUE and view.left == -HOUR


def test_due_soon_within_the_highlight_and_ok_beyond_it() -> None:
    assert ticket_clock_view(NOW + HOUR, None, False, NOW, HOUR).status is ClockStatus.DUE_SOON
    later = ticket_clock_view(NOW + 2 * HOUR, None, True, NOW, HOUR)
    assert later.status is ClockStatus.OK and later.provisional


def test_no_deadline_is_none() -> None:
    assert ticket_clock_view(None, None, True, NOW, HOUR).status is ClockStatus.NONE
