"""Two terminals and one refund (issue 17): the same refund paid on two terminals before they
synchronized. Both payment events are kept everywhere; the refund row keeps one payment (the
later stamp), and the disagreement is a conflict record that says in words what happened and
what to do. SQLite and the real PostgreSQL hall (tests/sync/conftest.py)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sync_kit import assert_identical, take, tick
from test_sync_convergence import joined, sync_all

from deskapp.domain.indicators import month_of
from deskapp.i18n import t
from deskapp.services import followup
from deskapp.services.refunds import RefundForm, ticket_refunds
from deskapp.services.reports import ReportRequest, build_report
from deskapp.store.models import Complaint, ComplaintEvent
from deskapp.sync import list_conflicts


def _paid_events(desk, cid: str) -> list[dict]:
    with desk.read() as s:
        rows = s.scalars(sa.select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == cid, ComplaintEvent.kind == "refund_paid"))  # fmt: skip
        return [json.loads(e.data) for e in rows]


def test_one_refund_paid_on_two_terminals_is_a_conflict_said_in_words(
    tmp_path: Path, hall_url: str
) -> None:
    terms = joined(tmp_path, hall_url)
    a, b = terms
    by_method = t("reports.refunds.by_method")
    try:
        cid = take(a)
        followup.record_refund(a.desk, a.actors["1001"], cid, RefundForm(
            error_type="call_record", charged="30", should_have_charged="20", verified=True,
            verification="计费中心核实"))  # fmt: skip
        sync_all(terms, hall_url)
        (refund,) = ticket_refunds(b.desk, cid)
        tick(terms)
        # both counters pay it, neither knowing of the other
        followup.pay_refund(a.desk, a.actors["1001"], cid, refund_id=refund.id,
                            method="account_credit", reference="CZ-A")  # fmt: skip
        b.clock.advance(timedelta(minutes=1))
        followup.pay_refund(b.desk, b.actors["1002"], cid, refund_id=refund.id,
                            method="cash", reference="SJ-B")  # fmt: skip
        sync_all(terms, hall_url)
        assert_identical(terms)
        for term in terms:
            assert len(_paid_events(term.desk, cid)) == 2  # both payments kept
            views = [v for v in list_conflicts(term.desk) if v.entity == "refund"]
            assert views, "the double payment is not on record"
            assert {v.todo for v in views} == {"conflict_todo.refund_paid_twice"}
            assert "两台终端" in t(views[0].todo) and "Ctrl+K" in t(views[0].todo)
            # named by its ticket, customer and amount, never the refund's internal id
            with term.desk.read() as s:
                ticket = s.get(Complaint, cid).ticket_no
            assert {v.label for v in views} == {f"{ticket} 李女士 退费 20.00 元"}
            # the figures count what was actually paid: 20.00 by account credit and 20.00 in
            # cash (2 × (30 − 20) each), though the refund row keeps one payment
            report = build_report(term.desk, ReportRequest(month_of(date(2026, 11, 1))))
            lines = {(row[0], row[1]): row[2:4] for row in report.table("refunds").rows}
            assert lines[(by_method, t("refund_method.account_credit"))] == (1, Decimal("20.00"))
            assert lines[(by_method, t("refund_method.cash"))] == (1, Decimal("20.00"))
    finally:
        for term in terms:
            term.close()
