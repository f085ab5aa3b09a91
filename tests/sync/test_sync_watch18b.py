"""Issue 18, 当事人回避 whichever of the customer's numbers the accusing complaint names: the
customer's earlier complaint names their contact phone and their broadband account together;
the complaint accusing the duty manager names only one of them, and the watch entry is under
the other. On a new terminal (bootstrapped from the hall store) the accused manager sees the
entry nowhere (intake, the customer's history, the managers' list) and cannot list the
customer; a colleague still sees it. On a SQLite hall and the PostgreSQL hall."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sync_kit import Term, first_terminal, new_terminal, take, tick

from deskapp.domain.errors import RuleViolation
from deskapp.services import followup
from deskapp.services.customer import (
    WatchForm,
    customer_history,
    save_watch_entry,
    watch_for_customer,
    watch_list,
)
from deskapp.services.demo import closing_facts
from deskapp.store.models import Complaint
from deskapp.sync import sync

PHONE, ACCOUNT, OTHER_PHONE = "13912340000", "GZKD8812AB", "13700003333"


def _synced(term: Term, hall_url: str) -> None:
    result = sync(term.desk, hall_url)
    assert result.ok and result.quarantined == 0 and result.refused == 0, result.message


CASES = pytest.mark.parametrize(
    ("listed", "accusing"),
    [
        # The entry under the phone; the accusation under the account (another contact phone).
        (PHONE, {"contact_phone": OTHER_PHONE, "service_number": ACCOUNT}),
        # The entry under the account; the accusation under the phone alone.
        (ACCOUNT, {"contact_phone": PHONE, "service_number": ""}),
    ],
    ids=["entry-phone-accused-account", "entry-account-accused-phone"],
)


@CASES
def test_the_accused_manager_never_sees_the_entry_whichever_number_accuses(
    tmp_path: Path, hall_url: str, listed: str, accusing: dict[str, str]
) -> None:
    a = first_terminal(tmp_path / "a")
    try:
        _synced(a, hall_url)
        save_watch_entry(a.desk, a.actors["3001"], WatchForm(
            customer=listed, kind="difficult", advice="先听完再解释",
            review_on="2027-06-30"))  # fmt: skip
        take(a, contact_phone=PHONE, service_number=ACCOUNT)  # the customer's two numbers
        tick([a])
        take(a, accused_staff_id=a.actors["2001"].id, **accusing)
        _synced(a, hall_url)
        b = new_terminal(tmp_path / "b", "T02")
        try:
            _synced(b, hall_url)
            for term in (a, b):
                duty, colleague = term.actors["2001"], term.actors["1001"]
                assert watch_for_customer(term.desk, colleague, listed) is not None
                for typed in ((listed,), (PHONE,), (ACCOUNT.lower(),), (PHONE, ACCOUNT)):
                    assert watch_for_customer(term.desk, duty, *typed) is None, typed
                page = customer_history(term.desk, duty, listed)
                assert page is not None and page.watch is None
                assert watch_list(term.desk, duty) == []
                assert [v.customer_key for v in watch_list(term.desk, term.actors["3001"])] == [
                    listed.lower()]  # fmt: skip
                with pytest.raises(RuleViolation) as refused:
                    save_watch_entry(term.desk, duty, WatchForm(
                        customer=listed, kind="sensitive", advice="x",
                        review_on="2027-06-30"))  # fmt: skip
                assert [e.key for e in refused.value.errors] == ["error.watch.recused"]
        finally:
            b.close()
    finally:
        a.close()


@CASES
@pytest.mark.parametrize("listed_when", ["before-the-join", "after-the-join"])
def test_old_complaints_of_the_other_number_come_with_the_entry_to_a_new_terminal(
    tmp_path: Path, hall_url: str, listed: str, accusing: dict[str, str], listed_when: str
) -> None:
    """Both complaints closed 150 days ago, outside a new terminal's 90-day window: the hall
    sends the complaints of the entry's number, and of the numbers those complaints name
    beside it, with the entry (at the join, or when the entry is pulled later)."""
    a = first_terminal(tmp_path / "a")
    c = None
    try:
        linking = take(a, contact_phone=PHONE, service_number=ACCOUNT)
        accusation = take(a, accused_staff_id=a.actors["2001"].id, **accusing)
        for old in (linking, accusation):
            followup.close(a.desk, a.actors["1001"], old, outcome="当场解决",
                           facts=closing_facts(a.desk, old))  # fmt: skip
        a.clock.advance(timedelta(days=150))
        form = WatchForm(customer=listed, kind="difficult", advice="先听完再解释",
                         review_on="2027-06-30")  # fmt: skip
        if listed_when == "before-the-join":
            save_watch_entry(a.desk, a.actors["3001"], form)
        _synced(a, hall_url)
        c = new_terminal(tmp_path / "c", "T03", offset=timedelta(days=150))
        assert sync(c.desk, hall_url, window_days=90).ok
        if listed_when == "after-the-join":
            save_watch_entry(a.desk, a.actors["3001"], form)
            _synced(a, hall_url)
            _synced(c, hall_url)
        with c.desk.read() as session:
            held = {x.id for x in session.query(Complaint)}
        assert {linking, accusation} <= held
        assert watch_for_customer(c.desk, c.actors["2001"], listed) is None
        assert watch_list(c.desk, c.actors["2001"]) == []
        assert watch_for_customer(c.desk, c.actors["1001"], listed) is not None
    finally:
        a.close()
        if c is not None:
            c.close()


def test_a_later_complaint_linking_the_numbers_brings_the_old_accusation_with_it(
    tmp_path: Path, hall_url: str
) -> None:
    """The old accusation names the account only (and another phone); nothing links it to the
    watched phone until the customer complains again naming both. The terminal that pulls
    that complaint fetches the account's old complaints with it: the accused manager no longer
    sees the entry there, as on the terminal that holds the whole history."""
    a = first_terminal(tmp_path / "a")
    c = None
    try:
        accusation = take(a, accused_staff_id=a.actors["2001"].id, contact_phone=OTHER_PHONE,
                          service_number=ACCOUNT)  # fmt: skip
        followup.close(a.desk, a.actors["1001"], accusation, outcome="当场解决",
                       facts=closing_facts(a.desk, accusation))  # fmt: skip
        a.clock.advance(timedelta(days=150))
        save_watch_entry(a.desk, a.actors["3001"], WatchForm(
            customer=PHONE, kind="difficult", advice="先听完再解释",
            review_on="2027-06-30"))  # fmt: skip
        _synced(a, hall_url)
        c = new_terminal(tmp_path / "c", "T03", offset=timedelta(days=150))
        assert sync(c.desk, hall_url, window_days=90).ok
        # Nothing links the account to the phone yet: the entry is shown to everyone.
        assert watch_for_customer(c.desk, c.actors["2001"], PHONE) is not None
        take(a, contact_phone=PHONE, service_number=ACCOUNT)
        _synced(a, hall_url)
        _synced(c, hall_url)
        with c.desk.read() as session:
            assert session.get(Complaint, accusation) is not None
        for term in (a, c):
            assert watch_for_customer(term.desk, term.actors["2001"], PHONE) is None
            assert watch_for_customer(term.desk, term.actors["1001"], PHONE) is not None
    finally:
        a.close()
        if c is not None:
            c.close()
