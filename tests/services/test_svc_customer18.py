"""Issue 18, the customer in front of the counter, through the services: the repeat by matter
(same customer by phone or service number, same service-process category, unlinked only with
a reason, linked by hand), the link shown both ways, the watch list (managers only, every
change audited, hidden from the accused staff member), the customer's history paged from SQL."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import PermissionRefused
from deskapp.domain.repeat import Earlier, matter_of, repeat_of, same_matter
from deskapp.i18n import t
from deskapp.services import followup
from deskapp.services.customer import (
    WatchForm,
    customer_history,
    export_watch_list,
    repeat_links,
    save_watch_entry,
    watch_audit,
    watch_for_customer,
    watch_list,
)
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, RefundForm, find_repeat_candidates, take_complaint
from deskapp.services.opinion_book import EntryForm, add_entry
from deskapp.services.refunds import ticket_refunds
from deskapp.services.search import complaint_detail
from deskapp.store.models import Complaint, ComplaintEvent, Refusal, WatchEvent

Form = Callable[..., IntakeForm]
BILLING = "BILLINFO.ACCURACY.CALL_TIME"
WAITING = "HALL.WAITING.LONG"
NETWORK = "NET.COVER.INDOOR"


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


@pytest.fixture
def make_form(desk: Desk) -> Form:
    return lambda **overrides: valid_form(desk, **overrides)


def stored(desk: Desk, complaint_id: str) -> Complaint:
    with desk.read() as s:
        row = s.get(Complaint, complaint_id)
        assert row is not None
        return row


def kinds(desk: Desk, complaint_id: str) -> dict[str, ComplaintEvent]:
    with desk.read() as s:
        rows = s.scalars(
            sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)
        )
        return {e.kind: e for e in rows}


# ------------------------------------------------------------------ the rule, pure


def test_the_matter_is_the_first_level_of_the_cause_tree() -> None:
    assert matter_of("BILLINFO.ACCURACY.CALL_TIME") == "BILLINFO"
    assert same_matter("NET.COVER.INDOOR", "NET.VOICE.DROP")
    assert not same_matter(BILLING, WAITING)
    assert not same_matter(BILLING, "")


def test_the_rule_picks_the_newest_earlier_complaint_of_the_same_matter(clock: FrozenClock) -> None:
    t0 = clock.now()
    earlier = [
        Earlier("a", t0, BILLING),
        Earlier("b", t0 + timedelta(days=2), WAITING),
        Earlier("c", t0 + timedelta(days=1), "BILLINFO.ACCURACY.DATA_USAGE"),
    ]
    found = repeat_of(earlier, BILLING)
    assert found is not None and found.id == "c"
    assert repeat_of(earlier, NETWORK) is None


# ------------------------------------------------------------- repeat by matter


def test_a_billing_complaint_then_a_waiting_complaint_is_not_a_repeat(
    desk: Desk, clock: FrozenClock, handler: Actor, make_form: Form
) -> None:
    take_complaint(desk, handler, make_form(cause_code=BILLING))
    clock.advance(timedelta(days=2))
    second = take_complaint(desk, handler, make_form(cause_code=WAITING))
    row = stored(desk, second.id)
    assert not row.is_repeat and row.repeat_of_id is None
    # Offered to the handler all the same, marked as another matter.
    candidates = find_repeat_candidates(desk, "13812345678", cause_code=WAITING)
    assert [c.same_matter for c in candidates] == [True, False]


def test_the_same_matter_again_is_a_repeat_even_by_service_number(
    desk: Desk, clock: FrozenClock, handler: Actor, make_form: Form
) -> None:
    first = take_complaint(desk, handler, make_form(service_number="13700001111"))
    clock.advance(timedelta(days=5))
    # Another contact phone (a relative calls for them), the same service number.
    second = take_complaint(
        desk, handler, make_form(contact_phone="13999998888", service_number="13700001111",
                                 cause_code="NET.VOICE.DROP")
    )  # fmt: skip
    row = stored(desk, second.id)
    assert row.is_repeat and row.repeat_of_id == first.id
    data = json.loads(kinds(desk, second.id)["repeat_linked"].data)
    assert data == {"repeat_of": first.id, "repeat_of_ticket": first.ticket_no, "by_hand": False}


def test_unlinking_needs_a_reason_and_is_recorded(
    desk: Desk, clock: FrozenClock, handler: Actor, make_form: Form
) -> None:
    first = take_complaint(desk, handler, make_form())
    clock.advance(timedelta(days=1))
    with pytest.raises(RuleViolation) as refused:
        take_complaint(desk, handler, make_form(link_repeat=False))
    assert {(e.field, e.key) for e in refused.value.errors} == {
        ("repeat_unlink_reason", "error.repeat.reason_required")
    }
    second = take_complaint(
        desk, handler, make_form(link_repeat=False, repeat_unlink_reason="上次是客厅,这次是公司")
    )
    assert not stored(desk, second.id).is_repeat
    unlinked = kinds(desk, second.id)["repeat_unlinked"]
    assert unlinked.note == "上次是客厅,这次是公司"
    assert json.loads(unlinked.data)["candidate"] == first.id


def test_the_handler_links_another_matter_by_hand_only_to_this_customers(
    desk: Desk, clock: FrozenClock, handler: Actor, make_form: Form
) -> None:
    billing = take_complaint(desk, handler, make_form(cause_code=BILLING))
    stranger = take_complaint(desk, handler, make_form(contact_phone="13911112222"))
    clock.advance(timedelta(days=1))
    with pytest.raises(RuleViolation) as refused:
        take_complaint(desk, handler, make_form(cause_code=WAITING, repeat_of_id=stranger.id))
    assert refused.value.errors[0].key == "error.repeat.not_candidate"
    linked = take_complaint(desk, handler, make_form(cause_code=WAITING, repeat_of_id=billing.id))
    assert stored(desk, linked.id).repeat_of_id == billing.id
    assert json.loads(kinds(desk, linked.id)["repeat_linked"].data)["by_hand"] is True


def test_the_link_is_shown_on_both_tickets(
    desk: Desk, clock: FrozenClock, handler: Actor, make_form: Form
) -> None:
    first = take_complaint(desk, handler, make_form())
    clock.advance(timedelta(days=1))
    second = take_complaint(desk, handler, make_form())
    links = repeat_links(desk, first.id)
    assert links.repeat_of is None and links.repeated_by == [(second.id, second.ticket_no)]
    assert repeat_links(desk, second.id).repeat_of == (first.id, first.ticket_no)
    earlier, later = complaint_detail(desk, first.id), complaint_detail(desk, second.id)
    assert earlier is not None and earlier.repeated_by == [second.ticket_no]
    assert later is not None and later.repeat_of_ticket == first.ticket_no


# -------------------------------------------------------------------- watch list


def watch_form(desk: Desk, **overrides: object) -> WatchForm:
    values: dict[str, object] = dict(
        customer="138 1234 5678", kind="difficult", customer_name="李女士",
        advice="先听完再解释,赔偿诉求请值班经理出面", solved="室内信号已建微站",
        refused="要求每月免费话费 500 元,已拒绝", review_on="2026-12-31",
    )  # fmt: skip
    values.update(overrides)
    return WatchForm(**values)  # type: ignore[arg-type]


def test_only_managers_change_the_watch_list_and_a_refusal_is_audited(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    with pytest.raises(PermissionRefused):
        save_watch_entry(desk, actors["1001"], watch_form(desk))
    with desk.read() as s:
        refusal = s.scalars(sa.select(Refusal)).one()
    assert (refusal.actor_id, refusal.permission) == (actors["1001"].id, "manage_watch_list")
    with pytest.raises(PermissionRefused):
        watch_list(desk, actors["1001"])
    for manager in ("2001", "3001"):
        entry = save_watch_entry(
            desk, actors[manager], watch_form(desk, customer=f"1390000{manager}")
        )
        assert entry.customer_key == f"1390000{manager}"


def test_every_change_is_audited_with_old_and_new(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    manager = actors["2001"]
    entry = save_watch_entry(desk, manager, watch_form(desk))
    clock.advance(timedelta(hours=1))
    save_watch_entry(desk, actors["3001"], watch_form(desk, kind="sensitive",
                     designated_handler_id=actors["1002"].id), entry.id)  # fmt: skip
    save_watch_entry(desk, manager, watch_form(desk, kind="sensitive",
                     designated_handler_id=actors["1002"].id, active=False), entry.id)  # fmt: skip
    audit = watch_audit(desk, manager, entry.id)
    assert [a.kind for a in audit] == ["added", "changed", "retired"]
    assert audit[1].changes["kind"] == ["difficult", "sensitive"]
    assert audit[1].actor == "3001 陈静"
    assert audit[2].changes == {"active": [True, False]}
    with desk.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(WatchEvent)) == 3


def test_a_number_is_listed_once_and_bad_input_is_refused_in_words(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    manager = actors["2001"]
    save_watch_entry(desk, manager, watch_form(desk))
    with pytest.raises(RuleViolation) as twice:
        save_watch_entry(desk, manager, watch_form(desk, customer="+86 13812345678"))
    assert twice.value.errors[0].key == "error.watch.already_listed"
    with pytest.raises(RuleViolation) as bad:
        save_watch_entry(desk, manager, watch_form(desk, customer="abc", advice=" ",
                                                   review_on="明天", kind="x"))  # fmt: skip
    assert {e.field for e in bad.value.errors} == {"customer", "advice", "review_on", "kind"}


def test_intake_sees_the_entry_but_not_the_staff_member_the_customer_accuses(
    desk: Desk, actors: dict[str, Actor], make_form: Form
) -> None:
    save_watch_entry(
        desk, actors["2001"], watch_form(desk, designated_handler_id=actors["2001"].id)
    )
    seen = watch_for_customer(desk, actors["1002"], "13812345678")
    assert seen is not None and seen.designated_handler == "2001 王芳"
    assert seen.advice.startswith("先听完")
    # 当事人回避: the customer complained about 1002 (taken by 1001).
    take_complaint(desk, actors["1001"], make_form(accused_staff_id=actors["1002"].id))
    assert watch_for_customer(desk, actors["1002"], "13812345678") is None
    assert watch_for_customer(desk, actors["1001"], "13812345678") is not None
    page = customer_history(desk, actors["1002"], "13812345678")
    assert page is not None and page.watch is None and page.tickets == 1


def test_the_managers_list_flags_entries_due_for_review_and_exports(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor], tmp_path: Path
) -> None:
    manager = actors["3001"]
    save_watch_entry(desk, manager, watch_form(desk, review_on="2026-11-25"))
    save_watch_entry(desk, manager, watch_form(desk, customer="13900002222", review_on="2027-03-01",
                                               advice="=HYPERLINK(\"x\")"))  # fmt: skip
    clock.advance(timedelta(days=2))  # past the first review date
    listed = watch_list(desk, manager)
    assert [(v.customer_key, v.review_due) for v in listed] == [
        ("13812345678", True), ("13900002222", False)]  # fmt: skip
    path = export_watch_list(desk, manager, tmp_path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "号码" and rows[1][0] == "13812345678" and rows[1][-1] == "是"
    assert rows[2][4].startswith("'=")  # a formula is not one in the spreadsheet
    # Private to its owner (customers' data), and a second export the same day is kept beside
    # the first, not over it.
    again = export_watch_list(desk, manager, tmp_path)
    assert again != path and path.exists()
    assert {p.stat().st_mode & 0o777 for p in (path, again)} == {0o600}
    assert not list(tmp_path.glob("*.part"))


# ---------------------------------------------------------------------- history


def test_the_history_lists_everything_newest_first_a_page_at_a_time(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor], make_form: Form
) -> None:
    handler = actors["1001"]
    first = take_complaint(desk, handler, make_form(
        cause_code=BILLING, refund=RefundForm(charged="30", should_have_charged="10",
                                              verified=True)))  # fmt: skip
    clock.advance(timedelta(hours=1))
    # Issue 17: an approved refund is paid before the ticket closes (paid and told).
    (refund,) = ticket_refunds(desk, first.id)
    followup.pay_refund(desk, handler, first.id, refund_id=refund.id, method="account_credit",
                        reference="CR-1")  # fmt: skip
    followup.tell_refund(desk, handler, first.id, refund_id=refund.id, note="已电话告知")
    followup.close(
        desk,
        handler,
        first.id,
        outcome="已退费",
        satisfaction="satisfied",
        facts=closing_facts(desk, first.id),
    )
    clock.advance(timedelta(days=1))
    followup.record_visit(desk, handler, first.id, satisfaction="satisfied", note="满意")
    clock.advance(timedelta(hours=1))
    add_entry(desk, handler, EntryForm(page="1", line="1", content="排队太久",
                                       contact="13812345678"))  # fmt: skip
    clock.advance(timedelta(hours=1))
    take_complaint(desk, handler, make_form(contact_phone="13999990000",
                                            service_number="13812345678"))  # fmt: skip
    take_complaint(desk, handler, make_form(contact_phone="13700000000"))  # someone else
    page = customer_history(desk, handler, "138-1234-5678", limit=3)
    assert page is not None and page.tickets == 2 and page.has_more
    assert [i.kind for i in page.items] == ["ticket", "opinion", "visit"]
    rest = customer_history(desk, handler, "13812345678", offset=3, limit=3)
    assert rest is not None and not rest.has_more
    assert [i.kind for i in rest.items] == ["refund", "ticket"]
    assert rest.items[0].text == "退费 40.00 元" and rest.items[1].ticket_no == first.ticket_no
    assert customer_history(desk, handler, "not a number") is None


def test_the_demo_has_a_watch_list_customer_intake_recognises(tmp_path: Path) -> None:
    from deskapp.services.demo import build_demo
    from deskapp.services.staff import actor_of, list_staff
    from deskapp.store.models import WatchEntry

    build_demo(tmp_path / "demo.db", count=20)
    desk = Desk.open(tmp_path / "demo.db")
    try:
        with desk.read() as s:
            entry = s.scalars(sa.select(WatchEntry)).one()
        handler = next(actor_of(s) for s in list_staff(desk) if s.work_no == "1001")
        page = customer_history(desk, handler, entry.customer_key)
        assert page is not None and page.tickets >= 1
        assert page.watch is not None and page.watch.designated_handler.startswith("2001")
    finally:
        desk.close()


# ------------------------------------------------------------------ batch incidents


def outage(desk: Desk, manager: Actor, **overrides: object):
    from deskapp.services.batches import BatchForm, open_batch

    values: dict[str, object] = dict(title="城东基站故障", cause_code="NET.OUTAGE", area="城东片区",
                                     description="光缆被挖断,城东三个小区无信号")  # fmt: skip
    values.update(overrides)
    return open_batch(desk, manager, BatchForm(**values))  # type: ignore[arg-type]


def test_only_managers_open_a_batch_and_intake_finds_it_by_cause(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from deskapp.domain.batch import batch_matches
    from deskapp.services.batches import open_batches_for

    with pytest.raises(PermissionRefused):
        outage(desk, actors["1001"])
    batch = outage(desk, actors["2001"])
    assert batch_matches("NET.OUTAGE", "NET.OUTAGE.AREA")
    assert not batch_matches("NET.OUTAGE", "NET.OUTAGEX.AREA")
    assert [b.id for b in open_batches_for(desk, "NET.OUTAGE.AREA")] == [batch.id]
    assert open_batches_for(desk, "NET.COVER.INDOOR") == []
    with pytest.raises(RuleViolation) as bad:
        outage(desk, actors["2001"], title=" ", cause_code="NOPE")
    assert {e.field for e in bad.value.errors} == {"title", "cause_code"}


def test_closing_a_batch_closes_every_open_ticket_through_the_ordinary_close(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor], make_form: Form
) -> None:
    from deskapp.services.batches import batches, close_batch, link_to_batch
    from deskapp.services.followup import ClosingFacts

    manager, handler = actors["2001"], actors["1001"]
    batch = outage(desk, manager)
    at_intake = take_complaint(desk, handler, make_form(cause_code="NET.OUTAGE.AREA",
                                                        batch_id=batch.id))  # fmt: skip
    later = take_complaint(desk, handler, make_form(contact_phone="13900001111",
                                                    cause_code="NET.OUTAGE.AREA"))  # fmt: skip
    link_to_batch(desk, handler, later.id, batch.id)
    # One the rules keep open: a 重大 complaint (consumer association) without its report.
    major = take_complaint(desk, handler, make_form(
        contact_phone="13900002222", cause_code="NET.OUTAGE.AREA", channel="consumer_association",
        severity="major", batch_id=batch.id))  # fmt: skip
    done = take_complaint(desk, handler, make_form(contact_phone="13900003333",
                          cause_code="NET.OUTAGE.AREA", batch_id=batch.id))  # fmt: skip
    followup.close(
        desk, handler, done.id, outcome="客户自行恢复", facts=closing_facts(desk, done.id)
    )
    assert [(v.tickets, v.open_tickets) for v in batches(desk)] == [(4, 3)]
    clock.advance(timedelta(hours=3))
    result = close_batch(
        desk, manager, batch.id, "光缆已修复,信号恢复", ClosingFacts("department", "network")
    )
    assert sorted(result.closed) == sorted([at_intake.id, later.id])
    assert {k: v.key for k, v in result.skipped.items()} == {major.id: "error.close.needs_level"}
    assert [no for no, _ in result.kept] == [major.ticket_no]
    # The reason keeps its params: said in words, no {severity} or {level} left in it.
    why = result.kept[0][1]
    said = t(why.key, **why.params)
    assert "{" not in said and "重大" in said and "后才能结案" in said
    for cid in (at_intake.id, later.id):
        row = stored(desk, cid)
        assert row.status == "closed" and row.outcome == "光缆已修复,信号恢复" and row.is_batch
        assert {"batch_linked", "closed"} <= set(kinds(desk, cid))
        assert row.next_clock == "return_visit"  # the return visit is scheduled
    assert stored(desk, done.id).outcome == "客户自行恢复"  # closed before: untouched
    assert stored(desk, major.id).status != "closed"
    view = batches(desk)[0]
    assert view.batch.status == "closed" and view.open_tickets == 1
    with pytest.raises(RuleViolation):
        link_to_batch(desk, handler, major.id, batch.id)  # closed batch: nothing more links


def test_a_closed_batch_lists_the_tickets_kept_open_and_closes_them_later_with_its_outcome(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor], make_form: Form
) -> None:
    from deskapp.services.batches import batches, close_batch
    from deskapp.services.followup import ClosingFacts

    manager, handler = actors["2001"], actors["1001"]
    batch = outage(desk, manager)
    # About the closing manager: not closed by them (当事人回避).
    about = take_complaint(desk, handler, make_form(
        cause_code="NET.OUTAGE.AREA", batch_id=batch.id, accused_staff_id=manager.id))  # fmt: skip
    clock.advance(timedelta(hours=3))
    result = close_batch(
        desk, manager, batch.id, "光缆已修复,信号恢复", ClosingFacts("department", "network")
    )
    assert result.closed == [] and [no for no, _ in result.kept] == [about.ticket_no]
    assert all(why.key.startswith("error.") for _, why in result.kept)
    assert batches(desk)[0].batch.status == "closed"
    # Another manager closes what the batch left open, with the batch's own outcome.
    again = close_batch(desk, actors["3001"], batch.id, "", ClosingFacts("customer"))
    assert again.closed == [about.id] and again.kept == []
    assert stored(desk, about.id).outcome == "光缆已修复,信号恢复"
    assert batches(desk)[0].open_tickets == 0


# ------------------------------------------------------------------------ scripts


def test_the_script_is_the_causes_own_or_its_nearest_ancestors(desk: Desk) -> None:
    from deskapp.domain.scripts import script_for
    from deskapp.services.intake import standard_script

    scripts = {"NET": "网络", "NET.OUTAGE": "故障"}
    assert script_for(scripts, "NET.OUTAGE.AREA") == "故障"
    assert script_for(scripts, "NET.COVER.OUTDOOR") == "网络"
    assert script_for(scripts, "HALL.WAITING.LONG") is None
    assert script_for(scripts, "") is None
    # The shipped data/scripts.toml: every cause it names is in the tree, and the common
    # causes have one.
    assert all(code in desk.refdata.causes for code in desk.refdata.scripts)
    for cause in ("NET.OUTAGE.AREA", "BILLINFO.ACCURACY.CALL_TIME", "HALL.WAITING.LONG"):
        assert standard_script(desk, cause)


# --------------------------------------------------------------------------- cases


def test_a_manager_marks_a_closed_ticket_and_the_page_leaves_the_customer_out(
    desk: Desk, actors: dict[str, Actor], make_form: Form, tmp_path: Path
) -> None:
    from deskapp.services.cases import export_cases, find_cases, mark_case

    handler, manager = actors["1001"], actors["2001"]
    ticket = take_complaint(desk, handler, make_form(
        customer_name="王秀英", cause_code=BILLING,
        content="王秀英说上月账单多扣了 30 元,她的另一个号码 139 1234 5678 也被扣"))  # fmt: skip
    with pytest.raises(RuleViolation) as still_open:
        mark_case(desk, manager, ticket.id, "先查证后退费", "营业厅核实后当场处理")
    assert still_open.value.errors[0].key == "error.case.not_closed"
    followup.close(
        desk, handler, ticket.id, outcome="已双倍返还 60 元", facts=closing_facts(desk, ticket.id)
    )
    with pytest.raises(PermissionRefused):
        mark_case(desk, handler, ticket.id, "先查证后退费", "营业厅核实后当场处理")
    with pytest.raises(RuleViolation) as named:  # her name is refused in words (case18e)
        mark_case(desk, manager, ticket.id, "先查证后退费,王秀英很满意", "营业厅核实后当场处理")
    assert named.value.errors[0].key == "error.case.personal_data"
    mark_case(desk, manager, ticket.id, "先查证后退费,客户很满意", "营业厅核实后当场处理")
    other = take_complaint(
        desk, handler, make_form(contact_phone="13700001111", cause_code=WAITING)
    )
    followup.close(
        desk, handler, other.id, outcome="已增开窗口", facts=closing_facts(desk, other.id)
    )
    mark_case(desk, manager, other.id, "高峰期提前增开窗口", "营业厅核实后当场处理")
    assert [c.ticket_no for c in find_cases(desk, "BILLINFO")] == [ticket.ticket_no]
    assert [c.ticket_no for c in find_cases(desk, words="窗口")] == [other.ticket_no]
    # A ticket is a case once; % and _ in the search are letters, not wildcards.
    with pytest.raises(RuleViolation) as twice:
        mark_case(desk, manager, other.id, "再列一次", "营业厅核实后当场处理")
    assert twice.value.errors[0].key == "error.case.already_marked"
    assert len(find_cases(desk)) == 2
    assert find_cases(desk, words="%") == [] and find_cases(desk, words="_") == []
    page = export_cases(desk, manager, tmp_path / "out").read_text(encoding="utf-8")
    assert "早班会案例分析" in page and "先查证后退费" in page and "高峰期提前增开窗口" in page
    for personal in ("王秀英", "13812345678", "139 1234 5678", "13700001111"):
        assert personal not in page
    assert "多扣" not in page  # the ticket's content is never printed (case18e)


@pytest.mark.parametrize(
    "written",
    ['script = "oops"\n', '[[script]]\ncause = "NET"\ntext = \n', '[[script]]\ntext = "x"\n'],
    ids=["shape", "syntax", "no-cause"],
)
def test_a_wrongly_written_scripts_file_is_refused_in_words_when_the_desk_opens(
    tmp_path: Path, written: str
) -> None:
    import shutil

    from deskapp.cli_faults import ExitCode, fault_of
    from deskapp.refdata import ReferenceDataError, default_data_dir

    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    (data / "scripts.toml").write_text(written, encoding="utf-8")
    with pytest.raises(ReferenceDataError) as raised:
        Desk.open(tmp_path / "desk.db", data_dir=data)
    fault = fault_of(raised.value)
    assert fault.code == ExitCode.BAD_INPUT and fault.expected
    assert "data/scripts.toml" in fault.message and "写法有误" in fault.message


def test_the_watch_entry_and_history_are_found_by_the_service_number_too(
    desk: Desk, actors: dict[str, Actor], make_form: Form
) -> None:
    handler = actors["1001"]
    save_watch_entry(desk, actors["2001"], watch_form(desk, customer="13918302983"))
    for _ in range(2):
        take_complaint(desk, handler, make_form(contact_phone="13600000001",
                                                service_number="13918302983"))  # fmt: skip
    # A new contact phone, the watch-listed service number beside it.
    assert watch_for_customer(desk, handler, "13700000000") is None
    seen = watch_for_customer(desk, handler, "13700000000", "13918302983")
    assert seen is not None and seen.customer_key == "13918302983"
    page = customer_history(desk, handler, "13700000000", also=("13918302983",))
    assert page is not None and page.tickets == 2 and page.watch is not None


def test_an_entry_past_its_review_date_is_retired_or_edited_without_a_new_date(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    manager = actors["2001"]
    entry = save_watch_entry(desk, manager, watch_form(desk, review_on="2026-12-31"))
    clock.advance(timedelta(days=400))  # the review date is long past
    edited = save_watch_entry(
        desk, manager, watch_form(desk, review_on="2026-12-31", advice="先请值班经理"), entry.id
    )
    assert edited.advice == "先请值班经理"
    retired = save_watch_entry(
        desk, manager, watch_form(desk, review_on="2026-12-31", active=False), entry.id
    )
    assert retired.active is False
    # A new date that is itself past is still refused.
    with pytest.raises(RuleViolation) as past:
        save_watch_entry(desk, manager, watch_form(desk, review_on="2027-01-05"), entry.id)
    assert past.value.errors[0].key == "error.watch.review_past"


def test_intake_shows_the_candidate_the_save_links_even_past_the_first_five(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor], make_form: Form
) -> None:
    handler = actors["1001"]
    billing = take_complaint(desk, handler, make_form(cause_code=BILLING))
    for _ in range(5):
        clock.advance(timedelta(hours=1))
        take_complaint(desk, handler, make_form(cause_code=WAITING))
    clock.advance(timedelta(hours=1))
    shown = find_repeat_candidates(desk, "13812345678", cause_code=BILLING)
    assert len(shown) == 6 and shown[-1].id == billing.id and shown[-1].same_matter
    saved = take_complaint(desk, handler, make_form(cause_code=BILLING))
    assert stored(desk, saved.id).repeat_of_id == billing.id


def test_no_unlink_reason_is_asked_when_nothing_would_be_linked(
    desk: Desk, actors: dict[str, Actor], make_form: Form
) -> None:
    handler = actors["1001"]
    first = take_complaint(desk, handler, make_form(link_repeat=False))
    assert not stored(desk, first.id).is_repeat
    # Another matter: the rule links nothing, so unticking needs no reason either.
    other = take_complaint(desk, handler, make_form(cause_code=WAITING, link_repeat=False))
    assert not stored(desk, other.id).is_repeat
    with pytest.raises(RuleViolation) as unlinked:  # the same matter: a reason is needed
        take_complaint(desk, handler, make_form(link_repeat=False))
    assert unlinked.value.errors[0].key == "error.repeat.reason_required"


@pytest.mark.parametrize(
    "written",
    ["电话139.1234.5678", "139/1234/5678", "一三九一二三四五六七八", "李 明来电", "李先生说",
     "李女士", "李生", "李小姐", "尾号5678", "尾号 5678"],
)  # fmt: skip
def test_the_case_check_finds_the_customer_however_written(written: str) -> None:
    from deskapp.domain.cases import find_personal_data

    found = find_personal_data(written, ("李明",))
    left = "".join(ch for i, ch in enumerate(written)
                   if not any(f.start <= i < f.end for f in found))  # fmt: skip
    assert not any(ch in left for ch in "李5678八"), left


def test_a_review_date_is_required_and_at_most_a_year_ahead_said_at_its_field(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    """batch18i B: 9999-12-31 was taken, so the entry was never flagged for review; an empty
    date was told its format. At most a year ahead (review_latest), said with the latest date;
    empty is 必填; the format error's example is the hint's."""
    from deskapp.domain.timefmt import local_day
    from deskapp.domain.watch import review_example, review_latest

    manager = actors["2001"]
    today = local_day(clock.now(), desk.tz)
    latest = review_latest(today)
    for typed, key, params in (
        ("9999-12-31", "error.watch.review_late", {"latest": latest.isoformat()}),
        ((latest + timedelta(days=1)).isoformat(), "error.watch.review_late",
         {"latest": latest.isoformat()}),
        ("  ", "error.required", {}),
        ("31/12/2026", "error.watch.review_date", {"example": review_example(today)}),
    ):  # fmt: skip
        with pytest.raises(RuleViolation) as refused:
            save_watch_entry(desk, manager, watch_form(desk, review_on=typed))
        assert [(e.field, e.key, e.params) for e in refused.value.errors] == [
            ("review_on", key, params)
        ]
    assert "复核日期最晚为" in t("error.watch.review_late", latest=latest.isoformat())
    saved = save_watch_entry(desk, manager, watch_form(desk, review_on=latest.isoformat()))
    assert saved.review_on == latest.isoformat()
