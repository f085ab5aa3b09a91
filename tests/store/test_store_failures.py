"""A full disk and a read-only store: the write is refused with words for the screen
(StoreUnavailable with an error.store.* key), nothing is half-written, and the same write goes
through once the store can take it again.

The full disk is SQLite's own: `PRAGMA max_page_count` at the current size makes the next page
the store needs fail with SQLITE_FULL, exactly as a full disk does. The read-only file is
`PRAGMA query_only`, which fails writes with SQLITE_READONLY as a read-only file does (the
tests run as root, for whom file modes do not stop a write)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from faults import DISK_FULL, READ_ONLY, store_limited

from deskapp.i18n import t
from deskapp.services import drafts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.failures import StoreUnavailable
from deskapp.store.models import ChangeLog, Complaint


def _form(n: int = 1) -> IntakeForm:
    return IntakeForm(
        customer_name="王女士", contact_phone=f"1391234{n:04d}",
        content="宽带每晚断线" * 100, demand="上门检修", cause_code="NET.COVER.INDOOR",
        promised_reply_at="2026-11-25 10:00",
    )  # fmt: skip


def _counts(desk: Desk) -> tuple[int, int]:
    with desk.read() as s:
        return (s.scalar(sa.select(sa.func.count()).select_from(Complaint)),
                s.scalar(sa.select(sa.func.count()).select_from(ChangeLog)))  # fmt: skip


def _integrity(desk: Desk) -> str:
    with desk.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA integrity_check").scalar()


@pytest.mark.parametrize(
    ("pragma", "key"), [(DISK_FULL, "error.store.full"), (READ_ONLY, "error.store.readonly")]
)
def test_a_refused_save_writes_nothing_and_goes_through_later(
    desk: Desk, handler: Actor, pragma: str, key: str
) -> None:
    before = _counts(desk)
    form = _form()
    with store_limited(desk, pragma):
        with pytest.raises(StoreUnavailable) as refused:
            take_complaint(desk, handler, form)
        assert refused.value.key == key
        assert _counts(desk) == before
    message = t(key)
    assert "未能保存" in message and "{" not in message
    assert _integrity(desk) == "ok"
    saved = take_complaint(desk, handler, form)  # the same form, once the store takes it
    assert saved.id == form.complaint_id
    assert _counts(desk)[0] == before[0] + 1


def test_a_refused_draft_is_said_and_the_old_one_kept(desk: Desk, handler: Actor) -> None:
    drafts.save_draft(desk, handler.id, "intake", '{"customer_name": "王"}')
    with store_limited(desk, DISK_FULL), pytest.raises(StoreUnavailable):
        drafts.save_draft(desk, handler.id, "intake", '{"customer_name": "王女士"}' + " " * 20000)
    kept = drafts.load_draft(desk, handler.id, "intake")
    assert kept is not None and kept.data == '{"customer_name": "王"}'


def test_other_operational_errors_are_not_disguised(desk: Desk) -> None:
    with pytest.raises(sa.exc.OperationalError), desk.write("system:test") as session:
        session.execute(sa.text("SELECT * FROM no_such_table"))
