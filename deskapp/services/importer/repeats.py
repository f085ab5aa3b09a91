"""重复投诉 across the store and the import being written."""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.repeat import same_matter
from deskapp.services.importer.rows import ParsedRow
from deskapp.store.models import Complaint


class _Repeats:
    """重复投诉 across the store and this import: the latest earlier complaint from the same
    contact phone about the same matter (domain/repeat.py's `same_matter`) within the look-back
    window (as intake's `find_repeat_candidates`)."""

    def __init__(self, window_days: int) -> None:
        self.window = timedelta(days=window_days)
        self.seen: dict[str, list[tuple[datetime, str, str, str]]] = {}

    def load(self, session: sa.orm.Session, rows: list[ParsedRow]) -> None:
        phones = sorted({r.contact_phone for r in rows} - set(self.seen))
        if not phones:
            return
        lo = min(r.received_at for r in rows) - self.window
        hi = max(r.received_at for r in rows)
        for phone in phones:
            self.seen[phone] = []
        for i in range(0, len(phones), 500):
            found = session.execute(
                sa.select(col(Complaint.contact_phone), col(Complaint.received_at),
                          col(Complaint.id), col(Complaint.ticket_no), col(Complaint.cause_code))
                .where(col(Complaint.contact_phone).in_(phones[i : i + 500]),
                       col(Complaint.received_at) >= lo, col(Complaint.received_at) <= hi)
            )  # fmt: skip
            for phone, at, cid, ticket, cause in found:
                self.seen[phone].append((at, cid, ticket, cause))
        # Only the phones loaded now: the others' entries are in order already (`add` keeps
        # them so), and sorting every phone seen at each chunk grew with the file (issue 22).
        for phone in phones:
            self.seen[phone].sort()

    def earlier(self, row: ParsedRow) -> tuple[str, str] | None:
        entries = self.seen.get(row.contact_phone, [])
        i = bisect_right(entries, (row.received_at, "\uffff", "", ""))
        while i > 0:
            at, cid, ticket, cause = entries[i - 1]
            if at < row.received_at - self.window:
                return None
            if cid != row.id and same_matter(cause, row.cause.code):
                return cid, ticket
            i -= 1
        return None

    def add(self, row: ParsedRow, ticket: str) -> None:
        entries = self.seen.setdefault(row.contact_phone, [])
        entry = (row.received_at, row.id, ticket, row.cause.code)
        entries.insert(bisect_right(entries, entry), entry)
