"""意见簿 and 结束营业: entries, the link to complaints both ways, every checklist rule, the
sign-off, the lock on a signed-off day and its late changes, the printable work record."""

from __future__ import annotations

import json
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.services import day_close, followup, opinion_book, shifts
from deskapp.services.day_lock import LateApproval
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.services.opinion_book import EntryForm
from deskapp.store.models import ChangeLog, ComplaintEvent, LateChange, OpinionEntry

DAY = date(2026, 11, 24)


def _open(desk: Desk, actor: Actor, **extra: object) -> str:
    form = IntakeForm(customer_name="王先生", contact_phone="13912345678", content="信号差",
                      demand="修复", cause_code="NET.COVER.INDOOR", channel="hotline",
                      promised_reply_at="2026-11-25 10:00")  # fmt: skip
    for key, value in extra.items():
        setattr(form, key, value)
    return take_complaint(desk, actor, form).id


def _rules(desk: Desk) -> dict[str, bool]:
    return day_close.checklist(desk, DAY).rules_ok()


def _ack_all(desk: Desk) -> None:
    """Pretend the hall acknowledged everything (the sync rule is tested on its own)."""
    with desk.engine.begin() as conn:
        conn.execute(sa.update(ChangeLog).values(acked_at=desk.clock.now()))


def test_an_entry_is_checked_at_its_fields(desk: Desk, handler: Actor) -> None:
    with pytest.raises(RuleViolation) as refused:
        opinion_book.add_entry(
            desk,
            handler,
            EntryForm(written_on="2026-11-25", page="0", line="x", content="", contact="123"),
        )
    assert set(refused.value.keys()) >= {
        "error.time.future",
        "error.opinion.number",
        "error.required",
        "error.phone.invalid",
    }
    with pytest.raises(RuleViolation) as too_old:
        opinion_book.add_entry(
            desk,
            handler,
            EntryForm(written_on="2024-11-24", page="3", line="2", content="服务很好"),
        )
    assert "error.time.too_old" in set(too_old.value.keys())
    entry = opinion_book.add_entry(
        desk,
        handler,
        EntryForm(page="3", line="2", kind="praise", content="营业员耐心", contact="139 1234 5678"),
    )
    assert entry.written_on == "2026-11-24" and entry.contact == "13912345678"


def test_unprocessed_entries_come_first_and_earlier_ones_count_as_overdue(
    desk: Desk, handler: Actor
) -> None:
    old = opinion_book.add_entry(
        desk,
        handler,
        EntryForm(written_on="2026-11-22", page="1", line="1", content="希望多开窗口"),
    )
    done = opinion_book.add_entry(desk, handler, EntryForm(page="1", line="2", content="好"))
    opinion_book.process_entry(desk, handler, done.id, "已感谢")
    today = opinion_book.add_entry(desk, handler, EntryForm(page="1", line="3", content="wifi"))
    rows, more = opinion_book.list_entries(desk)
    assert [r.id for r in rows] == [today.id, old.id, done.id] and not more
    assert opinion_book.unprocessed_before(desk, DAY) == 2
    assert [r.id for r in opinion_book.list_entries(desk, words="窗口")[0]] == [old.id]


def test_turning_an_entry_into_a_complaint_links_both_ways(desk: Desk, handler: Actor) -> None:
    entry = opinion_book.add_entry(
        desk, handler, EntryForm(page="5", line="1", kind="complaint", content="宽带三天没修好")
    )
    cid = _open(
        desk, handler, channel="opinion_book", content=entry.content, opinion_entry_id=entry.id
    )
    with desk.read() as session:
        stored = session.get(OpinionEntry, entry.id)
        kinds = session.scalars(
            sa.select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == cid)
        ).all()
    assert stored.complaint_id == cid and stored.processed_at is not None
    assert "from_opinion_book" in kinds
    with pytest.raises(RuleViolation):  # one entry, one ticket
        _open(desk, handler, opinion_entry_id=entry.id)


def test_each_checklist_rule(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> None:
    handler = actors["1001"]
    shifts.open_shift(desk, handler)
    open_id = _open(desk, handler)
    closed_id = _open(desk, handler, contact_phone="13600001111")
    followup.close(desk, handler, closed_id, outcome="已解决", facts=closing_facts(desk, closed_id))
    opinion_book.add_entry(desk, handler, EntryForm(page="1", line="1", content="意见"))
    rules = _rules(desk)
    assert rules == {
        "outcome": True,
        "deadline": True,
        "handover_note": False,
        "satisfaction": False,
        "opinion_book": False,
        "handover": False,
        "sync": False,
    }
    day_close.complete_record(desk, handler, closed_id, satisfaction="declined")
    entry_id = opinion_book.list_entries(desk)[0][0].id
    opinion_book.process_entry(desk, handler, entry_id, "已答复")
    notes = {i.complaint_id: "明早回电" for i in shifts.open_items(desk, handler)}
    assert open_id in notes
    shifts.close_shift(desk, handler, notes, "无特殊情况")
    rules = _rules(desk)
    assert all(ok for rule, ok in rules.items() if rule != "sync")
    _ack_all(desk)
    assert day_close.checklist(desk, DAY).complete


def test_sign_off_is_refused_with_the_gaps_then_locks_the_day(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, tmp_path: Path
) -> None:
    handler = actors["1001"]
    closed_id = _open(desk, handler)
    followup.close(desk, handler, closed_id, outcome="已解决", facts=closing_facts(desk, closed_id))
    with pytest.raises(RuleViolation) as refused:
        day_close.sign_off(desk, DAY, "2001", "8888")
    assert "error.day.gap_satisfaction" in set(refused.value.keys())
    with pytest.raises(RuleViolation):  # a handler cannot sign the day off
        day_close.sign_off(desk, DAY, "1002", "2222")
    day_close.complete_record(desk, handler, closed_id, satisfaction="satisfied")
    _ack_all(desk)
    signed = day_close.sign_off(desk, DAY, "2001", "8888")
    assert json.loads(signed.summary)["closed"] == 1

    # locked: a change needs a duty manager's PIN and a reason, and is recorded as late
    clock.advance(timedelta(days=1))
    with pytest.raises(RuleViolation) as locked:
        day_close.complete_record(desk, handler, closed_id, satisfaction="basically_satisfied")
    assert set(locked.value.keys()) == {"error.day.locked"}
    with pytest.raises(RuleViolation):
        day_close.complete_record(
            desk,
            handler,
            closed_id,
            satisfaction="basically_satisfied",
            late=LateApproval("1002", "2222", "客户改口"),
        )
    day_close.complete_record(
        desk,
        handler,
        closed_id,
        satisfaction="basically_satisfied",
        late=LateApproval("2001", "8888", "客户来电补充评价"),
    )
    with desk.read() as session:
        late = session.scalars(sa.select(LateChange)).one()
        kinds = session.scalars(
            sa.select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == closed_id)
        ).all()
    assert late.reason == "客户来电补充评价" and late.entity_id == closed_id
    assert "late_change" in kinds


def test_the_work_record_is_counted_and_prints(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    handler = actors["1001"]
    _open(desk, handler)
    _open(
        desk,
        handler,
        contact_phone="13600001111",
        channel="walk_in",
        solved_on_spot=True,
        outcome="当场解释",
        satisfaction="satisfied",
        promised_reply_at="",
    )
    opinion_book.add_entry(desk, handler, EntryForm(page="1", line="1", content="表扬"))
    record = day_close.work_record(desk, DAY)
    assert (record.taken, record.on_spot, record.opinion_entries) == (2, 1, 1)
    assert record.by_channel == {"hotline": 1, "walk_in": 1}
    path = day_close.export_work_record(desk, DAY, tmp_path)

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.text: list[str] = []

        def handle_data(self, data: str) -> None:
            self.text.append(data.strip())

    parser = Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    assert "营业厅投诉处理工作记录" in parser.text and "2026-11-24" in parser.text
    assert "10086下单" in parser.text and "现场" in parser.text
