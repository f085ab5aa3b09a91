"""Finding a complaint from one search box, and the detail view's events and history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import PINS, staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Role
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import RefundForm, take_complaint
from deskapp.services.search import QueryKind, classify, complaint_detail, search
from deskapp.services.staff import actor_of, list_staff, seed_staff
from deskapp.services.terminal import init_terminal
from deskapp.store.models import ChangeLog

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

# key: (received local time, name, phone, content, demand)
CASES = {
    "A": ("09:00", "欧阳娜娜", "13812345678", "家里客厅手机没有信号,打电话要跑到阳台", "尽快解决"),
    "B": ("09:10", "王先生", "0755-23456789", "上月账单多出一笔国际漫游费", "退还多收费用"),
    "C": ("09:20", "李女士", "13912340000", "5G网络很慢，信号时有时无", "修好"),
    "D": ("09:30", "张三", "13800005678", "营业员态度冷淡", "道歉"),
    "E": ("09:40", "赵六", "13700002222", "优惠100%返还没到账", "补发"),
}
PAGED_PHONE = "13700001111"


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    """As tests/conftest.py's `desk` (same calls, same state), copied from a template."""
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


@pytest.fixture(scope="module")
def searchable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, dict[str, str]]]:
    """A desk with the cases above and seven complaints from one phone; read-only."""
    desk = Desk.open(tmp_path_factory.mktemp("search") / "desk.db", clock=FrozenClock(NOW))
    try:
        init_terminal(desk, "GZ01", "T01", "Asia/Shanghai")
        seed_staff(desk, "system:test", [("1001", "张敏", Role.HANDLER, PINS["1001"])])
        handler = actor_of(list_staff(desk)[0])
        ids = {}
        for key, (at, name, phone, content, demand) in CASES.items():
            form = valid_form(
                desk,
                received_at=at,
                customer_name=name,
                contact_phone=phone,
                content=content,
                demand=demand,
            )
            ids[key] = take_complaint(desk, handler, form).id
        for i in range(1, 8):
            form = valid_form(
                desk,
                received_at=f"08:0{i}",
                customer_name="周先生",
                contact_phone=PAGED_PHONE,
                content="路由器指示灯一直闪烁",
                demand="上门检修",
            )
            ids[f"P{i}"] = take_complaint(desk, handler, form).id
        yield desk, ids
    finally:
        desk.close()


def found(searchable: tuple[Desk, dict[str, str]], query: str) -> list[str]:
    """The case keys a query finds, in result order."""
    desk, ids = searchable
    by_id = {v: k for k, v in ids.items()}
    page = search(desk, query)
    assert not page.has_more
    return [by_id[row.id] for row in page.rows]


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("", QueryKind.RECENT),
        ("  ", QueryKind.RECENT),
        ("5678", QueryKind.LAST4),
        ("56-78", QueryKind.LAST4),
        ("13812345678", QueryKind.PHONE),
        ("+86 138 1234 5678", QueryKind.PHONE),
        ("0755-23456789", QueryKind.PHONE),
        ("GZ01-T01-20261124-0001", QueryKind.TICKET),
        ("gz01-t01", QueryKind.TICKET),
        ("信号", QueryKind.TEXT),
        ("王", QueryKind.TEXT),
        ("12345", QueryKind.TEXT),
    ],
)
def test_classify(query: str, kind: QueryKind) -> None:
    assert classify(query) is kind


def test_ticket_number_prefix(searchable: tuple[Desk, dict[str, str]]) -> None:
    desk, _ = searchable
    page = search(desk, "GZ01-T01-20261124")
    assert page.kind is QueryKind.TICKET
    numbers = [r.ticket_no for r in page.rows]
    assert numbers == sorted(numbers, reverse=True)
    assert len(numbers) == 12
    assert found(searchable, "GZ01-T01-20261124-0002") == ["B"]
    assert found(searchable, "gz01-t01-20261124-0002") == ["B"]
    assert found(searchable, "GZ01-T01-2026112") == found(searchable, "GZ01-T01-20261124")
    assert found(searchable, "GZ01-T01-20261125") == []
    assert found(searchable, "GZ01-T02") == []


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("13812345678", ["A"]),
        ("+86 138 1234 5678", ["A"]),
        ("138-1234-5678", ["A"]),
        ("008613812345678", ["A"]),
        ("0755 2345 6789", ["B"]),
        ("(0755)23456789", ["B"]),
        ("+86 755 2345 6789", ["B"]),
        ("13912345678", []),
    ],
)
def test_full_phone_in_any_format(
    searchable: tuple[Desk, dict[str, str]], query: str, keys: list[str]
) -> None:
    assert found(searchable, query) == keys


@pytest.mark.parametrize("query", ["5678", " 5678 ", "56 78", "５６７８"])
def test_last_four_digits(searchable: tuple[Desk, dict[str, str]], query: str) -> None:
    assert found(searchable, query) == ["D", "A"]  # newest first


def test_last_four_of_a_landline(searchable: tuple[Desk, dict[str, str]]) -> None:
    assert found(searchable, "6789") == ["B"]


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("欧阳", ["A"]),  # name prefix
        ("欧阳娜娜", ["A"]),
        ("王", ["B"]),  # one-character name prefix
        ("信号", ["C", "A"]),  # two-character word in the content, newest first
        ("客厅", ["A"]),
        ("漫游费", ["B"]),
        ("退还", ["B"]),  # in the demand
        ("信号，时有", ["C"]),  # punctuation ignored on both sides
        ("5g", ["C"]),
        ("5G网络", ["C"]),
        ("慢", ["C"]),  # one-character content word
        ("费", ["B"]),
        ("%", ["E"]),  # a LIKE wildcard is a plain character
        ("100%", ["E"]),
        ("宽带", []),
        ("信号不好", []),  # the whole phrase, not any of its words
        ('信号" OR "营业', []),  # FTS syntax is not interpreted
    ],
)
def test_text(searchable: tuple[Desk, dict[str, str]], query: str, keys: list[str]) -> None:
    assert found(searchable, query) == keys


def test_recent_is_everything_newest_first(searchable: tuple[Desk, dict[str, str]]) -> None:
    desk, _ = searchable
    page = search(desk, "")
    assert page.kind is QueryKind.RECENT
    times = [r.received_at for r in page.rows]
    assert len(times) == 12 and times == sorted(times, reverse=True)
    assert [r.customer_name for r in page.rows[:5]] == [c[1] for c in reversed(CASES.values())]


def test_rows_carry_what_the_list_shows(searchable: tuple[Desk, dict[str, str]]) -> None:
    desk, ids = searchable
    (row,) = search(desk, "13812345678").rows
    assert row.id == ids["A"]
    assert row.contact_phone == "13812345678"
    assert row.received_at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert (row.channel, row.severity, row.status) == ("walk_in", "general", "open")
    assert row.content == CASES["A"][3]


def test_long_content_is_cut_in_the_list(searchable: tuple[Desk, dict[str, str]]) -> None:
    desk, _ = searchable
    for row in search(desk, "").rows:
        assert len(row.content) <= 60


@pytest.mark.parametrize("query", [PAGED_PHONE, "1111", "GZ01-T01-20261124"])
def test_paging(searchable: tuple[Desk, dict[str, str]], query: str) -> None:
    desk, _ = searchable
    everything = search(desk, query, limit=100)
    assert not everything.has_more
    total = len(everything.rows)
    assert total >= 7
    seen = []
    offset = 0
    while True:
        page = search(desk, query, offset=offset, limit=3)
        assert page.offset == offset
        assert len(page.rows) == min(3, total - offset)
        assert page.has_more == (offset + 3 < total)
        seen.extend(r.id for r in page.rows)
        if not page.has_more:
            break
        offset += 3
    assert seen == [r.id for r in everything.rows]
    beyond = search(desk, query, offset=total, limit=3)
    assert beyond.rows == [] and not beyond.has_more


def test_text_paging_uses_the_index_order(searchable: tuple[Desk, dict[str, str]]) -> None:
    desk, ids = searchable
    first = search(desk, "指示灯", limit=4)
    second = search(desk, "指示灯", offset=4, limit=4)
    assert first.kind is QueryKind.TEXT
    assert first.has_more and not second.has_more
    got = [r.id for r in first.rows + second.rows]
    assert got == [ids[f"P{i}"] for i in range(7, 0, -1)]  # newest first, no repeats


# ------------------------------------------------------------------ detail


def test_complaint_detail_has_events_refunds_and_history(
    desk: Desk, handler: Actor, actors: dict[str, Actor]
) -> None:
    first = take_complaint(desk, handler, valid_form(desk))
    form = valid_form(
        desk,
        refund=RefundForm(
            charged="58",
            should_have_charged="48",
            amount="30",
            verified=True,
            approver_work_no="2001",
            approver_pin=PINS["2001"],
            approval_reason="往返多次",
        ),
    )
    second = take_complaint(desk, handler, form)
    detail = complaint_detail(desk, second.id)
    assert detail is not None
    assert detail.complaint.id == second.id
    assert detail.complaint.ticket_no == second.ticket_no
    assert detail.repeat_of_ticket == first.ticket_no
    assert sorted(e.kind for e in detail.events) == [
        "promise",
        "refund",
        "registered",
        "repeat_linked",
    ]
    assert all(e.complaint_id == second.id for e in detail.events)
    (refund,) = detail.refunds
    assert refund.amount_fen == 3000 and refund.approved_by == actors["2001"].id
    assert detail.staff_names[handler.id] == "张敏"
    assert detail.staff_names[actors["2001"].id] == "王芳"
    ops = [h.op for h in detail.history]
    assert ops.count("complaint.insert") == 1
    assert ops.count("complaint_event.insert") == 4
    assert ops.count("refund.insert") == 1
    assert set(ops) <= {
        "complaint.insert",
        "complaint.update",
        "complaint_event.insert",
        "refund.insert",
    }
    assert len(ops) - ops.count("complaint.update") == 6  # nothing from the first complaint
    assert {h.actor for h in detail.history} == {handler.id}
    inserted = next(h for h in detail.history if h.op == "complaint.insert")
    assert inserted.fields["ticket_no"] == second.ticket_no
    assert inserted.fields["contact_phone"] == "13812345678"
    with desk.read() as s:
        logged = s.scalar(
            sa.select(ChangeLog.fields).where(
                ChangeLog.entity == "refund", ChangeLog.entity_id == refund.id
            )
        )
    assert json.loads(logged)["amount_fen"] == 3000


def test_the_detail_reads_the_change_log_through_its_index(desk: Desk, handler: Actor) -> None:
    """A ticket's history is looked up by table and id (the change log's index), never by
    reading the whole log: by the id alone it took 130 ms on the 100,000-ticket store
    (docs/benchmarks.md), every time a ticket's screen opened."""
    take_complaint(desk, handler, valid_form(desk))
    second = take_complaint(desk, handler, valid_form(desk, contact_phone="13912340000"))
    asked: list[tuple[str, object]] = []

    def seen(_conn: object, _cursor: object, statement: str, parameters: object,
             _context: object, _many: bool) -> None:  # fmt: skip
        if "FROM change_log" in statement:
            asked.append((statement, parameters))

    sa.event.listen(desk.engine, "before_cursor_execute", seen)
    try:
        detail = complaint_detail(desk, second.id)
    finally:
        sa.event.remove(desk.engine, "before_cursor_execute", seen)
    assert detail is not None and detail.history
    assert len(asked) == 1
    statement, parameters = asked[0]
    with desk.engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        steps = [row[-1] for row in plan]
    assert any("change_log USING INDEX ix_change_log_entity" in step for step in steps), steps
    assert not any(step.startswith("SCAN change_log") for step in steps), steps


def test_detail_of_an_unknown_id_is_none(desk: Desk) -> None:
    assert complaint_detail(desk, "no-such-id") is None


def test_search_reads_a_store_without_complaints(desk: Desk) -> None:
    for query in ("", "信号", "王", "5678", "13812345678", "GZ01-T01"):
        page = search(desk, query)
        assert page.rows == [] and not page.has_more
