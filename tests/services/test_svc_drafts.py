"""Form drafts: saved as typed, offered back after a crash, discarded after saving."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.services.desk import Actor, Desk
from deskapp.services.drafts import discard_draft, load_draft, save_draft
from deskapp.services.intake import IntakeForm, RefundForm
from deskapp.store.models import ChangeLog


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    """As tests/conftest.py's `desk` (same calls, same state), copied from a template."""
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def change_count(desk: Desk) -> int:
    with desk.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(ChangeLog))


def test_save_load_overwrite_discard(desk: Desk, clock: FrozenClock, handler: Actor) -> None:
    assert load_draft(desk, handler.id, "intake") is None
    save_draft(desk, handler.id, "intake", '{"customer_name": "李"}')
    draft = load_draft(desk, handler.id, "intake")
    assert draft is not None
    assert draft.data == '{"customer_name": "李"}'
    assert draft.updated_at == clock.now()
    clock.advance(timedelta(seconds=30))
    save_draft(desk, handler.id, "intake", '{"customer_name": "李女士"}')
    draft = load_draft(desk, handler.id, "intake")
    assert draft is not None
    assert draft.data == '{"customer_name": "李女士"}'
    assert draft.updated_at == clock.now()
    discard_draft(desk, handler.id, "intake")
    assert load_draft(desk, handler.id, "intake") is None
    discard_draft(desk, handler.id, "intake")  # discarding nothing is harmless


def test_drafts_are_per_staff_and_per_form(desk: Desk, actors: dict[str, Actor]) -> None:
    a, b = actors["1001"].id, actors["1002"].id
    save_draft(desk, a, "intake", "A-intake")
    save_draft(desk, a, "opinion", "A-opinion")
    save_draft(desk, b, "intake", "B-intake")
    discard_draft(desk, a, "intake")
    assert load_draft(desk, a, "intake") is None
    assert load_draft(desk, a, "opinion").data == "A-opinion"  # type: ignore[union-attr]
    assert load_draft(desk, b, "intake").data == "B-intake"  # type: ignore[union-attr]


def test_a_draft_survives_a_closed_desk(
    desk: Desk, db_path: Path, clock: FrozenClock, handler: Actor
) -> None:
    form = valid_form(desk, content="话说到一半")
    save_draft(desk, handler.id, "intake", form.to_json())
    desk.close()
    reopened = Desk.open(db_path, clock=clock)
    try:
        draft = load_draft(reopened, handler.id, "intake")
        assert draft is not None
        assert IntakeForm.from_json(draft.data) == form
    finally:
        reopened.close()


def test_drafts_are_local_and_not_in_the_change_log(desk: Desk, handler: Actor) -> None:
    before = change_count(desk)
    save_draft(desk, handler.id, "intake", "{}")
    discard_draft(desk, handler.id, "intake")
    assert change_count(desk) == before


def test_a_draft_never_keeps_the_approvers_pin(desk: Desk) -> None:
    form = valid_form(
        desk,
        refund=RefundForm(
            charged="58",
            should_have_charged="48",
            amount="30",
            verified=True,
            approver_work_no="2001",
            approver_pin="8888",
            approval_reason="往返多次",
        ),
    )
    text = form.to_json()
    assert "approver_pin" not in text and "8888" not in text
    back = IntakeForm.from_json(text)
    assert back.refund is not None
    assert back.refund.approver_pin == ""
    assert back.refund.approver_work_no == "2001"
    assert back.complaint_id == form.complaint_id  # the same ticket on the later save
    back.refund.approver_pin = "8888"
    assert back == form


def test_a_draft_from_an_older_form_loads(desk: Desk) -> None:
    back = IntakeForm.from_json('{"customer_name": "王", "retired_field": 1, "refund": null}')
    assert back.customer_name == "王"
    assert back.refund is None
