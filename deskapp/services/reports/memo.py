"""The replayed histories of tickets, kept (table `report_memo`) so that a report replays only
what changed since the last one (issue 22: the month's figures over 100,000 complaints).

A ticket's history depends on the moment the report is made only through its last stretch: a
ticket still being handled is so from its last event until now, with the deadline that event
left running. So that stretch is kept open-ended (its end written as "") and ends at the
report's `now` when read back; a closed ticket's stretches all end at its own events. A history
is kept with a stamp of everything the replay read: the ticket's row
(its last change, status and closing time), its events (how many, the latest one's time: events are
only ever added) and the rules (the reference data's files, the holiday package's version and
MEMO_VERSION, raised when the replay itself changes). A report uses a kept history only while
its stamp is the same; anything else (a ticket reopened, an event pulled from the hall, an
edited time limit, a store filled by an import) is replayed again and kept anew. The memo is
derived and local: never synchronized, and a failure to write it costs speed, never a figure.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from deskapp.domain.indicators import Stretch
from deskapp.domain.replay import CLOSED_STATES, History
from deskapp.services.desk import Desk
from deskapp.services.records import StoreUnavailable
from deskapp.store.failures import store_failures
from deskapp.store.models import Complaint, ComplaintEvent, ReportMemo

MEMO_VERSION = 2  # raise when deskapp/domain/replay.py judges a ticket differently
_CHUNK = 500


def memo_applies(row: object) -> bool:
    """Only a closed ticket's history is kept: an open one's runs on until now."""
    return (
        getattr(row, "status", None) in CLOSED_STATES
        and getattr(row, "closed_at", None) is not None
    )


@cache
def _rules_stamp(data_dir: Path) -> str:
    digest = hashlib.sha256(f"memo {MEMO_VERSION}".encode())
    for path in sorted(data_dir.rglob("*.toml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    with contextlib.suppress(metadata.PackageNotFoundError):
        digest.update(metadata.version("chinesecalendar").encode())
    return digest.hexdigest()[:16]


def rules_stamp(desk: Desk) -> str:
    return _rules_stamp(Path(desk.refdata.data_dir))


def memo_columns() -> tuple[tuple[Any, ...], tuple[Any, Any]]:
    """What the report reads beside each ticket's row, in the same pass: the ticket's stamp but
    the rules (`stamp_sql`), and its kept history (outer join)."""
    columns = (stamp_sql(), col(ReportMemo.stamp), col(ReportMemo.timely),
               col(ReportMemo.stretches))  # fmt: skip
    return columns, (ReportMemo, col(ReportMemo.complaint_id) == col(Complaint.id))


def stamp_sql() -> Any:
    """Everything the replay of a ticket read but the rules, made by SQLite beside its row: its
    last change, status and closing time as stored, its events' count and latest time (one
    look into the index on complaint id and time: events are never deleted, a new one raises
    the count). Parsing the times to make the stamp in Python was a sixth of the report."""

    of_ticket = col(ComplaintEvent.complaint_id) == col(Complaint.id)
    events = (
        sa.select(_joined(sa.func.count(), sa.func.max(col(ComplaintEvent.at))))
        .where(of_ticket)
        .scalar_subquery()
    )
    return _joined(col(Complaint.updated_at), col(Complaint.status), col(Complaint.closed_at),
                   events)  # fmt: skip


def _joined(*parts: Any) -> Any:
    """`parts` as their stored text ("" for NULL) joined by "|", in SQL."""
    out: Any = None
    for part in parts:
        text = sa.func.coalesce(sa.type_coerce(part, sa.String()), "")
        out = text if out is None else out.op("||")("|").op("||")(text)
    return sa.type_coerce(out, sa.String())


def kept_histories(
    desk: Desk, rows: Sequence[tuple[Any, tuple[Any, ...]]], now: datetime
) -> tuple[dict[str, str], dict[str, History]]:
    """Each ticket's stamp, and the kept histories whose stamp is still the ticket's, an
    open-ended last stretch ending at `now` (dropped if it would start at or after `now`, as
    the replay drops it). `rows` are `_load_rows_with(..., *memo_columns())`."""
    stamps: dict[str, str] = {}
    found: dict[str, History] = {}
    rules = rules_stamp(desk) + "|"  # once a report: asked per ticket it was a fifth of it
    for row, (ticket, stamp, timely, stretches) in rows:
        stamps[row.id] = now_stamp = rules + ticket
        if stamp == now_stamp:
            kept = _stretches(stretches, now)
            if kept is not None:
                found[row.id] = History(kept, timely)
    return stamps, found


def keep(desk: Desk, histories: Iterable[tuple[str, str, str, History]], now: datetime) -> None:
    """Keep (complaint id, status, stamp, history) as replayed at `now`; a store that refuses
    the write is logged and the report goes on (the histories are replayed again next time)."""
    values = []
    for cid, status, stamp, h in histories:
        stretches = _dump(h.stretches, status not in CLOSED_STATES, now)
        if stretches is not None:
            values.append(
                {"complaint_id": cid, "stamp": stamp, "timely": h.timely, "stretches": stretches}
            )
    if not values:
        return
    try:
        with store_failures(), desk.engine.begin() as conn:
            for i in range(0, len(values), _CHUNK):
                stmt = sqlite_insert(ReportMemo).values(values[i : i + _CHUNK])
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=[col(ReportMemo.complaint_id)],
                    set_={"stamp": stmt.excluded.stamp, "timely": stmt.excluded.timely,
                          "stretches": stmt.excluded.stretches},
                ))  # fmt: skip
    except (StoreUnavailable, sa.exc.OperationalError):
        logging.getLogger("deskapp.reports").warning("report memo not written", exc_info=True)


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat()


def _dump(stretches: Sequence[Stretch], handled: bool, now: datetime) -> str | None:
    """The stretches as JSON, a ticket still being handled with its last one open-ended; None
    (not kept) when such a ticket has no stretch running at `now` (an event dated later)."""
    rows = [[_iso(s.start), _iso(s.end), _iso(s.deadline)] for s in stretches]
    if handled:
        if not stretches or stretches[-1].end != now:
            return None
        rows[-1][1] = ""
    return json.dumps(rows)


def _at(text: str) -> datetime | None:
    return datetime.fromisoformat(text + "+00:00") if text else None  # (as queries._utc)


def _stretches(text: str, now: datetime) -> tuple[Stretch, ...] | None:
    """The kept stretches (`_dump`'s JSON), None if they do not read (replayed instead). The
    text is split where `json.dumps` put its separators (ISO times hold neither quotes nor
    commas): json.loads was most of reading a month's memo back; anything else is parsed."""
    try:
        if text == "[]":
            return ()
        rows = None
        if text.startswith('[["') and text.endswith('"]]'):
            rows = [part.split('", "') for part in text[3:-3].split('"], ["')]
            if any(len(row) != 3 for row in rows):
                rows = None  # (written otherwise)
        if rows is None:
            rows = json.loads(text)
        out = []
        for start, end, deadline in rows:
            begins = _at(start)
            if begins is None:
                return None
            if end:
                out.append(Stretch(begins, _at(end) or begins, _at(deadline)))
            elif begins < now:
                out.append(Stretch(begins, now, _at(deadline)))
        return tuple(out)
    except (ValueError, TypeError):
        return None
