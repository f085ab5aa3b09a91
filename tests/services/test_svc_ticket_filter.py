"""筛选 (issue 16): F4's queue and F3's search narrowed by severity, the escalation level
reached, a flag (hidden risk, claimed escalation, media, internal) and channel, on a real store.
The hall below: five open tickets of one handler, each with one thing that sets it apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Channel, Severity
from deskapp.domain.errors import RuleViolation
from deskapp.services import followup
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.services.queue import Scope, queue_counts, queue_page
from deskapp.services.search import search
from deskapp.services.staff import actor_of, list_staff
from deskapp.services.ticket_filter import NO_FILTER, Flag, TicketFilter, read_filter


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


@pytest.fixture
def me(desk: Desk) -> Actor:
    return next(actor_of(s) for s in list_staff(desk) if s.work_no == "1001")


@pytest.fixture
def hall(desk: Desk, me: Actor) -> dict[str, str]:
    def take(name: str, phone: str, **extra: Any) -> str:
        form = valid_form(desk, customer_name=name, contact_phone=phone, **extra)
        return take_complaint(desk, me, form).id

    tickets = {
        "plain": take("王先生", "13900000001"),
        "risk": take("赵女士", "13900000002", hidden_risk=True),
        "claimed": take("钱先生", "13900000003", claimed_to="media", severity="major"),
        "media": take("孙女士", "13900000004", channel=Channel.MEDIA.value, severity="major"),
        "internal": take("李先生", "13900000005", internal=True),
    }
    followup.escalate(desk, me, tickets["media"], note="上报值班经理")
    return tickets


def names(desk: Desk, me: Actor, filters: TicketFilter, scope: Scope = Scope.MINE) -> set[str]:
    return {r.customer_name for r in queue_page(desk, me, scope, 0, 50, filters).rows}


@pytest.mark.parametrize("scope", [Scope.MINE, Scope.HALL])
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (NO_FILTER, {"王先生", "赵女士", "钱先生", "孙女士", "李先生"}),
        (TicketFilter(severity=Severity.MAJOR), {"钱先生", "孙女士"}),
        (TicketFilter(level=1), {"孙女士"}),  # escalated to the duty manager
        (TicketFilter(level=0), {"王先生", "赵女士", "钱先生", "李先生"}),
        (TicketFilter(flag=Flag.HIDDEN_RISK), {"赵女士", "钱先生"}),  # a claim is a risk too
        (TicketFilter(flag=Flag.CLAIMED), {"钱先生"}),
        (TicketFilter(flag=Flag.MEDIA), {"钱先生", "孙女士"}),  # by claim or by channel
        (TicketFilter(flag=Flag.INTERNAL), {"李先生"}),
        (TicketFilter(channel=Channel.MEDIA), {"孙女士"}),
        (TicketFilter(severity=Severity.MAJOR, flag=Flag.CLAIMED), {"钱先生"}),  # all hold
        (TicketFilter(severity=Severity.SERIOUS), set()),
    ],
)
def test_the_queue_keeps_only_the_tickets_the_filter_names(
    desk: Desk, me: Actor, hall: dict[str, str], scope: Scope, filters: TicketFilter,
    expected: set[str],
) -> None:  # fmt: skip
    assert names(desk, me, filters, scope) == expected
    total, _ = queue_counts(desk, me, scope, desk.clock.now(), filters)
    assert total == len(expected)  # the heading counts what is shown


def test_search_keeps_only_the_tickets_the_filter_names(
    desk: Desk, me: Actor, hall: dict[str, str]
) -> None:
    """The recent list, a text query (every hit asked for under a filter, not only the newest
    page) and a last-four query, each narrowed."""
    risk = TicketFilter(flag=Flag.HIDDEN_RISK)
    assert {r.customer_name for r in search(desk, "", filters=risk).rows} == {"赵女士", "钱先生"}
    texts = search(desk, "信号", limit=1, filters=TicketFilter(flag=Flag.INTERNAL))
    assert [r.customer_name for r in texts.rows] == ["李先生"] and not texts.has_more
    assert search(desk, "0002", filters=TicketFilter(severity=Severity.MAJOR)).rows == []
    assert len(search(desk, "0002", filters=NO_FILTER).rows) == 1


def test_the_dialogs_choices_are_read_or_refused_at_their_field() -> None:
    chosen = read_filter({"severity": "major", "level": "2", "flag": "media", "channel": ""}, 5)
    assert chosen == TicketFilter(severity=Severity.MAJOR, level=2, flag=Flag.MEDIA)
    assert read_filter({"severity": None, "level": None}, 5) == NO_FILTER
    assert not NO_FILTER.active and chosen.active
    wrong = [({"level": "5"}, "level"), ({"flag": "vip"}, "flag"),
             ({"severity": "huge"}, "severity"), ({"level": "²"}, "level")]  # fmt: skip
    for values, field in wrong:
        with pytest.raises(RuleViolation) as refused:
            read_filter(values, 5)
        assert refused.value.errors[0].field == field
