"""重复投诉: the same customer about the same matter within the look-back window.

The same customer: the same contact phone or the same service number. The same matter: the
same service-process category (the first level of the cause tree), unless the handler links
the two by hand. A billing complaint followed by a waiting-time complaint is not a repeat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from deskapp.domain.errors import FieldError
from deskapp.domain.intake_rules import check_text

UNLINK_REASON_MAX = 500


def repeat_window_start(received_at: datetime, window_days: int) -> datetime:
    return received_at - timedelta(days=window_days)


def is_within_repeat_window(
    earlier_received_at: datetime, received_at: datetime, window_days: int
) -> bool:
    return repeat_window_start(received_at, window_days) <= earlier_received_at <= received_at


def matter_of(cause_code: str) -> str:
    """The matter of a cause: its service-process category, the first segment of its code
    (NET.COVER.INDOOR → NET; data/categories.toml writes one segment per level)."""
    return cause_code.split(".", 1)[0]


def same_matter(earlier_cause_code: str, cause_code: str) -> bool:
    return bool(cause_code) and matter_of(earlier_cause_code) == matter_of(cause_code)


@dataclass(frozen=True)
class Earlier:
    """An earlier complaint of the same customer within the window, as the rule sees it."""

    id: str
    received_at: datetime
    cause_code: str


def repeat_of(earlier: Sequence[Earlier], cause_code: str) -> Earlier | None:
    """The complaint a new one repeats without the handler choosing: the newest earlier one
    of the same customer about the same matter (`earlier` is already within the window)."""
    matching = [e for e in earlier if same_matter(e.cause_code, cause_code)]
    return max(matching, key=lambda e: e.received_at) if matching else None


def check_unlink_reason(reason: str) -> FieldError | None:
    """Unlinking a repeat the rule found (the handler judges it another matter) needs a reason:
    the hall's repeat figure must not shrink unexplained."""
    if not reason.strip():
        return FieldError("repeat_unlink_reason", "error.repeat.reason_required")
    return check_text("repeat_unlink_reason", reason, required=True, max_len=UNLINK_REASON_MAX)
