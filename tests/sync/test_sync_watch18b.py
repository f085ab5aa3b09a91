"""Issue 18, 当事人回避 whichever of the customer's numbers the accusing complaint names: the
customer's earlier complaint names their contact phone and their broadband account together;
the complaint accusing the duty manager names only one of them, and the watch entry is under
the other. On a new terminal (bootstrapped from the hall store) the accused manager sees the
entry nowhere (intake, the customer's history, the managers' list) and cannot list the
customer; a colleague still sees it. On a SQLite hall and the PostgreSQL hall."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_kit import Term, first_terminal, new_terminal, take, tick

from deskapp.domain.errors import RuleViolation
from deskapp.services.customer import (
    WatchForm,
    customer_history,
    save_watch_entry,
    watch_for_customer,
    watch_list,
)
from deskapp.sync import sync

PHONE, ACCOUNT, OTHER_PHONE = "13912340000", "GZKD8812AB", "13700003333"


def _synced(term: Term, hall_url: str) -> None:
    result = sync(term.desk, hall_url)
    assert result.ok and result.quarantined == 0 and result.refused == 0, result.message


@pytest.mark.parametrize(
    ("listed", "accusing"),
    [
        # The entry under the phone; the accusation under the account (another contact phone).
        (PHONE, {"contact_phone": OTHER_PHONE, "service_number": ACCOUNT}),
        # The entry under the account; the accusation under the phone alone.
        (ACCOUNT, {"contact_phone": PHONE, "service_number": ""}),
    ],
    ids=["entry-phone-accused-account", "entry-account-accused-phone"],
)
def test_the_accused_manager_never_sees_the_entry_whichever_number_accuses(
    tmp_path: Path, hall_url: str, listed: str, accusing: dict[str, str]
) -> None:
    a = first_terminal(tmp_path / "a")
    try:
        _synced(a, hall_url)
        save_watch_entry(a.desk, a.actors["3001"], WatchForm(
            customer=listed, kind="difficult", advice="先听完再解释",
            review_on="2099-12-31"))  # fmt: skip
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
                        review_on="2099-12-31"))  # fmt: skip
                assert [e.key for e in refused.value.errors] == ["error.watch.recused"]
        finally:
            b.close()
    finally:
        a.close()
