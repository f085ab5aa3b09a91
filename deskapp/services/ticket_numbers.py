"""The one issuer of ticket numbers (受理单号): every path that makes a ticket (intake, the
opinion book through intake, the import) takes its number here.

`HALL-TERMINAL-YYYYMMDD-NNNN` counts on from the terminal's daily counter, and never from below
a number of this terminal's prefix that day already in the store: after a restore from backup
the counter is older than the tickets that synchronization brings back (docs/unique-values.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.ticket_number import format_ticket_number, sequence_of
from deskapp.domain.timefmt import local_day
from deskapp.services.desk import Desk
from deskapp.store.models import Complaint, TicketCounter


class TicketNumbers:
    """Numbers for one transaction: each day's counter is read (and raised above the store's
    highest number) once, then counts on, so a batch of rows on one day costs one query."""

    def __init__(self, session: Session, desk: Desk) -> None:
        self.session = session
        self.desk = desk
        self.terminal = desk.terminal()
        self.counters: dict[str, TicketCounter] = {}
        self.keys: dict[date, str] = {}  # a day's counter key, formatted once

    def next(self, registered_at: datetime) -> str:
        day = local_day(registered_at, self.desk.tz)
        key = self.keys.get(day)
        if key is None:
            key = self.keys[day] = f"{day:%Y%m%d}"
        counter = self.counters.get(key)
        if counter is None:
            counter = self.counters[key] = self._counter(day)
        counter.last_seq += 1
        return self._format(day, counter.last_seq)

    def prepare(self, moments: Iterable[datetime]) -> None:
        """Read the counters of all the days of `moments` at once, each raised above the
        store's highest number of its day: a chunk of an import spanning many days costs two
        queries, not two a day (issue 22)."""
        have = {date(int(k[:4]), int(k[4:6]), int(k[6:])) for k in self.counters}
        days = sorted({local_day(m, self.desk.tz) for m in moments} - have)
        if not days:
            return
        keys = [f"{day:%Y%m%d}" for day in days]
        stored = {c.day: c for c in self.session.scalars(
            sa.select(TicketCounter).where(col(TicketCounter.day).in_(keys)))}  # fmt: skip
        prefixes = {self._format(day, 1)[:-4]: key for day, key in zip(days, keys, strict=True)}
        width = len(next(iter(prefixes)))  # one terminal's prefixes are all as long
        lo, hi = min(prefixes), max(prefixes) + "\uffff"
        head = sa.func.substr(col(Complaint.ticket_no), 1, width)
        issued = dict(self.session.execute(
            sa.select(head, sa.func.max(col(Complaint.ticket_no)))
            .where(col(Complaint.ticket_no) >= lo, col(Complaint.ticket_no) < hi)
            .group_by(head)
        ).tuples().all())  # fmt: skip
        for prefix, key in prefixes.items():
            counter = stored.get(key)
            if counter is None:
                counter = TicketCounter(day=key, last_seq=0)
                self.session.add(counter)
            highest = issued.get(prefix)
            counter.last_seq = max(counter.last_seq, sequence_of(highest) if highest else 0)
            self.counters[key] = counter

    def _format(self, day: date, seq: int) -> str:
        return format_ticket_number(self.terminal.hall_code, self.terminal.terminal_code, day, seq)

    def _counter(self, day: date) -> TicketCounter:
        key = f"{day:%Y%m%d}"
        counter = self.session.get(TicketCounter, key)
        if counter is None:
            counter = TicketCounter(day=key, last_seq=0)
            self.session.add(counter)
        prefix = self._format(day, 1)[:-4]
        issued = self.session.scalar(
            sa.select(sa.func.max(col(Complaint.ticket_no))).where(
                col(Complaint.ticket_no) >= prefix, col(Complaint.ticket_no) < prefix + "\uffff"
            )
        )
        counter.last_seq = max(counter.last_seq, sequence_of(issued) if issued else 0)
        return counter


def next_ticket_number(session: Session, desk: Desk, registered_at: datetime) -> str:
    """One number (intake: one ticket per transaction)."""
    return TicketNumbers(session, desk).next(registered_at)
