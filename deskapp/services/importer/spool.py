"""The checked rows of an import, kept on disk until they are written."""

from __future__ import annotations

import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC
from pathlib import Path

from deskapp.domain.categories import CausePath
from deskapp.services.importer.rows import ParsedRow
from deskapp.services.processes import running

_NAMES = tuple(f.name for f in fields(ParsedRow))
_CAUSE = _NAMES.index("cause")
PENDING = 1000  # rows kept in memory before one executemany writes them to the spool
CACHE_KIB = 16_384  # the spool's page cache: its id index stays in memory, a fixed bound


_PREFIX = ".import-"


def _clear_left_behind(folder: Path) -> None:
    """The spools of imports whose process is gone (killed mid-import: __exit__ never ran)
    are deleted: they hold customer data. A spool is named by its process."""
    for path in folder.glob(f"{_PREFIX}*.tmp"):
        pid = path.name.removeprefix(_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not running(int(pid)):
            path.unlink(missing_ok=True)


class _Spool:
    """The checked rows of an import, kept on disk until they are written: rows are written
    in time order (ticket numbers, repeat linking), so all of them must be read first, and a
    large file must not be held in memory. A private SQLite file beside the store (it holds
    customer data like the store: owner-only, deleted when the import ends).

    A row is kept as the tuple of its values with its cause as a code (the few causes are
    kept once, here): a pickled dataclass with its cause's names cost twice as much to write
    and read back (issue 22). Rows reach the file a thousand at a time."""

    def __init__(self, folder: Path) -> None:
        _clear_left_behind(folder)
        fd, name = tempfile.mkstemp(prefix=f"{_PREFIX}{os.getpid()}-", suffix=".tmp", dir=folder)
        os.close(fd)  # mkstemp makes it 0600
        self.path = Path(name)
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.conn.execute(
            "CREATE TABLE row (id TEXT PRIMARY KEY, at TEXT, line INTEGER, data BLOB)"
        )
        self.pending: dict[str, Spooled] = {}
        self.causes: dict[str, CausePath] = {}

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()
        self.path.unlink(missing_ok=True)

    def __len__(self) -> int:
        self._flush()
        return int(self.conn.execute("SELECT count(*) FROM row").fetchone()[0])

    def get(self, row_id: str) -> ParsedRow | None:
        waiting = self.pending.get(row_id)
        if waiting is not None:
            return self._load(waiting[3])
        found = self.conn.execute("SELECT data FROM row WHERE id = ?", (row_id,)).fetchone()
        return None if found is None else self._load(found[0])

    def add(self, row: ParsedRow) -> None:
        self.causes.setdefault(row.cause.code, row.cause)
        self.add_spooled(spooled(row))

    def add_spooled(self, entry: Spooled) -> None:
        """A row as `spooled` made it (in the worker process), its cause in `causes`."""
        self.pending[entry[0]] = entry
        if len(self.pending) >= PENDING:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.conn.executemany("INSERT INTO row VALUES (?, ?, ?, ?)", self.pending.values())
            self.pending.clear()

    def _load(self, data: bytes) -> ParsedRow:
        return load_row(data, self.causes)

    def in_time_order(self, batch: int) -> Iterator[list[tuple[ParsedRow, bytes]]]:
        """The rows in chunks of `batch`, each with its data as kept here (what `load_row`
        reads: the worker process is sent that, not the row, issue 22)."""
        self._flush()
        cursor = self.conn.execute("SELECT data FROM row ORDER BY at, line")
        while chunk := cursor.fetchmany(batch):
            yield [(self._load(data), data) for (data,) in chunk]


# A row as the spool keeps it: (id, when received as UTC digits, line, data).
Spooled = tuple[str, str, int, bytes]


def spooled(row: ParsedRow) -> Spooled:
    """A row as the spool keeps it: its values with its cause as a code (`load_row`)."""
    at = row.received_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    values = [getattr(row, name) for name in _NAMES]
    values[_CAUSE] = row.cause.code
    return row.id, at, row.line, pickle.dumps(tuple(values), protocol=5)


def load_row(data: bytes, causes: dict[str, CausePath]) -> ParsedRow:
    """A row as `_Spool.add` kept it, its cause's code looked up in `causes`."""
    values = list(pickle.loads(data))
    values[_CAUSE] = causes[values[_CAUSE]]
    return ParsedRow(*values)
