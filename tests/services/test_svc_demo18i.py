"""Issue 18 (the attack on words18): the demo contradicted itself. Ticket 0012
"营业员办理业务时不耐烦" was filed under 网络质量 › 覆盖 › 室内无信号 and linked as a repeat of
0007 "地下车库没有信号"
(two demo customers shared a number and every fixed ticket took the first cause of the tree);
the watch list's number had tickets under 胡先生, 马女士 and 张女士. Now each ticket's cause fits
its words, a repeat is the same customer about the same matter, one number is one customer."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from deskapp.services.demo import build_demo
from deskapp.services.desk import Desk
from deskapp.store.models import Complaint, WatchEntry

# Words of a ticket's content and the category (the cause's first level) they belong to.
WORDS = {"营业员办理业务": "HALL", "排队": "HALL", "宽带": "NET", "信号": "NET", "掉线": "NET",
         "漫游": "BILLINFO", "信息服务费": "BILLINFO", "通话时长": "BILLINFO",
         "赠送话费": "PROMO", "缴费": "PAYMENT", "停机": "PAYMENT", "彩铃": "NEWBIZ",
         "退订": "NEWBIZ", "宣传单": "PUBLICITY", "套餐资费": "TARIFF"}  # fmt: skip


@pytest.fixture(scope="module")
def tickets(tmp_path_factory: pytest.TempPathFactory) -> list[Complaint]:
    path = Path(tmp_path_factory.mktemp("demo")) / "demo.db"
    build_demo(path, now=datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    desk = Desk.open(path)
    try:
        with desk.read() as session:
            rows = list(session.scalars(sa.select(Complaint).order_by(Complaint.ticket_no)))
            session.expunge_all()
            watched = session.scalars(sa.select(WatchEntry)).all()
            assert watched
        return rows
    finally:
        desk.close()


def test_each_ticket_s_cause_fits_its_words(tickets: list[Complaint]) -> None:
    wrong = []
    for c in tickets:
        for word, root in WORDS.items():
            if c.content.startswith(word) or (word in c.content and root != "NET"):
                if not c.cause_code.startswith(root + "."):
                    wrong.append((c.ticket_no, c.content, c.cause_code))
                break
    assert wrong == []
    rude = [c for c in tickets if "不耐烦" in c.content]
    assert rude and all(c.cause_code.startswith("HALL.ATTITUDE.") for c in rude)


def test_a_repeat_is_the_same_customer_about_the_same_matter(tickets: list[Complaint]) -> None:
    by_id = {c.id: c for c in tickets}
    repeats = [(c, by_id[c.repeat_of_id]) for c in tickets if c.repeat_of_id]
    assert repeats  # (卫先生's three visits about his home's signal at least)
    for later, earlier in repeats:
        assert later.contact_phone == earlier.contact_phone
        assert later.customer_name == earlier.customer_name
        assert later.cause_code.split(".")[0] == earlier.cause_code.split(".")[0]
    assert not any("不耐烦" in a.content and "车库" in b.content for a, b in repeats)


def test_one_number_is_one_customer(tickets: list[Complaint]) -> None:
    names: dict[str, set[str]] = defaultdict(set)
    for c in tickets:
        if not c.internal:
            names[c.contact_phone].add(c.customer_name)
    assert {phone: n for phone, n in names.items() if len(n) > 1} == {}
