"""The hall store: the shared log every terminal of a hall pushes to and pulls from.

One code path (SQLAlchemy Core) for both kinds of store: a SQLite file on this machine (WAL,
busy timeout, never on a network filesystem) or PostgreSQL (`postgresql://`, psycopg 3). Its
schema is its own (tables `hall_*`), created and upgraded here and versioned in `hall_meta`.

Every write transaction is serialized: `BEGIN IMMEDIATE` on SQLite, a transaction-scoped
advisory lock on PostgreSQL. That is what makes the hall sequence gap-free and means a reader
never sees sequence n+1 committed before n (the "cursor skips an in-flight transaction"
mistake): numbers are taken as max()+1 under the lock and the lock is released at commit."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from deskapp.ids import uuid7
from deskapp.store.bulk import insert_tuples, upsert_tuples
from deskapp.store.engine import BUSY_TIMEOUT_MS, _on_begin

HALL_SCHEMA = 1  # the version of the tables below; bump with an upgrade step in _UPGRADES
LOCK_KEY = 0x6465736B  # "desk": the advisory lock of hall writes (per PostgreSQL schema)
CHUNK = 500  # ids per IN (...) list
# The most rows one read may hand out beyond a batch's size: the rest of its last transaction,
# or the changes of the records a terminal asks for. A desk's largest transaction (an import
# batch, services/importer.py) is a few thousand changes; a store that hands out more is
# refused before it fills this terminal's memory.
MAX_EXTRA_ROWS = 50_000

# Filesystems on which SQLite's locking cannot be trusted (DESIGN.md, Synchronization).
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
     "fuse.sshfs", "fuse.glusterfs", "fuse.s3fs", "davfs", "fuse.davfs2", "gfs2", "ocfs2"}
)  # fmt: skip

# The root of a row: the record it belongs to (bootstrap and fault-in fetch whole roots).
ROOT_FIELD = {
    "complaint_event": "complaint_id",
    "refund": "complaint_id",
    "handover_item": "shift_id",
    "shift_event": "shift_id",
}
ROOT_ENTITY = {"complaint_id": "complaint", "shift_id": "shift"}
ACTIVE_STATUSES = ("open", "dispatched", "replied")
# Bookkeeping and derived columns: every concurrent edit touches them, nobody reviews them.
UNREVIEWED_FIELDS = frozenset(
    {"updated_at", "next_due_at", "next_clock", "next_due_provisional", "paused_until"}
)

# ----------------------------------------------------------------------------- schema

meta = sa.MetaData()

hall_meta = sa.Table(
    "hall_meta",
    meta,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)
hall_terminal = sa.Table(
    "hall_terminal",
    meta,
    sa.Column("node_id", sa.String(40), primary_key=True),
    sa.Column("hall_code", sa.String(8), nullable=False),
    sa.Column("terminal_code", sa.String(8), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("high_water", sa.BigInteger, nullable=False),  # seqs received: 1..high_water
    sa.Column("first_seen", sa.String(40), nullable=False),
    sa.Column("last_seen", sa.String(40), nullable=False),
)
hall_change = sa.Table(
    "hall_change",
    meta,
    sa.Column("hall_seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("node_id", sa.String(40), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("txn_id", sa.String(40), nullable=False),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("entity_id", sa.String(40), nullable=False),
    sa.Column("root_id", sa.String(40), nullable=False),
    sa.Column("op", sa.String(8), nullable=False),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("hlc", sa.String(64), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("actor_id", sa.String(40), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("seen", sa.BigInteger, nullable=False),  # the writer had pulled up to here
    sa.UniqueConstraint("node_id", "seq", name="uq_hall_change_node_seq"),
    sa.Index("ix_hall_change_root", "root_id", "hall_seq"),
)
# The last edit of each field in hall order: what a later edit is compared with.
hall_field = sa.Table(
    "hall_field",
    meta,
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("entity_id", sa.String(40), primary_key=True),
    sa.Column("field", sa.String(64), primary_key=True),
    sa.Column("hall_seq", sa.BigInteger, nullable=False),
    sa.Column("node_id", sa.String(40), nullable=False),
    sa.Column("hlc", sa.String(64), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("actor_id", sa.String(40), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
)
# One row per record root (staff member, complaint, shift): what a new terminal needs.
hall_root = sa.Table(
    "hall_root",
    meta,
    sa.Column("root_id", sa.String(40), primary_key=True),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_hlc", sa.String(64), nullable=False),
    sa.Column("last_at", sa.String(40), nullable=False, index=True),
)
hall_conflict = sa.Table(
    "hall_conflict",
    meta,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("hall_seq", sa.BigInteger, nullable=False, index=True),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("entity_id", sa.String(40), nullable=False, index=True),
    sa.Column("field", sa.String(64), nullable=False),
    sa.Column("a_value", sa.Text, nullable=False),
    sa.Column("a_hlc", sa.String(64), nullable=False),
    sa.Column("a_actor_id", sa.String(40), nullable=False),
    sa.Column("a_at", sa.String(40), nullable=False),
    sa.Column("b_value", sa.Text, nullable=False),
    sa.Column("b_hlc", sa.String(64), nullable=False),
    sa.Column("b_actor_id", sa.String(40), nullable=False),
    sa.Column("b_at", sa.String(40), nullable=False),
)

# Upgrade steps: HALL_SCHEMA n -> n+1, each run inside the locked transaction (additive only).
_UPGRADES: dict[int, Callable[[sa.Connection], None]] = {}


# ------------------------------------------------------------------------ errors, faults


class HallStoreError(RuntimeError):
    """The hall store cannot be used as given (bad URL, network filesystem, too new)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}")
        self.key = key
        self.params = params


class BatchRefused(HallStoreError):
    """A malformed, tampered or oversized batch; nothing of it was written
    (the checks themselves are in sync/validate.py)."""

    def __init__(self, reason: str) -> None:
        super().__init__("sync.error.bad_batch", reason=reason[:300])


def _at_most(rows: list[Any], what: str) -> list[Any]:
    if len(rows) > MAX_EXTRA_ROWS:
        raise BatchRefused(f"{what}: more than {MAX_EXTRA_ROWS:,} rows")
    return rows


class PushGapError(RuntimeError):
    """A batch does not continue where the hall's high-water mark for the terminal stands."""


KILL_ENV = "DESKAPP_SYNC_KILL_AT"  # test only: "point" or "point:n" (the n-th time it's hit)
_fault_hooks: list[Callable[[str, sa.Connection | None], None]] = []
_fault_hits: dict[str, int] = {}


def fault_point(name: str, conn: sa.Connection | None = None) -> None:
    """A boundary of the protocol where the fault tests crash or cut the connection.

    With DESKAPP_SYNC_KILL_AT=name (or name:n) the process kills itself with SIGKILL there,
    as a power cut would; in-process hooks (tests) may raise or cut the connection."""
    for hook in list(_fault_hooks):
        hook(name, conn)
    wanted = os.environ.get(KILL_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _fault_hits[name] = _fault_hits.get(name, 0) + 1
    if _fault_hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def fault_hook(hook: Callable[[str, sa.Connection | None], None]) -> Iterator[None]:
    _fault_hooks.append(hook)
    try:
        yield
    finally:
        _fault_hooks.remove(hook)


# ----------------------------------------------------------------------------- values


def iso(value: datetime) -> str:
    """UTC, always with microseconds: these strings are compared as strings."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class HallRow:
    """One change as the hall holds it (and as a pull hands it out)."""

    hall_seq: int
    node_id: str
    seq: int
    txn_id: str
    entity: str
    entity_id: str
    root_id: str
    op: str
    fields: str  # JSON
    hlc: str
    schema_version: int
    actor_id: str
    at: str
    seen: int

    @cached_property
    def data(self) -> dict[str, Any]:
        """`fields` parsed, once: the pull path reads them in several places."""
        return json.loads(self.fields)

    def to_json(self) -> str:
        return json.dumps({f: getattr(self, f) for f in HALL_ROW_FIELDS}, ensure_ascii=False)

    @classmethod
    def checked(cls, change: dict[str, Any], data: dict[str, Any]) -> HallRow:
        """A row of a batch sync/validate.py has checked (`change` holds exactly the fields
        above), with its fields as the check parsed them. Made without the frozen dataclass's
        setattr per field: a pull makes thousands."""
        row = object.__new__(cls)
        vars(row).update(change, data=data)
        return row

    @classmethod
    def from_json(cls, text: str) -> HallRow:
        return cls(**json.loads(text))


HALL_ROW_FIELDS = tuple(f.name for f in fields(HallRow))
# What a terminal pushes of a row besides its node id; the hall adds the sequence number.
_PUSHED_KEYS = tuple(f for f in HALL_ROW_FIELDS if f not in ("hall_seq", "node_id"))
_STORED_KEYS = ("hall_seq", "node_id", *_PUSHED_KEYS)


@dataclass(frozen=True)
class HallConflict:
    id: str
    hall_seq: int
    entity: str
    entity_id: str
    field: str
    a_value: str
    a_hlc: str
    a_actor_id: str
    a_at: str
    b_value: str
    b_hlc: str
    b_actor_id: str
    b_at: str


@dataclass(frozen=True)
class Handshake:
    hall_id: str
    high_water: int  # this terminal's changes the hall already has: 1..high_water
    max_record_schema: int
    must_update: bool
    now: datetime  # the hall's clock: the reference a terminal checks remote stamps against


@dataclass(frozen=True)
class Pulled:
    """A batch as the hall store hands it out: plain rows, not yet checked (check_pull
    makes HallRows of them, or refuses the batch)."""

    rows: list[dict[str, Any]]
    conflicts: list[HallConflict]
    last_seq: int  # the cursor after this batch
    more: bool = True  # False: the batch reached what the hall held when it was read


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert(conn: sa.Connection, table: sa.Table, rows: list[dict], keys: list[str]) -> None:
    columns = [c.name for c in table.columns]
    upsert_tuples(conn, table, columns, [tuple(row[c] for c in columns) for row in rows], keys)


def _select_rows() -> sa.Select:
    """hall_change's columns in HallRow's order."""
    return sa.select(*(hall_change.c[name] for name in HALL_ROW_FIELDS))


def _as_rows(result: sa.Result) -> list[dict[str, Any]]:
    return [dict(zip(HALL_ROW_FIELDS, r, strict=True)) for r in result]


def root_of(entity: str, entity_id: str, fields: dict[str, Any]) -> str:
    column = ROOT_FIELD.get(entity)
    return str(fields.get(column) or entity_id) if column else entity_id


# ----------------------------------------------------------------------------- engines


def _mount_type(path: Path) -> str | None:
    """The filesystem type of the mount holding `path` (Linux), or None if unknown."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    best, kind = "", None
    target = str(path)
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, parts[2]
    return kind


def _on_hall_connect(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS * 6}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def hall_file(url: str) -> Path | None:
    """The file a SQLite hall store lives in (resolved), or None for PostgreSQL."""
    text = str(url).strip()
    if "://" in text and not text.startswith("sqlite:///"):
        return None
    return Path(text.removeprefix("sqlite:///")).expanduser().resolve()


def _refuse_foreign_file(path: Path) -> None:
    """A SQLite hall file is new, empty, or already a hall store. Anything else (a terminal's
    own store, an unrelated database, a folder) is refused before a table is created in it:
    turning it into a hall store would copy this terminal's records into somebody else's
    file, and that file would no longer be what it was (a terminal's store can no longer be
    backed up)."""
    if path.is_dir():
        raise HallStoreError("sync.error.hall_is_dir", path=str(path))
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as db:
            names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        if "not a database" not in str(error):
            return  # busy, read-only, full, damaged: the run meets it and says which
        raise HallStoreError("sync.error.not_a_hall", path=str(path)) from error
    if names and hall_meta.name not in names:
        raise HallStoreError("sync.error.not_a_hall", path=str(path))


def hall_engine(url: str, create: bool = False) -> sa.Engine:
    """An engine for `url`: `postgresql://...` or a SQLite file path (`sqlite:///` optional).
    A SQLite file that is missing or empty is made only with `create` (a new hall is started
    on purpose, never by a mistyped path)."""
    text = str(url).strip()
    if not text:
        raise HallStoreError("sync.error.no_hall")
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
        return sa.create_engine(text, pool_pre_ping=True, pool_size=2, max_overflow=2)
    if "://" in text and not text.startswith("sqlite:///"):
        raise HallStoreError("sync.error.bad_url", url=redact(text))
    path = hall_file(text)
    assert path is not None
    kind = _mount_type(path.parent if not path.exists() else path)
    if kind in NETWORK_FILESYSTEMS:
        raise HallStoreError("sync.error.network_fs", path=str(path), fs=kind)
    _refuse_foreign_file(path)
    if not create and (not path.exists() or path.stat().st_size == 0):
        raise HallStoreError("sync.error.no_hall_store", path=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # phone numbers inside
    # Pooled: closing a WAL database's last connection checkpoints it, once per run is enough.
    engine = sa.create_engine(f"sqlite:///{path}", pool_size=2, max_overflow=2)
    event.listen(engine, "connect", _on_hall_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def redact(url: str) -> str:
    """The hall store's address without a password, for logs and screens."""
    try:
        parsed = sa.engine.make_url(url)
    except Exception:  # a plain path, or an address too malformed to parse: hide what
        # stands between "user:" and "@" all the same
        return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", str(url))[:200]
    return parsed.render_as_string(hide_password=True)[:200]


# ----------------------------------------------------------------------------- the store


class HallStore:
    """`clock`: the hall's time. By default PostgreSQL's clock, or for a SQLite file (which
    lives on this machine) this machine's clock; tests pass a frozen one."""

    def __init__(
        self, engine: sa.Engine, url: str = "", clock: Any = None, create: bool = False
    ) -> None:
        self.engine = engine
        self.url = redact(url or str(engine.url))
        self.clock = clock
        self.create = create  # may make the hall's tables where there are none (a new hall)
        self._ready = False

    @classmethod
    def open(cls, url: str, clock: Any = None, create: bool = False) -> HallStore:
        """The hall store at `url`; with `create`, a new one where there is none."""
        return cls(hall_engine(url, create), url, clock, create)

    def _now(self, conn: sa.Connection) -> datetime:
        if self.clock is not None:
            return self.clock.now()
        if self.is_postgres:
            return conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one().astimezone(UTC)
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
        if self._ready:
            return
        version = self._schema_version()
        if version is None and not self.create:  # no hall here: never started by a typo
            raise HallStoreError("sync.error.no_hall_store", path=self.url)
        if version != HALL_SCHEMA:
            with self.write() as conn:
                meta.create_all(conn, checkfirst=True)
                values = dict(conn.execute(sa.select(hall_meta.c.key, hall_meta.c.value)).all())
                version = int(values.get("hall_schema", 0))
                if version == 0:
                    conn.execute(
                        sa.insert(hall_meta),
                        [
                            {"key": "hall_schema", "value": str(HALL_SCHEMA)},
                            {"key": "hall_id", "value": uuid7()},
                            {"key": "max_record_schema", "value": "0"},
                        ],
                    )
                elif version > HALL_SCHEMA:
                    raise HallStoreError("sync.error.hall_too_new", version=version)
                else:
                    for step in range(version, HALL_SCHEMA):
                        _UPGRADES[step](conn)
                    conn.execute(
                        sa.update(hall_meta)
                        .where(hall_meta.c.key == "hall_schema")
                        .values(value=str(HALL_SCHEMA))
                    )
        self._ready = True

    def _schema_version(self) -> int | None:
        try:
            with self.read() as conn:
                value = conn.execute(
                    sa.select(hall_meta.c.value).where(hall_meta.c.key == "hall_schema")
                ).scalar()
        except sa.exc.ProgrammingError:  # PostgreSQL: no such table yet
            return None
        except sa.exc.OperationalError as error:
            if "no such table" in str(error):
                return None
            raise
        if value is not None and int(value) > HALL_SCHEMA:
            raise HallStoreError("sync.error.hall_too_new", version=int(value))
        return None if value is None else int(value)

    def identity(self) -> str:
        """The hall store's own id (hall_meta), given when it was started; changes nothing."""
        self.ensure_schema()
        with self.read() as conn:
            return conn.execute(
                sa.select(hall_meta.c.value).where(hall_meta.c.key == "hall_id")
            ).scalar_one()

    # -------------------------------------------------------------- handshake

    def handshake(
        self, node_id: str, hall_code: str, terminal_code: str, schema_version: int, now: datetime
    ) -> Handshake:
        """Register the terminal (or note its visit) and say whether it can sync."""
        self.ensure_schema()
        with self.write() as conn:
            values = dict(conn.execute(sa.select(hall_meta.c.key, hall_meta.c.value)).all())
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

    def receive(self, node_id: str, rows: Sequence[dict], now: datetime) -> int:
        """Apply one batch of a terminal's change log (whole transactions, in seq order):
        dedupe on (node_id, seq), give each new row the next hall sequence number, detect
        concurrent edits, record the high-water mark. One transaction. Returns the mark.
        A malformed batch is refused whole before anything is written (sync/validate.py)."""
        from deskapp.sync.validate import check_push  # (it imports this module)

        parsed = check_push(node_id, rows)
        with self.write() as conn:
            high_water = conn.execute(
                sa.select(hall_terminal.c.high_water).where(hall_terminal.c.node_id == node_id)
            ).scalar()
            if high_water is None:
                raise PushGapError(f"terminal {node_id} has not shaken hands")
            # The batch runs without a gap (checked): what the hall holds already is a prefix.
            held = next((i for i, r in enumerate(rows) if r["seq"] > high_water), len(rows))
            rows, parsed = rows[held:], parsed[held:]
            if not rows:
                return high_water
            if rows[0]["seq"] != high_water + 1:
                raise PushGapError(f"batch starts at {rows[0]['seq']}, hall has {high_water}")
            next_seq = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(hall_change.c.hall_seq), 0))
            ).scalar_one()
            changes, conflicts, fields_after, roots = self._sequence(
                conn, node_id, rows, parsed, next_seq
            )
            insert_tuples(conn, hall_change, _STORED_KEYS, changes)
            fault_point("mid_batch", conn)
            if conflicts:
                conn.execute(sa.insert(hall_conflict), conflicts)
            _upsert(conn, hall_field, list(fields_after.values()), ["entity", "entity_id", "field"])
            _upsert(conn, hall_root, list(roots.values()), ["root_id"])
            last = rows[-1]["seq"]
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
        rows: Sequence[dict],
        parsed: Sequence[dict],
        last_hall_seq: int,
    ) -> tuple[list[tuple], list[dict], dict[tuple, dict], dict[str, dict]]:
        """The batch's rows as hall_change rows (tuples of _STORED_KEYS), the conflicts they
        raise, the fields' last edits and the roots they leave."""
        updated_ids = sorted({r["entity_id"] for r in rows if r["op"] == "update"})
        current: dict[tuple, dict] = {}
        for ids in _chunks(updated_ids):
            for f in conn.execute(sa.select(hall_field).where(hall_field.c.entity_id.in_(ids))):
                current[(f.entity, f.entity_id, f.field)] = f._asdict()
        root_ids = sorted({r["root_id"] for r in rows})
        roots: dict[str, dict] = {}
        for ids in _chunks(root_ids):
            for r in conn.execute(sa.select(hall_root).where(hall_root.c.root_id.in_(ids))):
                roots[r.root_id] = r._asdict()
        changes: list[tuple] = []
        conflicts: list[dict] = []
        touched: dict[tuple, dict] = {}
        hall_seq = last_hall_seq
        for row, values in zip(rows, parsed, strict=True):
            hall_seq += 1
            changes.append((hall_seq, node_id, *(row[k] for k in _PUSHED_KEYS)))
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
                if concurrent and before["value"] != text:
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
        return rows[-1]["hall_seq"]

    def last_seq(self) -> int:
        with self.read() as conn:
            return conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(hall_change.c.hall_seq), 0))
            ).scalar_one()

    def bootstrap_roots(self, since: datetime) -> list[str]:
        """What a new terminal needs: all staff, every open complaint, and every root
        touched since `since` (staff first, so that references resolve)."""
        with self.read() as conn:
            return list(
                conn.execute(
                    sa.select(hall_root.c.root_id)
                    .where(
                        sa.or_(
                            hall_root.c.entity == "staff",
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

    def rows_of_roots(
        self, root_ids: Iterable[str], upto: int
    ) -> tuple[list[dict[str, Any]], list[HallConflict]]:
        """Every change (and conflict) of these roots up to hall sequence `upto`, as plain
        rows like a pull's."""
        rows: list[dict[str, Any]] = []
        conflicts: list[HallConflict] = []
        ids = sorted(set(root_ids))
        with self.read() as conn:
            for chunk in _chunks(ids):
                rows += _as_rows(
                    conn.execute(
                        _select_rows()
                        .where(hall_change.c.root_id.in_(chunk), hall_change.c.hall_seq <= upto)
                        .limit(MAX_EXTRA_ROWS + 1 - len(rows))
                    )
                )
                _at_most(rows, "the changes of the records asked for")
            entity_ids = sorted({r["entity_id"] for r in rows})
            for chunk in _chunks(entity_ids):
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
