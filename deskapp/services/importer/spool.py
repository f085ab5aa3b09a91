"""The checked rows of an import, kept on disk until they are written."""

from __future__ import annotations

import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

from deskapp.services.importer.rows import ParsedRow


class _Spool:
    """The checked rows of an import, kept on disk until they are written: rows are written
    in time order (ticket numbers, repeat linking), so all of them must be read first, and a
    large file must not be held in memory. A private SQLite file beside the store (it holds
    customer data like the store: owner-only, deleted when the import ends)."""

    def __init__(self, folder: Path) -> None:
        fd, name = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=folder)
        os.close(fd)  # mkstemp makes it 0600
        self.path = Path(name)
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute(
            "CREATE TABLE row (id TEXT PRIMARY KEY, at TEXT, line INTEGER, data BLOB)"
        )

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()
        self.path.unlink(missing_ok=True)

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM row").fetchone()[0])

    def get(self, row_id: str) -> ParsedRow | None:
        found = self.conn.execute("SELECT data FROM row WHERE id = ?", (row_id,)).fetchone()
        return None if found is None else pickle.loads(found[0])

    def add(self, row: ParsedRow) -> None:
        at = row.received_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
        self.conn.execute("INSERT INTO row VALUES (?, ?, ?, ?)",
                          (row.id, at, row.line, pickle.dumps(row)))  # fmt: skip

    def in_time_order(self, batch: int) -> Iterator[list[ParsedRow]]:
        cursor = self.conn.execute("SELECT data FROM row ORDER BY at, line")
        while chunk := cursor.fetchmany(batch):
            yield [pickle.loads(data) for (data,) in chunk]
