"""`deskapp init`: give this store its terminal identity (hall, terminal, time zone)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.ticket_number import CODE
from deskapp.ids import uuid7
from deskapp.services.desk import Desk
from deskapp.store.models import Terminal


def init_terminal(desk: Desk, hall_code: str, terminal_code: str, timezone: str) -> Terminal:
    errors: list[FieldError] = []
    hall_code, terminal_code = hall_code.strip().upper(), terminal_code.strip().upper()
    if not CODE.fullmatch(hall_code):
        errors.append(FieldError("hall_code", "error.code.format"))
    if not CODE.fullmatch(terminal_code):
        errors.append(FieldError("terminal_code", "error.code.format"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(FieldError("timezone", "error.timezone.unknown", {"tz": timezone}))
    if errors:
        raise RuleViolation(errors)
    if desk.is_initialised():
        raise RuleViolation.single("terminal_code", "error.terminal.already_initialised")
    terminal = Terminal(
        node_id=uuid7(),
        hall_code=hall_code,
        terminal_code=terminal_code,
        timezone=timezone,
        created_at=desk.clock.now(),
    )
    with desk.sessions() as session:
        session.add(terminal)
        session.commit()
    return terminal
