"""Ticket numbers for people: hall code, terminal code, local date, daily sequence.

`GZ01-T03-20261124-0007` is unique without coordination because each terminal owns its
(hall, terminal) prefix and numbers its own day."""

from __future__ import annotations

import re
from datetime import date

CODE = re.compile(r"[A-Z0-9]{2,8}")
TICKET = re.compile(
    r"(?P<hall>[A-Z0-9]{2,8})-(?P<terminal>[A-Z0-9]{2,8})-(?P<day>\d{8})-(?P<seq>\d{4,})"
)


def format_ticket_number(hall: str, terminal: str, day: date, seq: int) -> str:
    if not CODE.fullmatch(hall) or not CODE.fullmatch(terminal):
        raise ValueError("hall and terminal codes are 2–8 uppercase letters or digits")
    if seq < 1:
        raise ValueError("sequence starts at 1")
    return f"{hall}-{terminal}-{day:%Y%m%d}-{seq:04d}"


def looks_like_ticket_number(text: str) -> bool:
    """True for a whole number or a recognisable part of one (search box routing)."""
    t = text.strip().upper()
    return bool(TICKET.fullmatch(t)) or bool(re.fullmatch(r"[A-Z0-9]{2,8}-[A-Z0-9-]+", t))


def sequence_of(ticket_no: str) -> int:
    """The daily sequence of a number, also of one that lost a collision and is stored as
    `NUMBER~id` (deskapp/sync/unique.py)."""
    return int(ticket_no.split("~", 1)[0].rsplit("-", 1)[1])
