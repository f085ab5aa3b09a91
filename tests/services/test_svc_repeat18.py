"""Issue 18, a repeat (重复投诉) changed after intake, from a ticket's detail: the rule's
candidate confirmed, another matter of the same customer linked by hand, the link undone only
with a reason; each change an event in the ticket's history and shown on both tickets; every
refusal writes nothing (the day lock: tests/services/test_svc_day_lock.py, repeats.*)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.services.customer import repeat_links
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import check_intake, take_complaint
from deskapp.services.repeats import repeat_choices, set_repeat, unlink_repeat
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent

BILLING = "BILLINFO.ACCURACY.CALL_TIME"
WAITING = "HALL.WAITING.LONG"


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def _take(desk: Desk, actor: Actor, **overrides: object) -> str:
    return take_complaint(desk, actor, valid_form(desk, **overrides)).id


def _events(desk: Desk, complaint_id: str, kind: str) -> list[ComplaintEvent]:
    with desk.read() as s:
        return list(s.scalars(sa.select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == complaint_id, ComplaintEvent.kind == kind)))  # fmt: skip


def _log(desk: Desk) -> int:
    with desk.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(ChangeLog))


def _stored(desk: Desk, complaint_id: str) -> Complaint:
    with desk.read() as s:
        row = s.get(Complaint, complaint_id)
        assert row is not None
        return row


def test_the_rules_candidate_unlinked_at_intake_is_confirmed_later_and_shown_both_ways(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    handler = actors["1001"]
    first = _take(desk, handler, cause_code=BILLING)
    clock.advance(timedelta(days=1))
    again = _take(desk, handler, cause_code=BILLING, link_repeat=False,
                  repeat_unlink_reason="以为是另一件事")  # fmt: skip
    choices = repeat_choices(desk, again)
    assert [(c.id, c.same_matter) for c in choices] == [(first, True)]
    set_repeat(desk, handler, again, first)
    assert _stored(desk, again).is_repeat and _stored(desk, again).repeat_of_id == first
    (event,) = _events(desk, again, "repeat_linked")
    assert json.loads(event.data)["by_hand"] is False and json.loads(event.data)["after_intake"]
    assert repeat_links(desk, first).repeated_by == [(again, _stored(desk, again).ticket_no)]
    before = _log(desk)
    set_repeat(desk, handler, again, first)  # the same link again: nothing written
    assert _log(desk) == before


def test_another_matter_is_linked_by_hand_only_to_this_customers_earlier_tickets(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    handler = actors["1001"]
    waiting = _take(desk, handler, cause_code=WAITING)
    stranger = _take(desk, handler, cause_code=WAITING, contact_phone="13911112222")
    clock.advance(timedelta(days=1))
    billing = _take(desk, handler, cause_code=BILLING)  # another matter: not linked by the rule
    assert not _stored(desk, billing).is_repeat
    clock.advance(timedelta(days=1))
    later = _take(desk, handler, cause_code=WAITING, contact_phone="13811110000")
    before = _log(desk)
    for target in (stranger, later, billing, "no-such-ticket"):  # not this customer's earlier
        with pytest.raises(RuleViolation) as refused:
            set_repeat(desk, handler, billing, target)
        assert refused.value.errors[0].key == "error.repeat.not_candidate"
    assert _log(desk) == before  # every refusal wrote nothing
    set_repeat(desk, handler, billing, waiting)
    (event,) = _events(desk, billing, "repeat_linked")
    assert json.loads(event.data)["by_hand"] is True
    assert repeat_links(desk, billing).repeat_of == (waiting, _stored(desk, waiting).ticket_no)


def test_a_ticket_outside_the_window_is_no_choice(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    handler = actors["1001"]
    old = _take(desk, handler, cause_code=WAITING)
    clock.advance(timedelta(days=desk.refdata.settings.intake.repeat_window_days + 1))
    now = _take(desk, handler, cause_code=WAITING)
    assert repeat_choices(desk, now) == []
    with pytest.raises(RuleViolation):
        set_repeat(desk, handler, now, old)


def test_the_link_is_undone_only_with_a_reason_and_recorded(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    handler = actors["1001"]
    first = _take(desk, handler)
    clock.advance(timedelta(days=1))
    again = _take(desk, handler)  # the rule linked it
    assert _stored(desk, again).repeat_of_id == first
    before = _log(desk)
    with pytest.raises(RuleViolation) as refused:
        unlink_repeat(desk, handler, again, "  ")
    assert refused.value.errors[0].field == "repeat_unlink_reason"
    assert _log(desk) == before and _stored(desk, again).repeat_of_id == first
    unlink_repeat(desk, handler, again, "客户说上次是客厅,这次是公司")
    stored = _stored(desk, again)
    assert not stored.is_repeat and stored.repeat_of_id is None
    (event,) = _events(desk, again, "repeat_unlinked")
    assert event.note == "客户说上次是客厅,这次是公司"
    assert json.loads(event.data)["candidate"] == first
    assert repeat_links(desk, first).repeated_by == []  # gone from both tickets
    before = _log(desk)
    with pytest.raises(RuleViolation) as nothing:
        unlink_repeat(desk, handler, again, "再解除一次")
    assert nothing.value.errors[0].key == "error.repeat.not_linked" and _log(desk) == before


def test_unlinking_a_repeat_the_form_found_needs_its_reason_before_the_save(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """The form's own look-up found a repeat the rule would link and the handler unlinked
    it: the check of the form asks for the reason with the other fields (shown at the field
    as Save is pressed, not after the write's refusal); nothing found, nothing asked."""
    form = valid_form(desk, cause_code=BILLING, link_repeat=False)
    check_intake(desk, actors["1001"], form)  # nothing found: no reason needed
    with pytest.raises(RuleViolation) as refused:
        check_intake(desk, actors["1001"], form, repeat_found=True)
    assert [(e.field, e.key) for e in refused.value.errors] == [
        ("repeat_unlink_reason", "error.repeat.reason_required")
    ]
    linked = valid_form(desk, cause_code=BILLING)  # the rule's link kept: nothing asked
    check_intake(desk, actors["1001"], linked, repeat_found=True)
