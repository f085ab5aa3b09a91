"""A store file copied to a second machine carries the first terminal's identity: both write
changes under the same terminal and the same sequence numbers. The hall took the numbers it had
already seen as "held" and dropped the copy's different changes without a word; it now refuses
them in words, acknowledges nothing of them, and keeps what it holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_kit import copy_store, first_terminal, own_log, take

from deskapp.services.desk import Desk
from deskapp.store.models import SCHEMA_VERSION, Complaint
from deskapp.sync import HallStore, SyncOutcome, sync
from deskapp.sync.hall_errors import CopiedStore


def test_a_copied_store_is_refused_in_words_and_loses_nothing(
    tmp_path: Path, hall_url: str
) -> None:
    a = first_terminal(tmp_path / "a")
    assert sync(a.desk, hall_url).ok
    copy_store(Path(str(a.desk.engine.url.database)), tmp_path / "copy.db")
    b = Desk.open(tmp_path / "copy.db", clock=a.clock)
    try:
        on_a = take(a, contact_phone="13911110001")  # the same next sequence number on both
        on_b = take(a.__class__(b, a.clock, "T01"), contact_phone="13911110002")
        assert sync(a.desk, hall_url).ok

        refused = sync(b, hall_url)
        assert refused.outcome is SyncOutcome.ERROR
        assert refused.error and "复制" in refused.error and "终端" in refused.error
        assert all(change.acked_at is None for change in own_log(b)[-1:])  # still to send
        with b.read() as s:  # the copy's own ticket is still in its store
            assert s.get(Complaint, on_b) is not None

        again = sync(b, hall_url)  # every later try says it again (never quietly "done")
        assert again.outcome is SyncOutcome.ERROR

        with a.desk.read() as s:
            assert s.get(Complaint, on_a) is not None
    finally:
        b.close()
        a.close()


def test_the_hall_refuses_a_batch_whose_held_numbers_hold_other_changes(
    tmp_path: Path, hall_url: str
) -> None:
    """The hall's own check, for a copy that sends before it learnt the hall's mark (the
    original sent in between): a batch re-sending numbers held already, with other changes."""
    a = first_terminal(tmp_path / "a")
    try:
        take(a)
        node = a.desk.terminal().node_id
        rows = own_log(a.desk)
        payload = [
            {
                "node_id": node, "seq": r.seq, "txn_id": r.txn_id, "entity": r.entity,
                "entity_id": r.entity_id, "root_id": r.entity_id, "op": r.op,
                "fields": r.fields, "hlc": r.hlc, "schema_version": r.schema_version,
                "actor_id": r.actor_id, "at": r.at.isoformat(), "seen": 0,
            }
            for r in rows
        ]  # fmt: skip
        store = HallStore.open(hall_url)
        try:
            store.handshake(node, "GZ01", "T01", SCHEMA_VERSION, a.clock.now())
            assert store.receive(node, payload, a.clock.now()) == rows[-1].seq
            assert store.receive(node, payload, a.clock.now()) == rows[-1].seq  # the same: fine
            other = [{**payload[-1], "entity_id": "0" * 32}]
            with pytest.raises(CopiedStore):
                store.receive(node, other, a.clock.now())
        finally:
            store.close()
    finally:
        a.close()
