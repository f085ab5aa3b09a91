"""Field rules of intake that need no database: lengths, times, required values."""

from __future__ import annotations

from datetime import datetime, timedelta

from deskapp.domain.clean_input import check_clean
from deskapp.domain.errors import FieldError


def check_text(
    field: str, value: str, *, required: bool, max_len: int, multiline: bool = False
) -> FieldError | None:
    """Required, within its length, and storable (deskapp/domain/clean_input.py): a one-line
    field refuses every control character, a multi-line one keeps its line breaks."""
    if required and not value.strip():
        return FieldError(field, "error.required")
    if len(value) > max_len:
        return FieldError(field, "error.text.too_long", {"max": max_len, "length": len(value)})
    return check_clean(field, value, multiline=multiline)


def check_received_at(
    received_at: datetime, now: datetime, max_age: timedelta, field: str = "received_at"
) -> FieldError | None:
    """Never in the future (a minute's grace for clock drift), never absurdly old."""
    if received_at > now + timedelta(minutes=1):
        return FieldError(field, "error.time.future")
    if received_at < now - max_age:
        return FieldError(field, "error.time.too_old", {"days": max_age.days})
    return None


def check_promised_at(
    promised_at: datetime, now: datetime, max_ahead: timedelta, field: str = "promised_reply_at"
) -> FieldError | None:
    """A promise to call back lies ahead of now and within a sane horizon."""
    if promised_at <= now:
        return FieldError(field, "error.time.promise_past")
    if promised_at > now + max_ahead:
        return FieldError(field, "error.time.promise_too_far", {"days": max_ahead.days})
    return None
