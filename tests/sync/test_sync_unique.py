"""Unique values made by terminals apart never block a sync (docs/unique-values.md).

The collision test is generated from the store's own metadata (deskapp.sync.unique.unique_keys:
every unique column, constraint and index of a record table), so a unique key added later is
met here at once: a key this module does not know how to make collide fails loudly. For each
key, two terminals make the same value offline, then both synchronize in both orders, on a
SQLite hall and the PostgreSQL hall: every sync succeeds, nothing is held back, every replica
(and a third terminal that joins afterwards) holds the same records, aliases and conflicts,
the record made first keeps the value, and the other one is still found by it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_kit import Term, assert_identical, conflicts, first_terminal, new_terminal, take, tick

from deskapp.domain.enums import Role
from deskapp.services.importer import import_file
from deskapp.services.search import search
from deskapp.services.staff import add_staff, sign_in
from deskapp.store.models import (
    RECORD_TABLES,
    Complaint,
    ComplaintEvent,
    RecordAlias,
    Staff,
    SyncQuarantine,
)
from deskapp.sync import list_conflicts, list_quarantined, sync, sync_status
from deskapp.sync.unique import UNIQUE_RULES, alias_value, unique_keys


@dataclass(frozen=True)
class Maker:
    """How two terminals make the same value of one unique key while apart."""

    second_code: str  # the second terminal's code (the same as T01's for a ticket number)
    make: Callable[[Term, str], str]  # (terminal, tag) -> the id of the record it made
    found_by: Callable[[Term, str], set[str]]  # (terminal, value) -> ids the value finds
    # What every terminal must hold before they part (the same closed ticket), if anything:
    # (terminals, hall) -> None, run after their first sync.
    prepare: Callable[[list[Term], str], None] | None = None


def _add_1004(term: Term, tag: str) -> str:
    manager = term.actors["3001"]
    return add_staff(term.desk, manager, "1004", f"新员工{tag}", Role.HANDLER, "482913").id


def _staff_found(term: Term, value: str) -> set[str]:
    with term.desk.read() as s:
        held = set(s.scalars(sa.select(Staff.id).where(Staff.work_no == value)))
        aliased = set(
            s.scalars(
                sa.select(RecordAlias.entity_id).where(
                    RecordAlias.entity == "staff", RecordAlias.value == value
                )
            )
        )
    return held | aliased


def _take(term: Term, tag: str) -> str:
    return take(term, contact_phone="1391111000" + ("1" if tag == "a" else "2"))


def _ticket_found(term: Term, value: str) -> set[str]:
    return {row.id for row in search(term.desk, value).rows}


def _watch(term: Term, tag: str) -> str:
    from deskapp.services.customer import WatchForm, save_watch_entry

    form = WatchForm(customer="13912340000", kind="difficult", advice=f"终端{tag}的处理建议",
                     review_on="2027-06-30")  # fmt: skip
    return save_watch_entry(term.desk, term.actors["2001"], form).id


def _watch_found(term: Term, value: str) -> set[str]:
    from deskapp.store.models import WatchEntry

    with term.desk.read() as s:
        return set(s.scalars(sa.select(WatchEntry.id).where(WatchEntry.customer_key == value)))


CASE_PHONE = "13911112222"


def _closed_ticket_everywhere(terms: list[Term], hall_url: str) -> None:
    from deskapp.services import followup
    from deskapp.services.demo import closing_facts

    first = terms[0]
    ticket = take(first, contact_phone=CASE_PHONE)
    followup.close(first.desk, first.actors["1001"], ticket, outcome="当场解决",
                   facts=closing_facts(first.desk, ticket))  # fmt: skip
    for term in terms:
        _synced(term, hall_url)


def _mark_case(term: Term, tag: str) -> str:
    from deskapp.services.cases import mark_case

    with term.desk.read() as s:
        ticket = s.scalars(sa.select(Complaint.id).where(Complaint.contact_phone == CASE_PHONE))
        (complaint_id,) = list(ticket)
    return mark_case(
        term.desk, term.actors["2001"], complaint_id, f"终端{tag}的经验教训", "营业厅核实后当场处理"
    ).id


def _case_found(term: Term, value: str) -> set[str]:
    from deskapp.store.models import TeachingCase

    with term.desk.read() as s:
        return set(s.scalars(sa.select(TeachingCase.id).where(TeachingCase.complaint_id == value)))


MAKERS: dict[tuple[str, tuple[str, ...]], Maker] = {
    # Two hall managers at two terminals add the same work number (issue 23).
    ("staff", ("work_no",)): Maker("T02", _add_1004, _staff_found),
    # Two terminals with one terminal code (another terminal's backup restored, or a typo at
    # set-up) number the same day from 1: the same ticket number on two complaints.
    ("complaint", ("ticket_no",)): Maker("T01", _take, _ticket_found),
    # Two managers at two terminals put the same customer on the watch list (issue 18): one
    # active entry after the sync, the other waiting for a manager (F10 shows it not in force).
    ("watch_entry", ("active_key",)): Maker("T02", _watch, _watch_found),
    # Two managers at two terminals mark the same closed ticket as a case (fix18a): one case
    # in force after the sync (the morning page's), the other for a manager to retire.
    ("teaching_case", ("case_key",)): Maker(
        "T02", _mark_case, _case_found, prepare=_closed_ticket_everywhere
    ),
}


def _value(term: Term, key: tuple[str, tuple[str, ...]], record_id: str) -> str:
    name, (column,) = key
    table = RECORD_TABLES[name].__table__
    with term.desk.engine.connect() as conn:
        return conn.execute(sa.select(table.c[column]).where(table.c.id == record_id)).scalar_one()


def _aliases(term: Term) -> list[tuple]:
    with term.desk.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(RecordAlias).order_by(*RecordAlias.__table__.primary_key)
            )
        ]


def _synced(term: Term, hall_url: str) -> None:
    result = sync(term.desk, hall_url)
    assert result.ok, result.error
    assert result.quarantined == 0 and result.refused == 0, result.message


KEYS = unique_keys()


def test_every_unique_key_of_the_metadata_has_a_merge_rule_and_a_collision_here() -> None:
    assert KEYS, "the metadata lists no unique key: unique_keys() reads nothing"
    for name, columns in KEYS:
        assert any(r.column == columns[0] for r in UNIQUE_RULES[name]), (name, columns)
        if (name, columns) not in MAKERS:
            pytest.fail(f"unique key {name}{columns}: this test cannot make it collide; add a "
                        "Maker for it")  # fmt: skip


def test_every_record_id_is_made_unique_by_construction() -> None:
    """The primary key of every record table is its `id`, a UUIDv7 unless a service derives it
    from what the record is (an import: the same id is then the same record, merged)."""
    from deskapp.ids import uuid7

    for name, model in RECORD_TABLES.items():
        assert [c.name for c in model.__table__.primary_key] == ["id"], name
        assert model.model_fields["id"].default_factory is uuid7, name


def test_a_new_unique_key_without_a_rule_stops_the_desk_from_starting() -> None:
    from deskapp.sync import unique

    extra = sa.Table("x_extra", sa.MetaData(), sa.Column("id", sa.String, primary_key=True),
                     sa.Column("code", sa.String), sa.UniqueConstraint("code"))  # fmt: skip
    model = type("Extra", (), {"__table__": extra})
    keys = unique.unique_keys({**RECORD_TABLES, "x_extra": model})
    assert ("x_extra", ("code",)) in keys
    original = unique.unique_keys
    try:
        unique.unique_keys = lambda: keys  # type: ignore[assignment]
        with pytest.raises(RuntimeError, match="no merge rule"):
            unique._rules()
    finally:
        unique.unique_keys = original  # type: ignore[assignment]


@pytest.mark.parametrize("order", ["first_maker_syncs_first", "second_maker_syncs_first"])
@pytest.mark.parametrize(
    "key", KEYS, ids=lambda k: f"{k[0]}.{'+'.join(k[1])}" if isinstance(k, tuple) else str(k)
)
def test_a_value_made_on_two_terminals_apart_merges_the_same_everywhere(
    key: tuple[str, tuple[str, ...]], order: str, tmp_path: Path, hall_url: str
) -> None:
    maker = MAKERS.get(key)
    if maker is None:
        pytest.fail(f"no way to make {key} collide: add a Maker")
    a = first_terminal(tmp_path / "a")
    b = c = None
    try:
        _synced(a, hall_url)
        b = new_terminal(tmp_path / "b", maker.second_code)
        _synced(b, hall_url)
        if maker.prepare is not None:
            maker.prepare([a, b], hall_url)
        # Apart: T01 makes the value first, the other terminal a minute later.
        first = maker.make(a, "a")
        tick([a, b])
        second = maker.make(b, "b")
        value = _value(a, key, first)
        assert _value(b, key, second) == value and first != second

        terms = [a, b] if order == "first_maker_syncs_first" else [b, a]
        for term in terms * 2:
            _synced(term, hall_url)
        c = new_terminal(tmp_path / "c", "T03")  # joins afterwards: bootstraps both records
        _synced(c, hall_url)
        replicas = [a, b, c]

        for term in replicas:  # nothing blocked: every own change reached the hall
            assert sync_status(term.desk).waiting == 0
            assert sync_status(term.desk).quarantined == 0
        assert_identical(replicas)
        assert _aliases(a) == _aliases(b) == _aliases(c) != []
        assert conflicts(a.desk) == conflicts(b.desk) == conflicts(c.desk) != []
        for term in replicas:
            # the record made first keeps the value, whatever the order of the syncs
            assert _value(term, key, first) == value
            assert _value(term, key, second) == alias_value(value, second)
            # nothing lost: the value still finds both records
            assert maker.found_by(term, value) >= {first, second}
            (conflict,) = list_conflicts(term.desk)
            assert conflict.entity_id == second and conflict.field == key[1][0]
            assert conflict.todo == f"conflict_todo.{key[1][0]}"
    finally:
        for term in (a, b, c):
            if term is not None:
                term.close()


def test_the_first_of_two_staff_keeps_the_work_number_for_signing_in(
    tmp_path: Path, hall_url: str
) -> None:
    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    try:
        _synced(a, hall_url)
        _synced(b, hall_url)
        first = _add_1004(a, "a")
        tick([a, b])
        _add_1004(b, "b")
        for term in (b, a, b):
            _synced(term, hall_url)
        assert sign_in(b.desk, "1004", "482913").id == first
        assert sign_in(a.desk, "1004", "482913").id == first
    finally:
        a.close()
        b.close()


# ------------------------------------------------- the same hotline file on two terminals

HOTLINE = (
    "受理时间,渠道,客户姓名,联系电话,业务号码,投诉内容,客户诉求,投诉类别,投诉级别,营业厅,"
    "状态,结案时间,处理结果,满意度,现场解决,外部工单号\n"
    "2026-11-20 09:15,10086下单,李建国,13812341234,,家里没有信号,尽快修好,"
    "网络质量›覆盖›室内无信号,一般,GZ01,处理中,,,,,HL-001\n"
)


@pytest.mark.parametrize("order", ["t01_first", "t02_first"])
def test_the_same_hotline_file_imported_on_two_terminals_keeps_both_numbers(
    order: str, tmp_path: Path, hall_url: str
) -> None:
    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    c = None
    try:
        _synced(a, hall_url)
        _synced(b, hall_url)
        path = tmp_path / "hotline.csv"
        path.write_text(HOTLINE, encoding="utf-8")
        ((_, number_a),) = import_file(a.desk, a.actors["1001"], path, source="10086").imported
        tick([a, b])
        ((_, number_b),) = import_file(b.desk, b.actors["1002"], path, source="10086").imported
        assert number_a != number_b  # each terminal told the customer its own number

        terms = [a, b] if order == "t01_first" else [b, a]
        for term in terms * 2:
            _synced(term, hall_url)
        c = new_terminal(tmp_path / "c", "T03")
        _synced(c, hall_url)
        replicas = [a, b, c]
        assert_identical(replicas)
        assert _aliases(a) == _aliases(b) == _aliases(c)
        for term in replicas:
            with term.desk.read() as s:
                (complaint,) = s.scalars(sa.select(Complaint)).all()
                kinds = list(s.scalars(sa.select(ComplaintEvent.kind).where(
                    ComplaintEvent.complaint_id == complaint.id)))  # fmt: skip
            assert kinds.count("registered") == 1  # the registration is recorded once
            # the later import's number is in force; the other stays its alias
            assert complaint.ticket_no == number_b
            for number in (number_a, number_b):  # neither number has disappeared
                assert [r.id for r in search(term.desk, number).rows] == [complaint.id]
            (conflict,) = list_conflicts(term.desk)  # for review on the conflicts tab
            assert conflict.entity_id == complaint.id and conflict.field == "ticket_no"
            assert (conflict.a.value, conflict.b.value) == (number_b, number_a)
            assert conflict.todo == "conflict_todo.ticket_no_replaced"
    finally:
        for term in (a, b, c):
            if term is not None:
                term.close()


# ------------------------------------------------------------- one bad row, not the batch


def _spoil(term: Term, complaint_id: str, fields_sql: str) -> None:
    """Damage the logged insert of one complaint before it is pushed (a faulty terminal: past
    the store's write gate, which the desk's own code cannot open)."""
    from deskapp.store.changelog import migrating

    with term.desk.engine.connect() as conn, migrating(conn), conn.begin():
        conn.exec_driver_sql(
            f"UPDATE change_log SET fields = {fields_sql} "
            "WHERE entity = 'complaint' AND entity_id = ? AND op = 'insert'",
            (complaint_id,),
        )


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        # a required field missing: the store itself refuses the row
        ("json_set(fields, '$.content', json('null'))", "NOT NULL"),
        # a staff member nobody has: the hall cannot supply the record it refers to
        ("json_set(fields, '$.owner_id', 'nobody-0001')", "missing: nobody-0001"),
    ],
    ids=["store_refuses", "record_missing"],
)
def test_a_row_that_cannot_be_applied_is_quarantined_and_the_rest_applies(
    spoil: str, reason: str, tmp_path: Path, hall_url: str
) -> None:
    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    try:
        _synced(a, hall_url)
        _synced(b, hall_url)
        bad = take(a, contact_phone="13911110001")
        good = take(a, contact_phone="13911110002")
        _spoil(a, bad, spoil)
        _synced(a, hall_url)

        result = sync(b.desk, hall_url)
        assert result.ok, result.error
        assert result.refused > 0 and result.quarantined == result.refused
        assert "无法写入" in result.message, result.message
        with b.desk.read() as s:
            assert s.get(Complaint, good) is not None  # the rest of the batch applied
            assert s.get(Complaint, bad) is None
            reasons = set(s.scalars(sa.select(SyncQuarantine.reason)))
        assert any(reason in r for r in reasons), reasons
        status = sync_status(b.desk)
        assert status.quarantined == result.quarantined
        assert "暂存" in status.header(b.desk.tz)
        # the cursor moved on: the next sync pulls nothing new and stops on nothing
        later = take(a, contact_phone="13911110003")
        _synced(a, hall_url)
        again = sync(b.desk, hall_url)
        assert again.ok and again.refused == 0, again.message
        with b.desk.read() as s:
            assert s.get(Complaint, later) is not None
        # still aside, for the duty manager, with what to do
        held = list_quarantined(b.desk)
        assert {q.entity_id for q in held if q.entity == "complaint"} == {bad}
        assert {q.todo for q in held} == {
            "conflict_todo.quarantine_refused"
            if reason == "NOT NULL"
            else "conflict_todo.quarantine_missing"
        }
    finally:
        a.close()
        b.close()


def test_the_cli_says_a_sync_quarantined_rows(tmp_path: Path, hall_url: str) -> None:
    from click.testing import CliRunner

    from deskapp.cli import main

    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    try:
        _synced(a, hall_url)
        _synced(b, hall_url)
        _spoil(a, take(a), "json_set(fields, '$.content', json('null'))")
        _synced(a, hall_url)
        b_path = Path(b.desk.engine.url.database)
    finally:
        a.close()
        b.close()
    out = CliRunner().invoke(main, ["--db", str(b_path), "sync", "--hall", hall_url])
    assert out.exit_code == 0, out.output
    assert "本机无法写入,已暂存待处理" in out.output


def test_a_later_sync_says_rows_are_still_kept_aside_and_keeps_the_log_off_the_terminal(
    tmp_path: Path, hall_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second sync has nothing new, but the row is still kept aside: it says so, in
    words; the English log line is not printed to the terminal, even with no log file."""
    import logging

    from click.testing import CliRunner

    from deskapp.cli import main

    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    try:
        _synced(a, hall_url)
        _synced(b, hall_url)
        _spoil(a, take(a), "json_set(fields, '$.content', json('null'))")
        _synced(a, hall_url)
        b_path = Path(b.desk.engine.url.database)
    finally:
        a.close()
        b.close()
    (tmp_path / "no-log").write_text("a file where the log folder would be")
    monkeypatch.setenv("DESKAPP_LOG_DIR", str(tmp_path / "no-log"))
    monkeypatch.setattr(logging.getLogger("deskapp"), "handlers", [])
    args = ["--db", str(b_path), "sync", "--hall", hall_url]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "本机无法写入,已暂存待处理" in first.output
    later = CliRunner().invoke(main, args)
    assert later.exit_code == 0, later.output
    import sqlite3

    with sqlite3.connect(b_path) as conn:
        (kept,) = conn.execute("SELECT COUNT(*) FROM sync_quarantine").fetchone()
        (txns,) = conn.execute(
            "SELECT COUNT(DISTINCT json_extract(row, '$.txn_id')) FROM sync_quarantine"
        ).fetchone()
    # One change refused (the content), its whole transaction kept aside with it.
    assert kept > 1 and txns == 1
    assert kept and f"仍有 {kept} 条变更暂存待处理" in later.output  # (the transaction's changes)
    assert "quarantined" not in first.output + later.output  # the log line stays in the log


def test_a_sync_that_released_kept_changes_says_so() -> None:
    from deskapp.sync.run import SyncResult

    said = SyncResult(released=2, still_held=1).message
    assert "此前暂存的 2 条变更已写入本机" in said and "仍有 1 条变更暂存待处理" in said


# ------------------------------------------ one opinion-book entry made a ticket twice


@pytest.mark.parametrize("order", ["t01_first", "t02_first"])
def test_one_opinion_entry_made_a_ticket_on_two_terminals_keeps_both_for_review(
    order: str, tmp_path: Path, hall_url: str
) -> None:
    from deskapp.services.opinion_book import EntryForm, add_entry
    from deskapp.store.models import OpinionEntry

    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    c = None
    try:
        entry = add_entry(a.desk, a.actors["1001"], EntryForm(
            page="3", line="7", kind="complaint", content="宽带老是断线", customer_name="周先生",
        ))  # fmt: skip
        _synced(a, hall_url)
        _synced(b, hall_url)
        first = take(a, opinion_entry_id=entry.id)
        tick([a, b])
        second = take(b, "1002", opinion_entry_id=entry.id)
        terms = [a, b] if order == "t01_first" else [b, a]
        for term in terms * 2:
            _synced(term, hall_url)
        c = new_terminal(tmp_path / "c", "T03")
        _synced(c, hall_url)
        replicas = [a, b, c]
        assert_identical(replicas)
        assert conflicts(a.desk) == conflicts(b.desk) == conflicts(c.desk)
        for term in replicas:
            with term.desk.read() as s:
                assert s.get(OpinionEntry, entry.id).complaint_id == second  # the later stamp
                tickets = {i: s.get(Complaint, i).ticket_no for i in (first, second)}
            for cid, number in tickets.items():  # neither ticket is lost
                assert [r.id for r in search(term.desk, number).rows] == [cid]
            (link,) = [v for v in list_conflicts(term.desk) if v.field == "complaint_id"]
            assert link.entity_id == entry.id
            assert link.todo == "conflict_todo.opinion_link"
            assert set(link.tickets.values()) == set(tickets.values())
    finally:
        for term in (a, b, c):
            if term is not None:
                term.close()


def test_settling_a_duplicate_ticket_number_is_a_review_that_reaches_every_replica(
    tmp_path: Path, hall_url: str
) -> None:
    from deskapp.services.conflicts import settle_conflict

    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T01")  # the same terminal code: the same numbers
    try:
        _synced(a, hall_url)
        _synced(b, hall_url)
        first = _take(a, "a")
        tick([a, b])
        second = _take(b, "b")
        for term in (a, b, a):
            _synced(term, hall_url)
        (conflict,) = list_conflicts(a.desk)
        settled = settle_conflict(a.desk, a.actors["2001"], conflict.id, "a")
        assert settled.settled_at is not None
        for term in (a, b):
            _synced(term, hall_url)
        for term in (a, b):
            assert list_conflicts(term.desk) == []  # settled here and there
            # the review changed no number: the merge's result stands
            assert _value(term, ("complaint", ("ticket_no",)), second) == alias_value(
                _value(term, ("complaint", ("ticket_no",)), first), second
            )
        assert_identical([a, b])
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("key", KEYS, ids=lambda k: f"{k[0]}.{'+'.join(k[1])}")
def test_three_claims_of_one_value_settle_the_same_whatever_arrives_first(
    key: tuple[str, tuple[str, ...]], tmp_path: Path, hall_url: str
) -> None:
    """Three terminals make the value apart; they meet the others one at a time, in an order
    where the first-made record arrives last at one of them."""
    maker = MAKERS.get(key)
    if maker is None:
        pytest.fail(f"no way to make {key} collide: add a Maker")
    a = first_terminal(tmp_path / "a")
    third = "T01" if maker.second_code == "T01" else "T03"
    terms = [a]
    try:
        _synced(a, hall_url)
        for folder, code in (("b", maker.second_code), ("c", third)):
            terms.append(new_terminal(tmp_path / folder, code))
            _synced(terms[-1], hall_url)
        a, b, c = terms
        if maker.prepare is not None:
            maker.prepare(terms, hall_url)
        made = []
        for n, term in enumerate(terms):
            made.append(maker.make(term, "abc"[n]))
            tick(terms)
        value = _value(a, key, made[0])
        # c, then b, then a (whose record is the first made) reach the hall; then all pull
        for term in (c, b, c, a, b, c, a):
            _synced(term, hall_url)
        assert_identical(terms)
        assert _aliases(a) == _aliases(b) == _aliases(c)
        assert conflicts(a.desk) == conflicts(b.desk) == conflicts(c.desk)
        for term in terms:
            assert _value(term, key, made[0]) == value
            assert [_value(term, key, i) for i in made[1:]] == [alias_value(value, i)
                                                                for i in made[1:]]  # fmt: skip
            assert maker.found_by(term, value) >= set(made)
            assert len(list_conflicts(term.desk)) == 2
    finally:
        for term in terms:
            term.close()
