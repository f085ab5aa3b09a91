"""重点客户名单 (B类 / 疑难 / 敏感客户): the watch list's rules that need no database.

The hall explains and solves reasonable requests and does not accept harassment or excessive
compensation demands (两解、两不理); the entry says which is which, whom to call and when to
look at it again. A staff member a customer complained about (the accused of a recused
complaint, 当事人回避) never sees that customer's entry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from deskapp.domain.errors import FieldError


class WatchKind(StrEnum):
    B_CLASS = "b_class"  # B类客户
    DIFFICULT = "difficult"  # 疑难客户
    SENSITIVE = "sensitive"  # 敏感客户


def marks_difficult(kind: str) -> bool:
    """A complaint of a customer the list holds as B类 or 疑难 is a B类/疑难客户 complaint (the
    intake box of that name, counted by the 疑难 filter and the figures); 敏感 is not."""
    return kind in (WatchKind.B_CLASS, WatchKind.DIFFICULT)


# A review date lies ahead, and at most a year: an entry is looked at again at least once a
# year (a date far off, 9999-12-31, kept it from ever being flagged). The example the field
# shows (and its format error) is a quarter ahead.
REVIEW_EXAMPLE = timedelta(days=90)


def review_latest(today: date) -> date:
    """The latest review date that may be set today: the same day a year on (29 Feb: 28)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def review_example(today: date) -> str:
    return (today + REVIEW_EXAMPLE).isoformat()


def check_review_on(text: str, today: date, kept: str | None = None) -> date | FieldError:
    """The review date typed (YYYY-MM-DD), or why not, said at its field: required, its format
    (with the field's example), not before today unless it is the entry's stored date `kept`
    (an entry past its review is retired or edited without a new one), at most a year ahead
    (`review_latest`), a stored date beyond that included."""
    if not text.strip():
        return FieldError("review_on", "error.required")
    try:
        review = date.fromisoformat(text.strip())
    except ValueError:
        example = review_example(today)
        return FieldError("review_on", "error.watch.review_date", {"example": example})
    if review < today and review.isoformat() != kept:
        return FieldError("review_on", "error.watch.review_past")
    latest = review_latest(today)
    if review > latest:
        return FieldError("review_on", "error.watch.review_late", {"latest": latest.isoformat()})
    return review


def review_due(review_on: date, today: date) -> bool:
    """An entry whose review date has come (or passed) is flagged on the managers' list."""
    return review_on <= today


# 当事人回避 follows the customer, not the number typed: a complaint names a contact phone and
# a service number, and the customer's complaints that name two numbers link them, so an
# accusation filed under the customer's other number still hides the entry. A few hops (the
# phone, its service number, that number's other contact phone...); a number shared by many
# customers (a hall's phone typed for walk-ins) would join them all, so the walk stops once
# LINK_LIMIT numbers more than it started with are found (per customer or number it starts
# from). The terminal (services/customer.py) and the hall store's fetch of a watched
# customer's complaints (sync/hall.py) walk the same.
LINK_ROUNDS = 3
LINK_LIMIT = 100


def watch_hidden_from(
    actor_id: str, accused_staff_ids: Iterable[str | None], on_form: str | None = None
) -> bool:
    """当事人回避 on the watch list: hidden from the staff member any of this customer's
    complaints accuses (the entry's notes are about the customer's dispute with them).
    `on_form`: the accused staff member of the complaint being taken (intake's form, not
    stored yet): a handler who is the accused there does not see the entry either."""
    return actor_id == on_form or actor_id in set(accused_staff_ids)
