"""Hostile batches: a pulled batch or a pushed one that is malformed or tampered with is
refused whole. The terminal's store is unchanged table by table (everything but the run log,
which records the refusal), and the hall store is unchanged after a refused push.

Each fuzz test builds one real batch from real terminals, then Hypothesis damages it in one
way at a time; the refusal is the property, so the same stores serve every example."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sync_kit import FROZEN_AT, first_terminal, new_terminal, take, tick

from deskapp.domain.hlc import Stamp
from deskapp.i18n import t
from deskapp.store.models import RECORD_TABLES, SyncQuarantine, SyncRun, SyncState
from deskapp.sync import HallStore, hall, sync
from deskapp.sync.hall import Pulled
from deskapp.sync.validate import MAX_FIELDS_CHARS, BatchRefused

INT_KEYS = ("hall_seq", "seq", "schema_version", "seen")
STR_KEYS = ("node_id", "txn_id", "entity", "entity_id", "root_id", "op", "fields", "hlc",
            "actor_id", "at")  # fmt: skip
REFUSED = t("sync.error.bad_batch", reason="")[:12]


def dump(engine: sa.Engine, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every table of a SQLite store, row by row in a fixed order."""
    with engine.connect() as conn:
        names = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).scalars()
        return {
            name: sorted(map(repr, conn.exec_driver_sql(f'SELECT * FROM "{name}"')))
            for name in list(names)
            if name not in skip
        }


class ForgedStore(HallStore):
    """The real hall store, except that the next pull hands out a forged batch."""

    forged: Pulled | None = None

    def pull(self, cursor: int, limit: int, exclude_node: str | None = None) -> Pulled:
        if self.forged is not None:
            forged, self.forged = self.forged, None
            return forged
        return super().pull(cursor, limit, exclude_node)


@dataclass
class Scene:
    store: ForgedStore
    receiver: Any  # Term
    batch: Pulled
    cursor: int

    def run_forged(self, rows: list[dict], conflicts: list | None = None, upto: int | None = None):
        last = self.batch.last_seq if upto is None else upto
        self.store.forged = Pulled(rows, conflicts or [], last)
        return sync(self.receiver.desk, self.store)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """T01 and T02 synchronized; T01 then took two tickets and pushed: T02's next pull."""
    folder = tmp_path_factory.mktemp("hostile")
    store = ForgedStore.open(str(folder / "hall.db"), create=True)
    a = first_terminal(folder)
    b = new_terminal(folder, "T02")
    take(a)
    assert sync(a.desk, store).ok and sync(b.desk, store).ok
    tick([a, b])
    take(a)
    take(a, customer_name="李雷")
    assert sync(a.desk, store).ok
    with b.desk.read() as s:
        cursor = s.scalars(sa.select(SyncState)).one().cursor
    batch = store.pull(cursor, 10_000, exclude_node=b.desk.terminal().node_id)
    senders = {r["node_id"] for r in batch.rows}
    assert len(batch.rows) >= 4 and senders == {a.desk.terminal().node_id}
    yield Scene(store, b, batch, cursor)
    a.close()
    b.close()
    store.close()


def rows_of(batch: Pulled) -> list[dict]:
    return [dict(r) for r in batch.rows]


def _not_json_object(text: str) -> bool:
    try:
        return not isinstance(json.loads(text), dict)
    except ValueError:
        return True


def _not_aware_time(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is None
    except ValueError:
        return True


not_str = st.one_of(st.none(), st.integers(), st.floats(), st.booleans(),
                    st.lists(st.integers(), max_size=2), st.binary(max_size=4))  # fmt: skip
not_int = st.one_of(st.none(), st.floats(), st.booleans(), st.text(max_size=6),
                    st.decimals(allow_nan=False, places=1))  # fmt: skip


KINDS = ("wrong_type", "missing", "extra_key", "unknown_table", "unknown_column", "nested_value",
         "not_json", "bad_time", "bad_stamp", "oversized", "gap", "hall_order", "duplicate",
         "cursor_back", "bad_op")  # fmt: skip


def damage(
    data: st.DataObject, rows: list[dict], upto: int, kinds: tuple[str, ...] = KINDS
) -> tuple[str, list[dict], int]:
    """One kind of damage, drawn; returns its name, the rows and the cursor claimed."""
    rows = [dict(r) for r in rows]
    i = data.draw(st.integers(0, len(rows) - 1), label="row")
    row = rows[i]
    fields = json.loads(row["fields"])
    kind = data.draw(st.sampled_from(kinds), label="kind")
    keys = [k for k in INT_KEYS + STR_KEYS if k in row]
    if kind == "wrong_type":
        key = data.draw(st.sampled_from(keys))
        row[key] = data.draw(not_int if key in INT_KEYS else not_str)
    elif kind == "missing":
        del row[data.draw(st.sampled_from(keys))]
    elif kind == "extra_key":
        row[data.draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in row))] = 1
    elif kind == "unknown_table":
        row["entity"] = data.draw(st.text(max_size=12).filter(lambda e: e not in RECORD_TABLES))
    elif kind == "unknown_column":
        columns = RECORD_TABLES[row["entity"]].__table__.c.keys()
        name = data.draw(st.text(min_size=1, max_size=12).filter(lambda c: c not in columns))
        row["fields"] = json.dumps({**fields, name: "x"}, ensure_ascii=False)
    elif kind == "nested_value":
        name = data.draw(st.sampled_from(sorted(fields)))
        value = data.draw(st.one_of(st.lists(st.integers(), max_size=2), st.just({"a": 1})))
        row["fields"] = json.dumps({**fields, name: value})
    elif kind == "not_json":
        row["fields"] = data.draw(st.text(max_size=40).filter(_not_json_object))
    elif kind == "bad_time":
        row["at"] = data.draw(st.text(max_size=30).filter(_not_aware_time))
    elif kind == "bad_stamp":
        row["hlc"] = data.draw(st.text(max_size=70).filter(lambda h: h.count(".") != 2))
    elif kind == "oversized":
        name = next((k for k in sorted(fields) if k != "id"), "id")
        row["fields"] = json.dumps({**fields, name: "长" * (MAX_FIELDS_CHARS + 1)})
    elif kind == "gap":
        # the batch is one terminal's run (asserted where it is made)
        if data.draw(st.booleans(), label="drop"):
            del rows[data.draw(st.integers(1, len(rows) - 2))]  # a change lost mid-run
        else:
            rows[data.draw(st.integers(1, len(rows) - 1))]["seq"] += data.draw(st.integers(1, 5))
    elif kind == "hall_order":
        row["hall_seq"] = data.draw(st.one_of(
            st.integers(-5, rows[i - 1]["hall_seq"] if i else 0), st.integers(upto + 1, upto + 9)
        ))  # fmt: skip
    elif kind == "duplicate":
        copy = {**row, "fields": json.dumps({**fields, "tampered": True}), "hall_seq": upto}
        rows.append(copy)
    elif kind == "cursor_back":
        return kind, rows, data.draw(st.integers(-3, rows[0]["hall_seq"] - 2))
    elif kind == "bad_op":
        row["op"] = data.draw(st.text(max_size=8).filter(lambda o: o not in ("insert", "update")))
    return kind, rows, upto


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_pulled_batch_is_refused_whole(scene: Scene, data: st.DataObject) -> None:
    kind, rows, upto = damage(data, rows_of(scene.batch), scene.batch.last_seq)
    before = dump(scene.receiver.desk.engine, skip=("sync_run",))
    result = scene.run_forged(rows, upto=upto)
    assert not result.ok, kind
    assert REFUSED in (result.error or ""), (kind, result.error)
    assert dump(scene.receiver.desk.engine, skip=("sync_run",)) == before, kind
    with scene.receiver.desk.read() as s:
        last = s.scalars(sa.select(SyncRun).order_by(SyncRun.started_at.desc(),
                                                     SyncRun.id.desc())).first()  # fmt: skip
    assert last.outcome == "error" and REFUSED in last.error


def test_the_undamaged_batch_applies(scene: Scene, tmp_path: Path) -> None:
    """The control: the same batch, forged but intact, is applied (so the fuzz above can see
    a change). Runs last in this module: it changes the receiver."""
    before = dump(scene.receiver.desk.engine, skip=("sync_run",))
    result = scene.run_forged(rows_of(scene.batch))
    assert result.ok and result.applied > 0
    assert dump(scene.receiver.desk.engine, skip=("sync_run",)) != before


# ------------------------------------------------------------------ tampered, well formed


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[ForgedStore, Any, Any]]:
    a = first_terminal(tmp_path)
    b = new_terminal(tmp_path, "T02")
    # The hall keeps the terminals' frozen time: on its own it would read today's, and the
    # clock-limit test would then depend on how far today is from the frozen day.
    store = ForgedStore.open(str(tmp_path / "hall.db"), clock=a.clock, create=True)
    take(a)
    assert sync(a.desk, store).ok and sync(b.desk, store).ok
    yield store, a, b
    a.close()
    b.close()
    store.close()


def test_a_stored_change_sent_again_with_other_content_is_refused(pair) -> None:
    store, _, b = pair
    first = store.pull(0, 10_000).rows
    old = next(r for r in first if r["entity"] == "complaint" and r["op"] == "insert")
    fields = json.loads(old["fields"])
    fields["content"] = "被篡改的内容"
    top = store.last_seq()
    forged = {**old, "fields": json.dumps(fields, ensure_ascii=False), "hall_seq": top + 1}
    before = dump(b.desk.engine, skip=("sync_run",))
    store.forged = Pulled([forged], [], top + 1)
    result = sync(b.desk, store)
    assert not result.ok and "differs from the stored change" in result.error
    assert dump(b.desk.engine, skip=("sync_run",)) == before


@pytest.mark.parametrize("ask", ["pull", "records"])
def test_a_store_that_hands_out_more_than_the_row_limit_is_refused(
    pair, monkeypatch: pytest.MonkeyPatch, ask: str
) -> None:
    """What a hall store hands out beyond a batch's size (the rest of its last transaction,
    or a record's whole history) is bounded: past the limit the batch is refused unread."""
    store, a, b = pair
    tick([a, b])
    cid = take(a, customer_name="韩梅梅")
    assert sync(a.desk, store).ok
    monkeypatch.setattr(hall, "MAX_EXTRA_ROWS", 1)
    before = dump(b.desk.engine, skip=("sync_run",))
    if ask == "pull":  # one row a batch: the rest of the ticket's transaction comes with it
        result = sync(b.desk, store, batch_size=1)
        assert not result.ok and "more than 1 rows" in result.error, result.error
        assert dump(b.desk.engine, skip=("sync_run",)) == before
    else:
        with pytest.raises(BatchRefused, match="more than 1 rows"):
            store.rows_of_roots([cid], store.last_seq())


def test_a_change_from_beyond_the_clock_limit_is_held_not_applied(pair) -> None:
    store, a, b = pair
    tick([a, b])
    cid = take(a, customer_name="韩梅梅")
    assert sync(a.desk, store).ok
    top = store.last_seq()
    batch = store.pull(0, 10_000, exclude_node=b.desk.terminal().node_id)
    rows = [dict(r) for r in batch.rows if r["hall_seq"] > top - 50]
    txn = next(r["txn_id"] for r in rows if r["entity_id"] == cid)
    rows = [r for r in rows if r["txn_id"] == txn]
    for r in rows:  # a day ahead: far beyond the five-minute limit
        stamp = Stamp.decode(r["hlc"])
        r["hlc"] = Stamp(stamp.wall_ms + 86_400_000, stamp.counter, stamp.node_id).encode()
    cursor = rows[0]["hall_seq"] - 1
    with b.desk.engine.begin() as conn:  # pretend the earlier rows were pulled already
        conn.exec_driver_sql("UPDATE sync_state SET cursor = ?", (cursor,))
    records = dump(b.desk.engine, skip=("sync_run", "sync_quarantine", "sync_state", "terminal",
                                        "sync_pull_mark"))  # fmt: skip
    store.forged = Pulled(rows, [], rows[-1]["hall_seq"])
    result = sync(b.desk, store)
    assert result.ok and result.quarantined == len(rows)
    after = dump(b.desk.engine, skip=("sync_run", "sync_quarantine", "sync_state", "terminal",
                                      "sync_pull_mark"))  # fmt: skip
    assert after == records
    with b.desk.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(SyncQuarantine)) == len(rows)


# ------------------------------------------------------------------------------ push


class Capture(HallStore):
    """Keeps the first batch a terminal pushes instead of storing it."""

    payload: list[dict] | None = None

    def receive(self, node_id: str, rows, now) -> int:  # type: ignore[override]
        self.payload = [dict(r) for r in rows]
        raise ConnectionError("captured")


@pytest.fixture(scope="module")
def pushing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HallStore, str, list]]:
    folder = tmp_path_factory.mktemp("push")
    capture = Capture.open(str(folder / "hall.db"), create=True)
    a = first_terminal(folder)
    take(a)
    take(a, customer_name="李雷")
    sync(a.desk, capture)
    assert capture.payload and len(capture.payload) >= 4
    node = a.desk.terminal().node_id
    hall = HallStore.open(str(folder / "hall.db"))
    yield hall, node, capture.payload
    hall.close()
    capture.close()
    a.close()


PUSH_KINDS = tuple(k for k in KINDS if k not in ("hall_order", "cursor_back"))  # hall's own


def push_damage(data: st.DataObject, rows: list[dict]) -> tuple[str, list[dict]]:
    kind, damaged, _ = damage(data, rows, 0, PUSH_KINDS)
    if data.draw(st.booleans(), label="foreign node") and kind != "missing":
        damaged[0]["node_id"] = "0190d000-0000-7000-8000-000000000000"  # someone else's
    return kind, damaged


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_push_is_refused_whole_by_the_hall(pushing, data: st.DataObject) -> None:
    hall, node, payload = pushing
    kind, rows = push_damage(data, payload)
    before = dump(hall.engine)
    with pytest.raises(BatchRefused):
        hall.receive(node, rows, _now())
    assert dump(hall.engine) == before, kind


def _now():
    return FROZEN_AT


def test_the_undamaged_push_is_stored(pushing) -> None:
    hall, node, payload = pushing
    assert hall.receive(node, payload, _now()) == payload[-1]["seq"]


def test_a_password_in_a_refused_hall_address_is_not_logged(tmp_path: Path) -> None:
    term = first_terminal(tmp_path)
    try:
        result = sync(term.desk, "mysql://clerk:s3cret@10.0.0.9/hall")
        assert not result.ok and "s3cret" not in (result.error or "")
        with term.desk.read() as s:
            logged = s.scalars(sa.select(SyncRun)).one()
        assert logged.outcome == "bad_hall" and "s3cret" not in logged.hall
        assert "clerk" in logged.hall  # the address is still there, without its password
    finally:
        term.close()


def test_a_password_in_a_malformed_hall_address_is_not_logged(tmp_path: Path) -> None:
    """An address too broken to parse (an unclosed IPv6 bracket) still loses its password
    before it reaches the run log or the result."""
    term = first_terminal(tmp_path)
    try:
        result = sync(term.desk, "postgresql://clerk:topsecret@[::1")
        assert not result.ok and "topsecret" not in (result.error or "")
        with term.desk.read() as s:
            logged = s.scalars(sa.select(SyncRun)).all()
        assert logged and all("topsecret" not in run.hall for run in logged)
    finally:
        term.close()
