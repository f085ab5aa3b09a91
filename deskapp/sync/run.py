"""One synchronization run of a terminal with its hall store: handshake, push, pull.

The order of every step is what makes a crash at any point harmless (docs/architecture.md,
Synchronization):

* push: the hall applies a batch (whole transactions, deduped on (node_id, seq)) and records
  the terminal's high-water mark in one transaction; only after that commit are the rows
  marked acknowledged here. The next push starts from the hall's mark, not from ours, so a
  lost acknowledgement only means a harmless resend.
* pull: a batch is applied and the cursor advanced in one local transaction. The cursor is
  never saved ahead of the data it covers.
* remote stamps move this terminal's hybrid logical clock forward (`receive`); a stamp too far
  ahead of this clock is kept aside (sync_quarantine), not adopted, and reported."""

from __future__ import annotations

import bisect
import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from deskapp.collector import collector_paused
from deskapp.domain.hlc import MAX_FORWARD_DRIFT_MS, ClockDriftError, Stamp, receive
from deskapp.domain.phone import number_case
from deskapp.i18n import t
from deskapp.ids import uuid7
from deskapp.store.changelog import WriteMode, set_write_mode
from deskapp.store.failures import StoreUnavailable, failure_key, store_failures
from deskapp.store.models import (
    RECORD_TABLES,
    SCHEMA_VERSION,
    ChangeLog,
    PullMark,
    SyncConflict,
    SyncQuarantine,
    SyncRun,
    SyncState,
    Terminal,
)
from deskapp.sync.batch import DEFAULT_BATCH
from deskapp.sync.hall import (
    ROOT_FIELD,
    HallConflict,
    HallRow,
    HallStore,
    HallStoreError,
    fault_point,
    hall_file,
    redact,
    root_of,
)
from deskapp.sync.hall_errors import change_stamp, check_same_identity
from deskapp.sync.hall_rows import chunks
from deskapp.sync.local import LocalStore
from deskapp.sync.merge import Applied, apply_rows, applying, store_conflicts
from deskapp.sync.validate import check_pull, check_rows

log = logging.getLogger("deskapp.sync")

DEFAULT_WINDOW_DAYS = 90  # history a new terminal takes besides every open ticket
BOOTSTRAP_ROOTS = 200  # records per bootstrap transaction


class SyncOutcome(StrEnum):
    OK = "ok"
    MUST_UPDATE = "must_update"  # this terminal is too old for the hall store: keep working
    UNREACHABLE = "unreachable"  # no hall store (or the connection was cut): retry later
    BUSY_LOCAL = "busy_local"  # this terminal's own store stayed busy past the wait: retry
    BAD_HALL = "bad_hall"  # what was given as the hall is not one (own store, other file)
    HALL_FAULT = "hall_fault"  # the hall store is there but refuses (read-only, full, damaged)
    ERROR = "error"


# What was given as the hall is not one: a bad argument, said as such (the CLI's exit 2).
BAD_HALL_KEYS = frozenset(
    {
        "sync.error.own_store",
        "sync.error.not_a_hall",
        "sync.error.hall_is_dir",
        "sync.error.bad_url",
        "sync.error.no_hall_store",
        "sync.error.other_hall",
        "sync.error.no_database",
        "sync.error.no_schema",
    }
)


class MustUpdate(Exception):
    pass


class LocalStoreBusy(Exception):
    """This terminal's own store stayed locked by another local writer past the busy
    timeout (a long import, a second desk of `deskapp serve`): nothing of the step was
    written; the next run does it."""


class MissingRecords(RuntimeError):
    """Pulled changes refer to records the hall store does not have."""


@dataclass
class SyncResult:
    outcome: SyncOutcome = SyncOutcome.OK
    pushed: int = 0  # own changes the hall acknowledged in this run
    pulled: int = 0  # other terminals' changes received
    applied: int = 0  # records written here by the merge
    conflicts: int = 0  # new conflict records
    quarantined: int = 0  # changes kept aside (stamped too far ahead, or refused here)
    refused: int = 0  # of which: changes the store refused (sync_quarantine.reason)
    released: int = 0  # earlier quarantined changes applied now
    still_held: int = 0  # changes kept aside after this run (this run's and earlier ones)
    skew_ms: int | None = None  # this terminal's clock minus the hall's (ahead: positive)
    duration_ms: int = 0
    bootstrapped: bool = False
    error: str = ""
    store_key: str = ""  # error.store.*: this terminal's own store refused (busy, read-only, full)

    @property
    def ok(self) -> bool:
        return self.outcome is SyncOutcome.OK

    @property
    def message(self) -> str:
        """What the handler reads, in the catalogue's language."""
        if self.outcome is SyncOutcome.MUST_UPDATE:
            return t("sync.must_update")
        if self.outcome is SyncOutcome.UNREACHABLE:
            return t("sync.unreachable")
        if self.outcome is SyncOutcome.BUSY_LOCAL:
            return t("sync.busy_local")
        if self.outcome is SyncOutcome.ERROR:
            return t("sync.failed", error=self.error)
        if self.outcome in (SyncOutcome.BAD_HALL, SyncOutcome.HALL_FAULT):
            return self.error
        parts = [t("sync.done", pushed=self.pushed, pulled=self.pulled)]
        if self.bootstrapped:
            parts.append(t("sync.bootstrapped"))
        if self.conflicts:
            parts.append(t("sync.conflicts", count=self.conflicts))
        if self.quarantined - self.refused:
            parts.append(t("sync.quarantined", count=self.quarantined - self.refused))
        if self.refused:
            parts.append(t("sync.refused", count=self.refused))
        if self.released:
            parts.append(t("sync.released", count=self.released))
        if self.still_held > self.quarantined:  # some kept from earlier runs: say the total
            parts.append(t("sync.still_held", count=self.still_held))
        if self.skew_ms is not None and abs(self.skew_ms) > MAX_FORWARD_DRIFT_MS:
            parts.append(t("sync.clock_skew", minutes=round(self.skew_ms / 60000)))
        return ";".join(parts)


# --------------------------------------------------------------------------- local helpers


@contextmanager
def _local_txn(desk: LocalStore) -> Iterator[sa.Connection]:
    """One local transaction of a sync that writes: it takes the write lock up front (BEGIN
    IMMEDIATE). A deferred one that reads first and writes after fails at once with
    "database is locked" when another local writer committed in between (SQLite cannot
    upgrade a stale read snapshot, and does not wait); IMMEDIATE waits the busy timeout
    instead. A store still busy after the wait is LocalStoreBusy, not a hall fault."""
    with store_failures():  # read-only, full, failing: the local store's, said as such
        try:
            with desk.engine.connect() as conn:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        except sa.exc.OperationalError as error:
            if "database is locked" in str(error):
                raise LocalStoreBusy(str(error.orig)[:200]) from error
            raise


@contextmanager
def _local_write(desk: LocalStore) -> Iterator[sa.Connection]:
    """A local transaction that applies pulled (already logged) changes."""
    with _local_txn(desk) as conn, applying(conn):
        yield conn


def _state(desk: LocalStore, hall_id: str) -> SyncState:
    query = sa.select(SyncState).where(col(SyncState.hall_id) == hall_id)
    with desk.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        with _local_txn(desk) as conn:
            conn.execute(sqlite_insert(SyncState).values(hall_id=hall_id).on_conflict_do_nothing())
            row = conn.execute(query).one()
    return SyncState(**row._asdict())


def _joined_hall(desk: LocalStore) -> str | None:
    with desk.engine.connect() as conn:  # (not desk.terminal(): that one is cached)
        return conn.execute(sa.select(col(Terminal.joined_hall_id))).scalar()


def _join(desk: LocalStore, hall_id: str, node_id: str) -> None:
    """Make `hall_id` this terminal's hall store: from now on a change is acknowledged (not
    waiting) when that hall holds it, whatever another hall store holds."""
    with _local_txn(desk) as conn:
        held = conn.execute(
            sa.select(col(SyncState.acked_seq)).where(col(SyncState.hall_id) == hall_id)
        ).scalar_one()
        conn.execute(sa.update(Terminal).values(joined_hall_id=hall_id))
        own = col(ChangeLog.node_id) == node_id
        conn.execute(
            sa.update(ChangeLog)
            .where(own, col(ChangeLog.seq) > held, col(ChangeLog.acked_at).is_not(None))
            .values(acked_at=None)
        )
        conn.execute(
            sa.update(ChangeLog)
            .where(own, col(ChangeLog.seq) <= held, col(ChangeLog.acked_at).is_(None))
            .values(acked_at=desk.clock.now())
        )
    log.info("joined the hall store %s", hall_id)


def _now_ms(desk: LocalStore) -> int:
    return int(desk.clock.now().timestamp() * 1000)


# ------------------------------------------------------------------------------ the run


def sync(
    desk: LocalStore,
    hall: str | HallStore,
    *,
    batch_size: int = DEFAULT_BATCH,
    window_days: int = DEFAULT_WINDOW_DAYS,
    new_hall: bool = False,
    join: bool = False,
) -> SyncResult:
    """Push this terminal's changes to the hall store, pull everyone else's. Never raises for
    a store that cannot be reached: the result says what happened, and the run is logged.

    Only the hall store this terminal joined is synchronized with (its first sync joins one).
    `new_hall`: start a hall store at `hall` if there is none there (and join it); without it
    an address with no hall store is refused, so a mistyped path never starts one. `join`:
    make this existing hall store the terminal's own in place of the one it had joined."""
    started = time.perf_counter()
    started_at = desk.clock.now()
    result = SyncResult()
    hall_id = None
    store = hall if isinstance(hall, HallStore) else None
    where = store.url if store else redact(str(hall))  # the run log never keeps a password
    create = new_hall
    try:
        if store is None:
            own = Path(str(desk.engine.url.database or "")).expanduser().resolve()
            if hall_file(str(hall)) == own:
                raise HallStoreError("sync.error.own_store", path=str(own))
            # --new-hall starts a hall only for a terminal that has joined none (or with
            # --join): a joined terminal is never moved to another hall by it
            create = new_hall and (join or _joined_hall(desk) is None)
            store = HallStore.open(str(hall), create=create)
            where = store.url
        with collector_paused():
            hall_id = _run(desk, store, result, batch_size, window_days, join)
    except MustUpdate:
        result.outcome = SyncOutcome.MUST_UPDATE
    except HallStoreError as error:
        if new_hall and not create and error.key == "sync.error.no_hall_store":
            error = HallStoreError("sync.error.other_hall", path=where)  # (see create)
        if error.key in ("sync.error.hall_too_new", ""):
            result.outcome = SyncOutcome.MUST_UPDATE
        elif error.key in BAD_HALL_KEYS:
            result.outcome = SyncOutcome.BAD_HALL
            result.error = t(error.key, **error.params)
            log.warning("refused as a hall store: %s", result.error)
        else:
            result.outcome = SyncOutcome.ERROR
            result.error = t(error.key, **error.params)
    except LocalStoreBusy as error:
        result.outcome = SyncOutcome.BUSY_LOCAL
        result.error = str(error)
        log.warning("this terminal's store stayed busy, sync to be retried: %s", result.error)
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
        # A hall store that cannot be reached, or a connection cut mid-run: retry later.
        # (A SQLite hall file locked by another terminal past its wait is a hall fault too.)
        # The local store's own faults were raised as StoreUnavailable by now (_local_txn).
        detail = str(getattr(error, "orig", None) or error)[:500]
        fault = (
            "sync.error.hall_busy" if _hall_busy(error) else _hall_fault(error, hall_file(where))
        )
        if _no_database(error):  # a mistyped database name: no hall store there (a typo)
            result.outcome = SyncOutcome.BAD_HALL
            result.error = t("sync.error.no_database", path=where)
            log.warning("refused as a hall store: %s", detail)
        elif fault:
            result.outcome = SyncOutcome.HALL_FAULT
            result.error = t(fault, hall=where, detail=detail)
            log.warning("hall store refused (%s): %s", fault, detail)
        else:
            result.outcome = SyncOutcome.UNREACHABLE
            result.error = detail
            log.warning("hall store unreachable: %s", result.error)
    except StoreUnavailable as error:  # the local store, not the hall: said as such
        log.warning("synchronization stopped: the local store refused (%s)", error.key)
        result.outcome = SyncOutcome.ERROR
        result.error = t(error.key)
        result.store_key = error.key
    except sa.exc.ProgrammingError as error:
        if not _no_schema(error):
            log.exception("synchronization failed")
            result.outcome = SyncOutcome.ERROR
            result.error = f"{type(error).__name__}: {error}"[:500]
        else:  # the URL's search_path names a schema PostgreSQL does not have
            result.outcome = SyncOutcome.BAD_HALL
            result.error = t("sync.error.no_schema", path=where)
            log.warning("refused as a hall store: %s", str(error.orig)[:200])
    except Exception as error:  # logged and shown; the desk keeps working offline
        log.exception("synchronization failed")
        result.outcome = SyncOutcome.ERROR
        result.error = f"{type(error).__name__}: {error}"[:500]
    finally:
        if store is not None and not isinstance(hall, HallStore):
            store.close()
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    _log_run(desk, where, started_at, result, hall_id if result.ok else None)
    return result


_HALL_FAULTS = {
    "error.store.full": "sync.error.hall_full",
    "error.store.readonly": "sync.error.hall_readonly",
    "error.store.io": "sync.error.hall_damaged",
    # a SQLite hall file (local: hall_engine made its folder) that cannot be opened for
    # writing: a read-only file or folder, as the WAL's files cannot be made beside it
    "error.store.cannot_open": "sync.error.hall_readonly",
}
_HALL_DAMAGED = ("no such table", "no such column", "file is not a database", "malformed")


def _hall_fault(error: BaseException, hall_path: Path | None) -> str | None:
    """The words for a hall store that is there but refuses the run (full, read-only,
    damaged or missing its tables), or None for one that cannot be reached (retried as such)."""
    key = _HALL_FAULTS.get(failure_key(error) or "")
    if key and hall_path is not None and _no_room(hall_path):
        # SQLite answers a full disk under its WAL index as "disk I/O error": ask the disk
        return "sync.error.hall_full"
    if key:
        return key
    text = str(getattr(error, "orig", None) or error).lower()
    return "sync.error.hall_damaged" if any(n in text for n in _HALL_DAMAGED) else None


def _sqlstate(error: BaseException) -> str:
    return str(getattr(getattr(error, "orig", None), "sqlstate", None) or "")


def _hall_busy(error: BaseException) -> bool:
    """The hall store held by another session past the wait: a SQLite hall file locked, or
    PostgreSQL's lock or statement timeout (hall_engines.PG_LOCK_TIMEOUT_MS)."""
    text = str(getattr(error, "orig", None) or error).lower()
    return _sqlstate(error) in ("55P03", "57014") or "database is locked" in text


def _no_database(error: BaseException) -> bool:
    """PostgreSQL has no database of that name (the connection itself is refused)."""
    text = str(getattr(error, "orig", None) or error)
    return (
        _sqlstate(error) == "3D000" or re.search(r'database ".*" does not exist', text) is not None
    )


def _no_schema(error: BaseException) -> bool:
    text = str(getattr(error, "orig", None) or error)
    return _sqlstate(error) == "3F000" or "no schema has been selected" in text


def _no_room(path: Path) -> bool:
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except OSError:
        return False


def _run(
    desk: LocalStore,
    store: HallStore,
    result: SyncResult,
    batch_size: int,
    window_days: int,
    join: bool,
) -> str:
    """The run itself; returns the hall's id."""
    terminal = desk.terminal()
    hall_id = store.identity()
    joined = _joined_hall(desk)
    if joined not in (None, hall_id) and not join:  # before the hall notes this terminal
        raise HallStoreError("sync.error.other_hall", path=store.url)
    info = store.handshake(
        terminal.node_id,
        terminal.hall_code,
        terminal.terminal_code,
        SCHEMA_VERSION,
        desk.clock.now(),
    )
    if info.must_update:
        raise MustUpdate
    # Remote stamps are checked against this clock, or the hall's when this one is behind:
    # a slow terminal then still adopts the hall's time, a fast one is never believed.
    result.skew_ms = _now_ms(desk) - int(info.now.timestamp() * 1000)
    behind = max(0, -result.skew_ms)
    state = _state(desk, info.hall_id)
    if joined != info.hall_id:
        _join(desk, info.hall_id, terminal.node_id)
    _push(desk, store, info.hall_id, terminal.node_id, info.high_water, batch_size, result)
    if not state.bootstrapped:
        _bootstrap(desk, store, info.hall_id, window_days, behind, result)
    _pull(desk, store, info.hall_id, batch_size, behind, result)
    with desk.read() as session:
        result.still_held = session.execute(
            sa.select(sa.func.count()).select_from(SyncQuarantine)
        ).scalar_one()
    return info.hall_id


def _log_run(
    desk: LocalStore, where: str, started_at: datetime, result: SyncResult, succeeded: str | None
) -> None:
    try:
        with _local_txn(desk) as conn:
            if succeeded:
                conn.execute(
                    sa.update(SyncState)
                    .where(col(SyncState.hall_id) == succeeded)
                    .values(last_success_at=desk.clock.now())
                )
            conn.execute(
                sa.insert(SyncRun).values(
                    id=uuid7(),  # what SyncRun() would draw for its id
                    hall=where[:200],
                    started_at=started_at,
                    duration_ms=result.duration_ms,
                    outcome=result.outcome.value,
                    pushed=result.pushed,
                    pulled=result.pulled,
                    applied=result.applied,
                    conflicts=result.conflicts,
                    quarantined=result.quarantined,
                    skew_ms=result.skew_ms,
                    bootstrap=result.bootstrapped,
                    error=result.error,
                )
            )
    except (
        sa.exc.SQLAlchemyError,
        LocalStoreBusy,
        StoreUnavailable,
    ) as error:  # the run's result matters more
        busy = isinstance(error, LocalStoreBusy) or "database is locked" in str(error)
        if busy:  # expected under a long local write, said in one line: retried anyway
            log.warning("could not log the sync run: this terminal's store is busy")
        else:  # (the details to the log; the engines hide statement parameters)
            log.exception("could not log the sync run")
        if busy and result.ok:
            # Nothing recorded (no run, no last success): not "done", but busy, to be retried.
            result.outcome = SyncOutcome.BUSY_LOCAL
            result.error = str(getattr(error, "orig", None) or error)[:500]
        elif isinstance(error, StoreUnavailable) and result.ok:
            # Read-only or full with nothing waiting: nothing recorded either, so not "done":
            # the store's fault, said (and exited) as when changes were waiting.
            result.outcome = SyncOutcome.ERROR
            result.error = t(error.key)
            result.store_key = error.key


# ------------------------------------------------------------------------------ push


def _push(
    desk: LocalStore,
    store: HallStore,
    hall_id: str,
    node_id: str,
    high_water: int,
    batch_size: int,
    result: SyncResult,
) -> None:
    with desk.read() as session:
        marks = [
            (m.local_seq, m.cursor)
            for m in session.scalars(
                sa.select(PullMark)
                .where(col(PullMark.hall_id) == hall_id)
                .order_by(col(PullMark.local_seq))
            )
        ]
    mark_seqs = [m[0] for m in marks]
    # The hall may hold more than we know it acknowledged (we died before hearing back):
    # if they are our changes, they are acknowledged now, unsent again.
    _check_held_are_ours(desk, store, hall_id, node_id, high_water)
    _acknowledge(desk, hall_id, node_id, 1, high_water)
    next_seq = high_water + 1
    while True:
        with desk.engine.connect() as conn:
            table = ChangeLog.__table__
            # `at` as SQLite stores it (naive UTC, microseconds): made ISO below by hand,
            # which is what iso() gives, at a fraction of the cost for 2,000 rows.
            columns = sa.select(
                *(table.c[k] for k in _PUSHED), sa.type_coerce(table.c.at, sa.String).label("at")
            )
            rows = conn.execute(
                columns.where(col(ChangeLog.node_id) == node_id, col(ChangeLog.seq) >= next_seq)
                .order_by(col(ChangeLog.seq))
                .limit(batch_size)
            ).all()
            if not rows:
                break
            if len(rows) == batch_size:  # never split a transaction
                last = rows[-1]
                rest = conn.execute(
                    columns.where(
                        col(ChangeLog.node_id) == node_id,
                        col(ChangeLog.seq) > last.seq,
                        col(ChangeLog.txn_id) == last.txn_id,
                    ).order_by(col(ChangeLog.seq))
                ).all()
                rows = [*rows, *rest]
            payload = []
            for seq, txn_id, entity, entity_id, op, fields, hlc, version, actor_id, at in rows:
                values = json.loads(fields) if entity in ROOT_FIELD else {}
                last_pull = bisect.bisect_left(mark_seqs, seq) - 1  # the last one before
                payload.append(
                    {
                        "node_id": node_id,
                        "seq": seq,
                        "txn_id": txn_id,
                        "entity": entity,
                        "entity_id": entity_id,
                        "root_id": _root(conn, entity, entity_id, values),
                        "op": op,
                        "fields": fields,
                        "hlc": hlc,
                        "schema_version": version,
                        "actor_id": actor_id,
                        "at": at.replace(" ", "T") + "+00:00",
                        "seen": marks[last_pull][1] if last_pull >= 0 else 0,
                    }
                )
        acked = store.receive(node_id, payload, desk.clock.now())
        fault_point("after_hall_commit")
        _acknowledge(desk, hall_id, node_id, next_seq, acked)
        fault_point("after_ack")
        result.pushed += acked - next_seq + 1
        next_seq = acked + 1


def _check_held_are_ours(
    desk: LocalStore, store: HallStore, hall_id: str, node_id: str, high_water: int
) -> None:
    """What the hall holds beyond our last acknowledgement must be our own changes: a copy of
    this store's file, synchronized from another machine, wrote others under the same numbers,
    and acknowledging ours against them would drop ours without a word (CopiedStore)."""
    with desk.engine.connect() as conn:
        acked: int = conn.execute(
            sa.select(col(SyncState.acked_seq)).where(col(SyncState.hall_id) == hall_id)
        ).scalar_one()
        if high_water <= acked:
            return
        ours = {
            int(seq): change_stamp(hlc, entity_id)
            for seq, hlc, entity_id in conn.execute(
                sa.select(col(ChangeLog.seq), col(ChangeLog.hlc), col(ChangeLog.entity_id)).where(
                    col(ChangeLog.node_id) == node_id,
                    col(ChangeLog.seq) > acked,
                    col(ChangeLog.seq) <= high_water,
                )
            )
        }
    if ours:
        check_same_identity(node_id, ours, store.held_stamps(node_id, min(ours), max(ours)))


_PUSHED = ("seq", "txn_id", "entity", "entity_id", "op", "fields", "hlc", "schema_version",
           "actor_id")  # fmt: skip


def _acknowledge(desk: LocalStore, hall_id: str, node_id: str, first: int, last: int) -> None:
    """Mark own changes first..last as held by the hall (only ever after its commit)."""
    query = sa.select(col(SyncState.acked_seq)).where(col(SyncState.hall_id) == hall_id)
    with desk.engine.connect() as conn:  # nothing to mark: no write lock to wait for
        if conn.execute(query).scalar_one() >= last:
            return
    with _local_txn(desk) as conn:
        acked = conn.execute(query).scalar_one()
        if acked >= last:
            return
        conn.execute(
            sa.update(ChangeLog)
            .where(
                col(ChangeLog.node_id) == node_id,
                col(ChangeLog.seq) >= max(first, acked + 1),
                col(ChangeLog.seq) <= last,
                col(ChangeLog.acked_at).is_(None),
            )
            .values(acked_at=desk.clock.now())
        )
        conn.execute(
            sa.update(SyncState).where(col(SyncState.hall_id) == hall_id).values(acked_seq=last)
        )
        # Pull marks older than the last one before the first unacknowledged change are
        # no longer needed to tell the hall what a change had seen.
        keep = conn.execute(
            sa.select(sa.func.max(col(PullMark.local_seq))).where(
                col(PullMark.hall_id) == hall_id, col(PullMark.local_seq) <= last
            )
        ).scalar()
        if keep is not None:
            conn.execute(
                sa.delete(PullMark).where(
                    col(PullMark.hall_id) == hall_id, col(PullMark.local_seq) < keep
                )
            )


def _root(conn: sa.Connection, entity: str, entity_id: str, fields: dict[str, Any]) -> str:
    column = ROOT_FIELD.get(entity)
    if column is None:
        return entity_id
    if column in fields:
        return root_of(entity, entity_id, fields)
    table = RECORD_TABLES[entity].__table__
    parent = conn.execute(sa.select(table.c[column]).where(table.c.id == entity_id)).scalar()
    return str(parent or entity_id)


# ------------------------------------------------------------------------------ pull


def _pull(
    desk: LocalStore,
    store: HallStore,
    hall_id: str,
    batch_size: int,
    behind: int,
    result: SyncResult,
) -> None:
    cursor = _state(desk, hall_id).cursor
    with desk.read() as session:
        held = session.scalar(sa.select(sa.func.count()).select_from(SyncQuarantine))
    if held:  # earlier quarantined changes whose time may have come
        _apply(desk, store, hall_id, [], [], cursor, cursor, behind, result)
    while True:
        batch = store.pull(cursor, batch_size, exclude_node=desk.terminal().node_id)
        if batch.last_seq == cursor:
            return
        rows = check_pull(batch.rows, batch.conflicts, cursor, batch.last_seq)
        _apply(desk, store, hall_id, rows, batch.conflicts, batch.last_seq, batch.last_seq,
               behind, result)  # fmt: skip
        if not batch.more:  # what was committed since is for the next run
            return
        cursor = batch.last_seq


def _bootstrap(
    desk: LocalStore,
    store: HallStore,
    hall_id: str,
    window_days: int,
    behind: int,
    result: SyncResult,
) -> None:
    """A terminal's first pull from this hall: every staff member, every open ticket and the
    records touched within the window, whole; then the cursor jumps to where the hall stood.
    Older records come later by themselves if a pulled change refers to them."""
    upto = store.last_seq()
    since = desk.clock.now() - timedelta(days=window_days)
    roots = store.bootstrap_roots(since)
    cursor = _state(desk, hall_id).cursor
    for start in range(0, len(roots), BOOTSTRAP_ROOTS):
        raw, conflicts = store.rows_of_roots(roots[start : start + BOOTSTRAP_ROOTS], upto)
        rows = check_rows(raw, conflicts)
        # (the bootstrap's roots hold every complaint of a watched number already)
        _apply(desk, store, hall_id, rows, conflicts, cursor, upto, behind, result,
               watched_complaints=False)  # fmt: skip
    with _local_write(desk) as conn:
        last_seq = conn.execute(sa.select(col(Terminal.last_seq))).scalar_one()
        conn.execute(
            sa.update(SyncState)
            .where(col(SyncState.hall_id) == hall_id)
            .values(cursor=sa.func.max(col(SyncState.cursor), upto), bootstrapped=True)
        )
        _mark(conn, hall_id, last_seq, upto)
    result.bootstrapped = True


def _mark(conn: sa.Connection, hall_id: str, local_seq: int, cursor: int) -> None:
    stmt = sqlite_insert(PullMark).values(hall_id=hall_id, local_seq=local_seq, cursor=cursor)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["hall_id", "local_seq"],
            set_={"cursor": sa.func.max(col(PullMark.cursor), stmt.excluded.cursor)},
        )
    )


def _apply(
    desk: LocalStore,
    store: HallStore,
    hall_id: str,
    rows: list[HallRow],
    conflicts: list[HallConflict],
    new_cursor: int,
    upto: int,
    behind: int,
    result: SyncResult,
    *,
    watched_complaints: bool = True,
) -> None:
    """Apply one pulled batch and advance the cursor to `new_cursor`: one local transaction.
    `watched_complaints`: fetch the complaints of the numbers of the watch entries pulled."""
    node_id = desk.terminal().node_id
    now = desk.clock.now()
    now_ms = _now_ms(desk) + behind
    with _local_write(desk) as conn:
        rows = [r for r in rows if r.node_id != node_id]
        result.pulled += len(rows)
        if any(r.schema_version > SCHEMA_VERSION for r in rows):
            raise MustUpdate
        held = {
            (q.node_id, q.seq): HallRow.from_json(q.row)
            for q in conn.execute(sa.select(col(SyncQuarantine.node_id), col(SyncQuarantine.seq),
                                            col(SyncQuarantine.row)))
        }  # fmt: skip
        rows = _merge_rows(rows, held.values())
        watched_conflicts: list[HallConflict] = []
        if watched_complaints:
            rows, watched_conflicts = _with_watched_complaints(conn, store, rows, upto, node_id)
        rows, extra_conflicts, missing = _with_parents(conn, store, rows, upto, node_id)
        extra_conflicts = [*watched_conflicts, *extra_conflicts]
        # A stamp too far ahead of this clock: keep its whole transaction aside.
        wall, counter = conn.execute(
            sa.select(col(Terminal.hlc_wall_ms), col(Terminal.hlc_counter))
        ).one()
        clock = Stamp(wall, counter, node_id)
        future: set[tuple[str, str]] = set()
        drift: dict[tuple[str, int], int] = {}
        for r in rows:
            stamp = Stamp.decode(r.hlc)
            ahead = stamp.wall_ms - now_ms
            try:
                clock = receive(clock, stamp, now_ms)
            except ClockDriftError:
                future.add((r.node_id, r.txn_id))
                drift[(r.node_id, r.seq)] = ahead
        _hold_dependents(rows, future)
        # Changes of records the hall store does not have either: kept aside with the reason.
        orphans = {
            (r.node_id, r.txn_id)
            for r in rows
            if r.entity_id in missing or missing & set(map(str, r.data.values()))
        } - future
        _hold_dependents(rows, orphans)
        keep = [r for r in rows if (r.node_id, r.txn_id) not in future | orphans]
        hold = [r for r in rows if (r.node_id, r.txn_id) in future]
        refused = {
            (r.node_id, r.seq): f"missing: {', '.join(sorted(missing)[:3])}"
            for r in rows
            if (r.node_id, r.txn_id) in orphans
        }
        # Conflicts first: a settlement in this batch marks its conflict settled.
        result.conflicts += store_conflicts(conn, [*conflicts, *extra_conflicts])
        applied, failed = _apply_or_quarantine(conn, desk, keep)
        refused.update(failed)
        released = [r for r in keep if (r.node_id, r.seq) in held and (r.node_id, r.seq)
                    not in refused]  # fmt: skip
        if released:
            conn.execute(
                sa.delete(SyncQuarantine).where(
                    sa.tuple_(col(SyncQuarantine.node_id), col(SyncQuarantine.seq)).in_(
                        [(r.node_id, r.seq) for r in released]
                    )
                )
            )
            result.released += len(released)
        _refuse(conn, [r for r in rows if (r.node_id, r.seq) in refused], refused, held, now,
                result)  # fmt: skip
        new_hold = [r for r in hold if (r.node_id, r.seq) not in held]
        if new_hold:
            log.warning(
                "quarantined %d changes stamped up to %d ms ahead of this clock",
                len(new_hold), max(drift.get((r.node_id, r.seq), 0) for r in new_hold),
            )  # fmt: skip
            conn.execute(
                sa.insert(SyncQuarantine),
                [
                    {
                        "node_id": r.node_id,
                        "seq": r.seq,
                        "hall_seq": r.hall_seq,
                        "row": r.to_json(),
                        "drift_ms": drift.get((r.node_id, r.seq), 0),
                        "held_at": now,
                    }
                    for r in new_hold
                ],
            )
            result.quarantined += len(new_hold)
        conn.execute(
            sa.update(Terminal).values(hlc_wall_ms=clock.wall_ms, hlc_counter=clock.counter)
        )
        result.applied += applied.entities
        conn.execute(
            sa.update(SyncState)
            .where(col(SyncState.hall_id) == hall_id, col(SyncState.cursor) < new_cursor)
            .values(cursor=new_cursor)
        )
        if new_cursor:
            last_seq = conn.execute(sa.select(col(Terminal.last_seq))).scalar_one()
            _mark(conn, hall_id, last_seq, new_cursor)
        fault_point("mid_pull", conn)
    fault_point("after_pull")


# What a store may answer about one pulled change that the rest of its batch must not share.
_ROW_ERRORS = (sa.exc.IntegrityError, sa.exc.DataError, ValueError, TypeError, KeyError)


def _apply_or_quarantine(
    conn: sa.Connection, desk: LocalStore, rows: list[HallRow]
) -> tuple[Applied, dict[tuple[str, int], str]]:
    """Apply the batch; if the store refuses it, apply it one transaction at a time (hall
    order) and return the changes of those it refuses, with the store's words: one change that
    cannot be applied never stops the others (docs/unique-values.md)."""
    try:
        with conn.begin_nested():
            return apply_rows(conn, desk, rows), {}
    except _ROW_ERRORS:
        pass
    total = Applied()
    refused: dict[tuple[str, int], str] = {}
    txns: dict[tuple[str, str], list[HallRow]] = {}
    for r in rows:
        txns.setdefault((r.node_id, r.txn_id), []).append(r)
    for txn in txns.values():
        set_write_mode(conn, WriteMode.LOGGED)  # a refused one closed the gate (changelog.py)
        try:
            with conn.begin_nested():
                applied = apply_rows(conn, desk, txn)
        except _ROW_ERRORS as error:
            reason = str(getattr(error, "orig", None) or error).splitlines()[0][:300]
            log.warning("quarantined a pulled transaction of %d changes: %s", len(txn), reason)
            refused.update({(r.node_id, r.seq): reason for r in txn})
            continue
        finally:
            set_write_mode(conn, WriteMode.LOGGED)
        total.stored += applied.stored
        total.entities += applied.entities
        total.complaints |= applied.complaints
    return total, refused


def _refuse(
    conn: sa.Connection,
    rows: list[HallRow],
    reasons: dict[tuple[str, int], str],
    held: dict[tuple[str, int], HallRow],
    now: datetime,
    result: SyncResult,
) -> None:
    """Keep refused changes aside with their reason (a later sync tries them again)."""
    for r in rows:
        reason = reasons[(r.node_id, r.seq)]
        if (r.node_id, r.seq) in held:
            conn.execute(
                sa.update(SyncQuarantine)
                .where(col(SyncQuarantine.node_id) == r.node_id, col(SyncQuarantine.seq) == r.seq)
                .values(reason=reason)
            )
            continue
        conn.execute(
            sa.insert(SyncQuarantine).values(
                node_id=r.node_id, seq=r.seq, hall_seq=r.hall_seq, row=r.to_json(),
                drift_ms=0, held_at=now, reason=reason,
            )
        )  # fmt: skip
        result.quarantined += 1
        result.refused += 1


def _hold_dependents(rows: list[HallRow], future: set[tuple[str, str]]) -> None:
    """A change to (or referring to) a record whose creation is held is held too."""
    while future:
        held_ids = {
            r.entity_id for r in rows if r.op == "insert" and (r.node_id, r.txn_id) in future
        }
        more = {
            (r.node_id, r.txn_id)
            for r in rows
            if (r.node_id, r.txn_id) not in future
            and (r.entity_id in held_ids or held_ids & set(map(str, r.data.values())))
        }
        if not more:
            return
        future |= more


def _merge_rows(rows: list[HallRow], more: Iterable[HallRow]) -> list[HallRow]:
    seen = {(r.node_id, r.seq) for r in rows}
    merged = list(rows) + [r for r in more if (r.node_id, r.seq) not in seen]
    merged.sort(key=lambda r: r.hall_seq)
    return merged


def _with_watched_complaints(
    conn: sa.Connection, store: HallStore, rows: list[HallRow], upto: int, node_id: str
) -> tuple[list[HallRow], list[HallConflict]]:
    """A watch entry pulled here brings every complaint of its number that this terminal does
    not hold (however old, outside the join's window): the entry is hidden from the staff a
    complaint accuses (当事人回避), which the terminal can only know from the complaints."""
    numbers = {
        str(r.data["customer_key"])
        for r in rows
        if r.entity == "watch_entry" and r.data.get("customer_key")
    }
    # A pulled complaint naming a watched number beside another links that other number to
    # the customer: its complaints come too, however old (当事人回避 whichever number names
    # the accusation: the hall walks on from both, domain/watch.py).
    pairs = {
        (
            str(r.data.get("contact_phone") or ""),
            number_case(str(r.data.get("service_number") or "")),
        )
        for r in rows
        if r.entity == "complaint"
    }
    pairs = {(a, b) for a, b in pairs if a and b and a != b}
    if pairs:
        entry = RECORD_TABLES["watch_entry"].__table__
        watched = numbers | {
            number_case(k) for k in conn.execute(sa.select(entry.c.customer_key)).scalars() if k
        }
        numbers |= {n for a, b in pairs if {a, b} & watched for n in (a, b)}
    if not numbers:
        return rows, []
    wanted = sorted(store.complaints_of_numbers(numbers))
    table = RECORD_TABLES["complaint"].__table__
    have: set[str] = set()
    for chunk in chunks(wanted):
        have |= set(conn.execute(sa.select(table.c.id).where(table.c.id.in_(chunk))).scalars())
    have |= {r.entity_id for r in rows if r.entity == "complaint"}
    missing = [i for i in wanted if i not in have]
    if not missing:
        return rows, []
    raw, conflicts = store.rows_of_roots(missing, upto)
    extra = check_rows(raw, conflicts)  # from the hall like any batch: checked like one
    return _merge_rows(rows, [r for r in extra if r.node_id != node_id]), conflicts


def _with_parents(
    conn: sa.Connection, store: HallStore, rows: list[HallRow], upto: int, node_id: str
) -> tuple[list[HallRow], list[HallConflict], set[str]]:
    """Fault in the records that pulled rows refer to but this terminal does not hold (a
    terminal that bootstrapped with a window of history): their whole history, from the hall.
    Returns the ids the hall does not have either (their changes are quarantined)."""
    conflicts: list[HallConflict] = []
    asked: set[str] = set()
    for _ in range(10):
        needed: dict[str, set[str]] = {}
        created = {r.entity_id for r in rows if r.op == "insert"}
        for r in rows:
            table = RECORD_TABLES[r.entity].__table__ if r.entity in RECORD_TABLES else None
            if table is None:
                continue
            if r.op != "insert" and r.entity_id not in created:
                needed.setdefault(r.entity, set()).add(r.entity_id)
            fields = r.data
            for fk in table.foreign_keys:
                value = fields.get(fk.parent.name)
                if value and value not in created:
                    needed.setdefault(fk.column.table.name, set()).add(value)
        missing: set[str] = set()
        for name, ids in needed.items():
            table = RECORD_TABLES[name].__table__
            wanted = sorted(ids)
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = sa.select(table.c.id).where(table.c.id.in_(chunk))
                have = set(conn.execute(query).scalars())
                missing.update(set(chunk) - have)
        if not missing:
            return rows, conflicts, set()
        if missing <= asked:
            break
        asked |= missing
        raw, more = store.rows_of_roots(missing, upto)
        extra = check_rows(raw, more)  # from the hall like any batch: checked like one
        conflicts += more
        rows = _merge_rows(rows, [r for r in extra if r.node_id != node_id])
    log.warning("the hall store has no record of %s", sorted(missing)[:5])
    return rows, conflicts, missing


# ------------------------------------------------------------------------------ status


@dataclass(frozen=True)
class SyncStatus:
    """What the header shows: the last successful sync and the changes waiting to go."""

    last_success_at: datetime | None
    waiting: int
    last_outcome: str | None
    last_error: str
    open_conflicts: int
    quarantined: int

    @property
    def must_update(self) -> bool:
        return self.last_outcome == SyncOutcome.MUST_UPDATE.value

    def header(self, tz: ZoneInfo) -> str:
        from deskapp.domain.timefmt import format_local

        when = format_local(self.last_success_at, tz) if self.last_success_at else t("sync.never")
        text = t("sync.header", when=when, waiting=self.waiting)
        # What needs a person comes first: an 80-column line is cut at its end.
        alerts = []
        if self.must_update:
            alerts.append(t("sync.must_update_short"))
        if self.open_conflicts:
            alerts.append(t("sync.conflicts_short", count=self.open_conflicts))
        if self.quarantined:
            alerts.append(t("sync.quarantined_short", count=self.quarantined))
        return " · ".join([*alerts, text])


def sync_status(desk: LocalStore) -> SyncStatus:
    """Cheap enough for a header refresh: a handful of indexed look-ups."""
    with desk.read() as session:
        terminal = session.scalars(sa.select(Terminal)).first()
        last_seq = terminal.last_seq if terminal else 0
        states = list(session.scalars(sa.select(SyncState)))
        # Waiting: what the joined hall store lacks (another hall's acknowledgement is no
        # news). Not joined yet, after several halls (0010_joined_hall): what one of them lacks.
        joined = [s for s in states if terminal and s.hall_id == terminal.joined_hall_id]
        acked = joined[0].acked_seq if joined else min((s.acked_seq for s in states), default=0)
        successes = [s.last_success_at for s in joined or states if s.last_success_at]
        last = session.scalars(sa.select(SyncRun).order_by(col(SyncRun.started_at).desc())).first()
        conflicts = session.scalar(
            sa.select(sa.func.count())
            .select_from(SyncConflict)
            .where(col(SyncConflict.settled_at).is_(None))
        )
        held = session.scalar(sa.select(sa.func.count()).select_from(SyncQuarantine))
    return SyncStatus(
        last_success_at=max(successes, default=None),
        waiting=last_seq - acked,
        last_outcome=last.outcome if last else None,
        last_error=last.error if last else "",
        open_conflicts=conflicts or 0,
        quarantined=held or 0,
    )
