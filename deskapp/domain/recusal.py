"""当事人回避: a complaint about a staff member is never handled by that staff member."""

from __future__ import annotations

from deskapp.domain.errors import RuleViolation


def check_recusal(handler_id: str, accused_staff_id: str | None) -> None:
    if accused_staff_id is not None and accused_staff_id == handler_id:
        raise RuleViolation.single("accused_staff", "error.recusal.self")
