"""Opinion-book entries travel through the hall like every record: one never turned into a
complaint (complaint_id None) once stopped every merge that pulled it (issue 14)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sync_kit import assert_identical, first_terminal, new_terminal, take, valid_form

from deskapp.services.intake import take_complaint
from deskapp.services.opinion_book import EntryForm, add_entry
from deskapp.store.models import OpinionEntry
from deskapp.sync import sync


def test_unlinked_and_linked_entries_reach_the_other_terminal(tmp_path: Path, hall_url: str):
    t01 = first_terminal(tmp_path)
    t02 = new_terminal(tmp_path, "T02", offset=timedelta(seconds=1))
    try:
        assert sync(t01.desk, hall_url).ok
        assert sync(t02.desk, hall_url).ok
        actor = t01.actors["1001"]
        day = t01.desk.clock.now().astimezone(t01.desk.tz).date().isoformat()
        unlinked = add_entry(t01.desk, actor, EntryForm(written_on=day, page="1", line="1",
                                                        content="营业厅空调太冷"))  # fmt: skip
        linked = add_entry(t01.desk, actor, EntryForm(written_on=day, page="1", line="2",
                                                      kind="complaint", content="宽带总掉线",
                                                      customer_name="李女士",
                                                      contact="13812345678"))  # fmt: skip
        take_complaint(t01.desk, actor, valid_form(t01.desk, opinion_entry_id=linked.id))
        take(t01, contact_phone="13800001111")
        assert sync(t01.desk, hall_url).ok
        result = sync(t02.desk, hall_url)
        assert result.ok, result.error
        with t02.desk.read() as s:
            entries = {e.id: e.complaint_id for e in s.scalars(sa.select(OpinionEntry))}
        assert entries[unlinked.id] is None and entries[linked.id] is not None
        assert_identical([t01, t02])
    finally:
        t01.close()
        t02.close()
