"""延期申请 (deadline extension): a handler asks to move one of a ticket's clocks to a later
time, with a reason; a duty manager or above approves or refuses it with their PIN, never the
person who asked (四眼, as for refunds beyond the rule). An approved extension is that clock's
deadline while the same clock runs from the same start; timeliness then counts the ticket
apart (domain/indicators.py timeliness_split).

Pure: the service passes in the clock as it runs, the times, and the hall's horizon."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from deskapp.domain.deadlines import ClockKind
from deskapp.domain.errors import RuleViolation

# A promise is the customer's (a new one is made by contacting them, not by approval) and the
# care follow-ups are calendar dates agreed with them: neither is the desk's to move.
NOT_EXTENDABLE = frozenset({ClockKind.PROMISE, ClockKind.CARE_FOLLOW_UP})
REASON_LIMIT = 500


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"  # the ticket was closed while it waited: nothing left to extend


class Decision(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"


def check_extendable(kind: ClockKind) -> None:
    if kind in NOT_EXTENDABLE:
        raise RuleViolation.single("clock", "error.extension.not_extendable")


def check_new_due(
    new_due: datetime, current_due: datetime, now: datetime, max_ahead: timedelta
) -> None:
    """The new time lies after the clock's current deadline (an extension, not a shortening)
    and within the hall's horizon from now (data/hall.toml [followup] max_extension_days)."""
    if new_due <= current_due:
        raise RuleViolation.single("new_due", "error.extension.not_later")
    if new_due > now + max_ahead:
        raise RuleViolation.single("new_due", "error.extension.too_far", days=max_ahead.days)


def check_decidable(status: str) -> None:
    if status != ExtensionStatus.PENDING.value:
        raise RuleViolation.single("extension", "error.extension.decided")
