"""The hall store: the shared log every terminal of a hall pushes to and pulls from.

One code path (SQLAlchemy Core) for both kinds of store: a SQLite file on this machine (WAL,
busy timeout, never on a network filesystem) or PostgreSQL (`postgresql://`, psycopg 3).

Every write transaction is serialized: `BEGIN IMMEDIATE` on SQLite, a transaction-scoped
advisory lock on PostgreSQL. That is what makes the hall sequence gap-free and means a reader
never sees sequence n+1 committed before n (the "cursor skips an in-flight transaction"
mistake): numbers are taken as max()+1 under the lock and the lock is released at commit.

This module is the store's protocol (handshake, push, pull, bootstrap). Its parts live beside
it, one job each: the tables (hall_tables.py) and their Alembic migrations (hall_migrate.py,
hall_migrations/), the errors (hall_errors.py), engines and address checks (hall_engines.py),
and the values it hands out (hall_rows.py). Their names stay importable from here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from deskapp.clock import Clock
from deskapp.domain.watch import LINK_LIMIT, LINK_ROUNDS
from deskapp.ids import uuid7
from deskapp.store.bulk import insert_tuples, upsert_tuples
from deskapp.sync import hall_migrate
from deskapp.sync.hall_engines import NETWORK_FILESYSTEMS, hall_engine, hall_file, redact
from deskapp.sync.hall_errors import (
    BatchRefused,
    HallStoreError,
    PushGapError,
    change_stamp,
    check_same_identity,
)
from deskapp.sync.hall_rows import (
    CHUNK,
    HALL_ROW_FIELDS,
    PUSHED_KEYS,
    ROOT_ENTITY,
    ROOT_FIELD,
    STORED_KEYS,
    HallConflict,
    HallRow,
    Handshake,
    Pulled,
    chunks,
    iso,
    root_of,
)
from deskapp.sync.hall_tables import (
    HALL_SCHEMA,
    hall_change,
    hall_conflict,
    hall_field,
    hall_meta,
    hall_root,
    hall_terminal,
    meta,
)
from deskapp.sync.validate import check_push

__all__ = [  # what importers took from this module before it was split
    "CHUNK",
    "HALL_ROW_FIELDS",
    "HALL_SCHEMA",
    "MAX_EXTRA_ROWS",
    "NETWORK_FILESYSTEMS",
    "ROOT_ENTITY",
    "ROOT_FIELD",
    "UNREVIEWED_FIELDS",
    "BatchRefused",
    "HallConflict",
    "HallRow",
    "HallStore",
    "HallStoreError",
    "Handshake",
    "Pulled",
    "PushGapError",
    "fault_hook",
    "fault_point",
    "hall_change",
    "hall_conflict",
    "hall_engine",
    "hall_field",
    "hall_file",
    "hall_meta",
    "hall_root",
    "hall_terminal",
    "iso",
    "meta",
    "redact",
    "root_of",
]

# The most rows one read may hand out beyond a batch's size: the rest of its last transaction,
# or the changes of the records a terminal asks for. A desk's largest transaction (an import
# batch, services/importer.py) is a few thousand changes; a store that hands out more is
# refused before it fills this terminal's memory.
MAX_EXTRA_ROWS = 50_000
T = TypeVar("T")
Row = dict[str, Any]  # a row of a hall table, by column name
FieldKey = tuple[str, str, str]  # (entity, entity_id, field)
LOCK_KEY = 0x6465736B  # "desk": the advisory lock of hall writes (per PostgreSQL schema)
ACTIVE_STATUSES = ("open", "dispatched", "replied")
# Bookkeeping and derived columns: every concurrent edit touches them, nobody reviews them.
UNREVIEWED_FIELDS = frozenset(
    {"updated_at", "next_due_at", "next_clock", "next_due_provisional", "paused_until"}
)

# ------------------------------------------------------------------------------- faults


# Hooks the fault tests install (tests/sync: a crash, a cut connection, the kill of a child
# process); none in a running desk, where a fault point costs one empty loop.
_fault_hooks: list[Callable[[str, sa.Connection | None], None]] = []


def fault_point(name: str, conn: sa.Connection | None = None) -> None:
    """A boundary of the protocol where the fault tests crash or cut the connection."""
    for hook in list(_fault_hooks):
        hook(name, conn)


@contextmanager
def fault_hook(hook: Callable[[str, sa.Connection | None], None]) -> Iterator[None]:
    _fault_hooks.append(hook)
    try:
        yield
    finally:
        _fault_hooks.remove(hook)


# ---------------------------------------------------------------------------- queries


def _at_most(rows: list[T], what: str) -> list[T]:
    if len(rows) > MAX_EXTRA_ROWS:
        raise BatchRefused(f"{what}: more than {MAX_EXTRA_ROWS:,} rows")
    return rows


def _upsert(
    conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    columns = [c.name for c in table.columns]
    upsert_tuples(conn, table, columns, [tuple(row[c] for c in columns) for row in rows], keys)


def _select_rows() -> sa.Select[Any]:
    """hall_change's columns in HallRow's order."""
    return sa.select(*(hall_change.c[name] for name in HALL_ROW_FIELDS))


def _as_rows(result: sa.Result[Any]) -> list[dict[str, Any]]:
    return [dict(zip(HALL_ROW_FIELDS, r, strict=True)) for r in result]


# ----------------------------------------------------------------------------- the store


class HallStore:
    """`clock`: the hall's time. By default PostgreSQL's clock, or for a SQLite file (which
    lives on this machine) this machine's clock; tests pass a frozen one."""

    def __init__(
        self, engine: sa.Engine, url: str = "", clock: Clock | None = None, create: bool = False
    ) -> None:
        self.engine = engine
        self.url = redact(url or str(engine.url))
        self.clock = clock
        self.create = create  # may make the hall's tables where there are none (a new hall)
        self._ready = False

    @classmethod
    def open(cls, url: str, clock: Clock | None = None, create: bool = False) -> HallStore:
        """The hall store at `url`; with `create`, a new one where there is none."""
        return cls(hall_engine(url, create), url, clock, create)

    def _now(self, conn: sa.Connection) -> datetime:
        if self.clock is not None:
            return self.clock.now()
        if self.is_postgres:
            now: datetime = conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
            return now.astimezone(UTC)
        return datetime.now(UTC)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One serialized write transaction."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                if self.is_postgres:
                    conn.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
                        {"k": LOCK_KEY},
                    )
                yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    # -------------------------------------------------------------- schema

    def ensure_schema(self) -> None:
        """The store's schema brought to this desk's (deskapp/sync/hall_migrate.py), once per
        store opened; a store made by a newer desk is refused (HallStoreError)."""
        if self._ready:
            return
        with self.read() as conn:
            revision, legacy = hall_migrate.schema_state(conn)
            current = hall_migrate.is_current(revision, legacy)
        if revision is None and legacy is None and not self.create:
            # no hall here: never started by a typo
            raise HallStoreError("sync.error.no_hall_store", path=redact(self.url))
        if not current:
            with self.write() as conn:
                hall_migrate.upgrade(conn)
        self._ready = True

    def identity(self) -> str:
        """The hall store's own id (hall_meta), given when it was started; changes nothing."""
        self.ensure_schema()
        with self.read() as conn:
            return str(
                conn.execute(
                    sa.select(hall_meta.c.value).where(hall_meta.c.key == "hall_id")
                ).scalar_one()
            )

    # -------------------------------------------------------------- handshake

    def handshake(
        self, node_id: str, hall_code: str, terminal_code: str, schema_version: int, now: datetime
    ) -> Handshake:
        """Register the terminal (or note its visit) and say whether it can sync."""
        self.ensure_schema()
        with self.write() as conn:
            meta_rows = conn.execute(sa.select(hall_meta.c.key, hall_meta.c.value))
            values = dict(meta_rows.tuples().all())
            hall_now = self._now(conn)
            row = conn.execute(
                sa.select(hall_terminal).where(hall_terminal.c.node_id == node_id)
            ).first()
            if row is None:
                conn.execute(
                    sa.insert(hall_terminal).values(
                        node_id=node_id,
                        hall_code=hall_code,
                        terminal_code=terminal_code,
                        schema_version=schema_version,
                        high_water=0,
                        first_seen=iso(now),
                        last_seen=iso(now),
                    )
                )
                high_water = 0
            else:
                high_water = row.high_water
                conn.execute(
                    sa.update(hall_terminal)
                    .where(hall_terminal.c.node_id == node_id)
                    .values(schema_version=schema_version, last_seen=iso(now))
                )
        newest = int(values["max_record_schema"])
        return Handshake(values["hall_id"], high_water, newest, newest > schema_version, hall_now)

    # -------------------------------------------------------------- push

    def held_stamps(self, node_id: str, first: int, last: int) -> dict[int, str]:
        """What tells a terminal's changes first..last apart (`change_stamp`), as held here."""
        with self.read() as conn:
            return _held_stamps(conn, node_id, first, last)

    def receive(self, node_id: str, rows: Sequence[dict[str, Any]], now: datetime) -> int:
        """Apply one batch of a terminal's change log (whole transactions, in seq order):
        dedupe on (node_id, seq), give each new row the next hall sequence number, detect
        concurrent edits, record the high-water mark. One transaction. Returns the mark.
        A malformed batch is refused whole before anything is written (sync/validate.py)."""
        parsed = check_push(node_id, rows)
        with self.write() as conn:
            high_water: int | None = conn.execute(
                sa.select(hall_terminal.c.high_water).where(hall_terminal.c.node_id == node_id)
            ).scalar()
            if high_water is None:
                raise PushGapError(f"terminal {node_id} has not shaken hands")
            # The batch runs without a gap (checked): what the hall holds already is a prefix.
            held = next((i for i, r in enumerate(rows) if r["seq"] > high_water), len(rows))
            if held:
                _check_same_changes(
                    conn,
                    node_id,
                    {r["seq"]: change_stamp(r["hlc"], r["entity_id"]) for r in rows[:held]},
                )
            rows, parsed = rows[held:], parsed[held:]
            if not rows:
                return high_water
            if rows[0]["seq"] != high_water + 1:
                raise PushGapError(f"batch starts at {rows[0]['seq']}, hall has {high_water}")
            next_seq: int = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(hall_change.c.hall_seq), 0))
            ).scalar_one()
            changes, conflicts, fields_after, roots = self._sequence(
                conn, node_id, rows, parsed, next_seq
            )
            insert_tuples(conn, hall_change, STORED_KEYS, changes)
            fault_point("mid_batch", conn)
            if conflicts:
                conn.execute(sa.insert(hall_conflict), conflicts)
            _upsert(conn, hall_field, list(fields_after.values()), ["entity", "entity_id", "field"])
            _upsert(conn, hall_root, list(roots.values()), ["root_id"])
            last: int = rows[-1]["seq"]
            conn.execute(
                sa.update(hall_terminal)
                .where(hall_terminal.c.node_id == node_id)
                .values(high_water=last, last_seen=iso(now))
            )
            newest = max(r["schema_version"] for r in rows)
            conn.execute(
                sa.update(hall_meta)
                .where(
                    hall_meta.c.key == "max_record_schema",
                    sa.cast(hall_meta.c.value, sa.Integer) < newest,
                )
                .values(value=str(newest))
            )
        return last

    def _sequence(
        self,
        conn: sa.Connection,
        node_id: str,
        rows: Sequence[dict[str, Any]],
        parsed: Sequence[dict[str, Any]],
        last_hall_seq: int,
    ) -> tuple[list[tuple[Any, ...]], list[Row], dict[FieldKey, Row], dict[str, Row]]:
        """The batch's rows as hall_change rows (tuples of STORED_KEYS), the conflicts they
        raise, the fields' last edits and the roots they leave."""
        updated_ids = sorted({r["entity_id"] for r in rows if r["op"] == "update"})
        current: dict[FieldKey, Row] = {}
        for ids in chunks(updated_ids):
            for f in conn.execute(sa.select(hall_field).where(hall_field.c.entity_id.in_(ids))):
                current[(f.entity, f.entity_id, f.field)] = f._asdict()
        root_ids = sorted({r["root_id"] for r in rows})
        roots: dict[str, Row] = {}
        for ids in chunks(root_ids):
            for r in conn.execute(sa.select(hall_root).where(hall_root.c.root_id.in_(ids))):
                roots[r.root_id] = r._asdict()
        changes: list[tuple[Any, ...]] = []
        conflicts: list[Row] = []
        touched: dict[FieldKey, Row] = {}
        hall_seq = last_hall_seq
        for row, values in zip(rows, parsed, strict=True):
            hall_seq += 1
            changes.append((hall_seq, node_id, *(row[k] for k in PUSHED_KEYS)))
            root_entity = ROOT_ENTITY.get(ROOT_FIELD.get(row["entity"], ""), row["entity"])
            root = roots.setdefault(
                row["root_id"],
                {"root_id": row["root_id"], "entity": root_entity, "status": "",
                 "status_hlc": "", "last_at": row["at"]},
            )  # fmt: skip
            root["last_at"] = max(root["last_at"], row["at"])
            if (
                row["entity"] == "complaint"
                and "status" in values
                and row["hlc"] > root["status_hlc"]
            ):
                root["status"], root["status_hlc"] = str(values["status"]), row["hlc"]
            if row["op"] != "update":
                continue
            for name, value in values.items():
                if name in UNREVIEWED_FIELDS:
                    continue  # never a conflict: not worth remembering
                key = (row["entity"], row["entity_id"], name)
                text = json.dumps(value, ensure_ascii=False, sort_keys=True)
                before = current.get(key)
                concurrent = (
                    before is not None
                    and before["node_id"] != node_id
                    and before["hall_seq"] > row["seen"]
                )
                if before is not None and concurrent and before["value"] != text:
                    conflicts.append(
                        {
                            "id": uuid7(),
                            "hall_seq": hall_seq,
                            "entity": row["entity"],
                            "entity_id": row["entity_id"],
                            "field": name,
                            "a_value": before["value"],
                            "a_hlc": before["hlc"],
                            "a_actor_id": before["actor_id"],
                            "a_at": before["at"],
                            "b_value": text,
                            "b_hlc": row["hlc"],
                            "b_actor_id": row["actor_id"],
                            "b_at": row["at"],
                        }
                    )
                after = {
                    "entity": row["entity"],
                    "entity_id": row["entity_id"],
                    "field": name,
                    "hall_seq": hall_seq,
                    "node_id": node_id,
                    "hlc": row["hlc"],
                    "value": text,
                    "actor_id": row["actor_id"],
                    "at": row["at"],
                }
                current[key] = touched[key] = after
        return changes, conflicts, touched, roots

    # -------------------------------------------------------------- pull

    def pull(self, cursor: int, limit: int, exclude_node: str | None = None) -> Pulled:
        """The changes after `cursor`, at most about `limit`, never splitting a transaction;
        without `exclude_node`'s own (the cursor still moves past them)."""
        with self.read() as conn:
            # Numbers are given under the write lock and committed in order: once `top` is
            # visible, every number below it is too. (Read first, then the rows up to it.)
            top = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(hall_change.c.hall_seq), 0))
            ).scalar_one()
            query = _select_rows().where(
                hall_change.c.hall_seq > cursor, hall_change.c.hall_seq <= top
            )
            if exclude_node is not None:
                query = query.where(hall_change.c.node_id != exclude_node)
            rows = _as_rows(conn.execute(query.order_by(hall_change.c.hall_seq).limit(limit)))
            # a short batch read everything up to the top (the rest being our own)
            more = len(rows) >= limit
            upto = self._complete_txn(conn, rows) if more else top
            if upto == cursor:
                return Pulled([], [], cursor)
            conflicts = _at_most([
                HallConflict(**c._asdict())
                for c in conn.execute(
                    sa.select(hall_conflict)
                    .where(hall_conflict.c.hall_seq > cursor, hall_conflict.c.hall_seq <= upto)
                    .order_by(hall_conflict.c.hall_seq, hall_conflict.c.id)
                    .limit(MAX_EXTRA_ROWS + 1)
                )
            ], "the conflicts of a batch")  # fmt: skip
        return Pulled(rows, conflicts, upto, more)

    def _complete_txn(self, conn: sa.Connection, rows: list[dict[str, Any]]) -> int:
        """Extend a full batch to the end of its last transaction; the new cursor."""
        last = rows[-1]
        # A transaction's rows are contiguous in both the terminal's and the hall's order.
        rest = _as_rows(
            conn.execute(
                _select_rows()
                .where(
                    hall_change.c.node_id == last["node_id"],
                    hall_change.c.seq > last["seq"],
                    hall_change.c.txn_id == last["txn_id"],
                )
                .order_by(hall_change.c.seq)
                .limit(MAX_EXTRA_ROWS + 1)
            )
        )
        rows += _at_most(rest, "the rest of a transaction")
        upto: int = rows[-1]["hall_seq"]
        return upto

    def last_seq(self) -> int:
        with self.read() as conn:
            last: int = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(hall_change.c.hall_seq), 0))
            ).scalar_one()
        return last

    def bootstrap_roots(self, since: datetime) -> list[str]:
        """What a new terminal needs: all staff, every open complaint, the whole watch list
        (intake shows it whatever its age) with every complaint of its customers, every open
        batch incident with every ticket linked to it (intake suggests the batch and its close
        reaches them, however long the outage has lasted), every case of the case library with
        its ticket, and every root touched since `since` (staff first, so that references
        resolve)."""
        # The complaints of every watch-listed customer (by contact phone or service number),
        # however old: the entry is hidden from the staff member they accuse (当事人回避), and a
        # new terminal can only know that from the complaints themselves.
        watched = sorted(
            self._complaints_of_watched()
            | self._open_batches_and_tickets()
            | self._tickets_of_cases()
        )
        with self.read() as conn:
            return list(
                conn.execute(
                    sa.select(hall_root.c.root_id)
                    .where(
                        sa.or_(
                            hall_root.c.entity == "staff",
                            hall_root.c.entity == "watch_entry",
                            hall_root.c.root_id.in_(watched),
                            sa.and_(
                                hall_root.c.entity == "complaint",
                                hall_root.c.status.in_(ACTIVE_STATUSES),
                            ),
                            hall_root.c.last_at >= iso(since),
                        )
                    )
                    .order_by((hall_root.c.entity != "staff"), hall_root.c.root_id)
                ).scalars()
            )

    def _tickets_of_cases(self) -> set[str]:
        """The tickets marked as cases, however long ago: the case library (and the morning
        meeting's page) is the hall's whole, not a window of it. A case's changes belong to
        its ticket (ROOT_FIELD), so they come with it."""
        with self.read() as conn:
            return set(
                conn.execute(
                    sa.select(hall_change.c.root_id)
                    .where(hall_change.c.entity == "teaching_case")
                    .distinct()
                ).scalars()
            )

    def _open_batches_and_tickets(self) -> set[str]:
        """The ids of the batch incidents still open (the newest status each change says) and
        of the complaints ever linked to one of them."""
        with self.read() as conn:
            latest: dict[str, tuple[str, str]] = {}  # batch id -> (hlc, status)
            for entity_id, fields, hlc in conn.execute(
                sa.select(hall_change.c.entity_id, hall_change.c.fields, hall_change.c.hlc).where(
                    hall_change.c.entity == "batch_incident"
                )
            ):
                status = json.loads(fields).get("status")
                if isinstance(status, str) and hlc > latest.get(entity_id, ("", ""))[0]:
                    latest[entity_id] = (hlc, status)
            open_ids = sorted(b for b, (_, status) in latest.items() if status == "open")
            found, wanted = set(open_ids), set(open_ids)
            for chunk in chunks(open_ids):
                rows = conn.execute(
                    sa.select(hall_change.c.root_id, hall_change.c.fields).where(
                        hall_change.c.entity == "complaint",
                        sa.or_(*(hall_change.c.fields.like(f'%"{b}"%') for b in chunk)),
                    )
                )
                for root_id, fields in rows:
                    if json.loads(fields).get("batch_id") in wanted:
                        found.add(root_id)
        return found

    def _complaints_of_watched(self) -> set[str]:
        """The ids of the complaints whose contact phone or service number is on the watch
        list (any entry, retired too: it may be made active again)."""
        with self.read() as conn:
            keys = {
                json.loads(fields).get("customer_key")
                for fields in conn.execute(
                    sa.select(hall_change.c.fields).where(hall_change.c.entity == "watch_entry")
                ).scalars()
            }
        return self.complaints_of_numbers({k for k in keys if isinstance(k, str) and k})

    def complaints_of_numbers(self, numbers: Iterable[str]) -> set[str]:
        """The ids of the complaints whose contact phone or service number is one of these
        (however old), and of the customer's other numbers that those complaints name beside
        them (LINK_ROUNDS hops, as the terminal walks them: domain/watch.py): a terminal that
        pulls a watch entry takes them with it (当事人回避 whichever number a complaint names)."""
        # Any letter case: a service number stored before numbers were lower-cased
        # (migration 0018) is the same number.
        keys = {k.lower() for k in numbers if k and not set(k) & set("%_\\")}
        found: set[str] = set()
        # (per number: the whole watch list at a join walks as far as each entry alone)
        seen, frontier, limit = set(keys), set(keys), len(keys) * (1 + LINK_LIMIT)
        rounds = LINK_ROUNDS + 1  # the numbers LINK_ROUNDS hops away, and their complaints
        while frontier and rounds > 0:
            rounds -= 1
            linked: set[str] = set()
            with self.read() as conn:
                for chunk in chunks(sorted(frontier)):
                    rows = conn.execute(
                        sa.select(hall_change.c.root_id, hall_change.c.fields).where(
                            hall_change.c.entity == "complaint",
                            sa.or_(*(hall_change.c.fields.ilike(f'%"{k}"%') for k in chunk)),
                        )
                    )
                    for root_id, fields in rows:
                        values = json.loads(fields)
                        held = {v.lower() for v in (values.get("contact_phone"),
                                                    values.get("service_number"))
                                if isinstance(v, str) and v}  # fmt: skip
                        if held & frontier:
                            found.add(root_id)
                            linked |= held
            frontier = {k for k in linked - seen if not set(k) & set("%_\\")}
            seen |= frontier
            if len(seen) > limit:  # the terminal walks no further: the complaints of these
                rounds = min(rounds, 1)  # numbers are the last it reads
        return found

    def rows_of_roots(
        self, root_ids: Iterable[str], upto: int
    ) -> tuple[list[dict[str, Any]], list[HallConflict]]:
        """Every change (and conflict) of these roots up to hall sequence `upto`, as plain
        rows like a pull's."""
        rows: list[dict[str, Any]] = []
        conflicts: list[HallConflict] = []
        ids = sorted(set(root_ids))
        with self.read() as conn:
            for chunk in chunks(ids):
                rows += _as_rows(
                    conn.execute(
                        _select_rows()
                        .where(hall_change.c.root_id.in_(chunk), hall_change.c.hall_seq <= upto)
                        .limit(MAX_EXTRA_ROWS + 1 - len(rows))
                    )
                )
                _at_most(rows, "the changes of the records asked for")
            entity_ids = sorted({r["entity_id"] for r in rows})
            for chunk in chunks(entity_ids):
                conflicts += [
                    HallConflict(**c._asdict())
                    for c in conn.execute(
                        sa.select(hall_conflict)
                        .where(
                            hall_conflict.c.entity_id.in_(chunk), hall_conflict.c.hall_seq <= upto
                        )
                        .limit(MAX_EXTRA_ROWS + 1 - len(conflicts))
                    )
                ]
                _at_most(conflicts, "the conflicts of the records asked for")
        rows.sort(key=lambda r: r["hall_seq"])
        conflicts.sort(key=lambda c: (c.hall_seq, c.id))
        return rows, conflicts


def _held_stamps(conn: sa.Connection, node_id: str, first: int, last: int) -> dict[int, str]:
    query = sa.select(hall_change.c.seq, hall_change.c.hlc, hall_change.c.entity_id).where(
        hall_change.c.node_id == node_id, hall_change.c.seq.between(first, last)
    )
    return {int(seq): change_stamp(hlc, entity_id) for seq, hlc, entity_id in conn.execute(query)}


def _check_same_changes(conn: sa.Connection, node_id: str, pushed: dict[int, str]) -> None:
    """Changes the hall holds already under these numbers must be these: another store with
    the same identity (a copied file) wrote others, which would be dropped without a word."""
    held = _held_stamps(conn, node_id, min(pushed), max(pushed))
    check_same_identity(node_id, pushed, held)
