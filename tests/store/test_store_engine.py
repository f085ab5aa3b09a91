"""Opening the store: WAL, foreign keys, synchronous=FULL on every connection; owner-only file."""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from store_kit import DEMO_NOW, open_demo

from deskapp.clock import FrozenClock
from deskapp.services.desk import Desk
from deskapp.store.engine import BUSY_TIMEOUT_MS, make_engine
from deskapp.store.models import ComplaintEvent, UTCDateTime


def pragmas(conn: sa.Connection) -> tuple:
    return tuple(
        conn.exec_driver_sql(f"PRAGMA {name}").scalar()
        for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
    )


def test_every_connection_has_the_pragmas(tmp_path: Path) -> None:
    desk = Desk.open(tmp_path / "desk.db", clock=FrozenClock(DEMO_NOW))
    try:
        conns = [desk.engine.connect() for _ in range(3)]  # three distinct pooled connections
        try:
            for conn in conns:
                assert pragmas(conn) == ("wal", 1, 2, BUSY_TIMEOUT_MS)
        finally:
            for conn in conns:
                conn.close()
    finally:
        desk.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "desk.db"  # missing folders are made
    old_umask = os.umask(0o022)  # a usual umask, which would give 0o644
    try:
        engine = make_engine(path)
        try:
            assert _mode(path) == 0o600
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE t (x)")
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
                side_files = [p for p in path.parent.iterdir() if p != path]
                assert side_files, "expected the WAL files while a connection is open"
                for side in side_files:
                    assert _mode(side) & 0o077 == 0, (side.name, oct(_mode(side)))
        finally:
            engine.dispose()
        assert _mode(path) == 0o600
    finally:
        os.umask(old_umask)


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    desk = open_demo(tmp_path / "desk.db")
    try:
        with pytest.raises(IntegrityError), desk.write("system:test") as session:
            session.add(
                ComplaintEvent(
                    complaint_id="no-such-complaint",
                    kind="contact",
                    at=DEMO_NOW,
                    actor_id="system:test",
                )
            )
    finally:
        desk.close()


def test_the_bigrams_function_is_registered(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "desk.db")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT bigrams('信号，不好')").scalar() == "信号 号不 不好"
    finally:
        engine.dispose()


def test_naive_datetimes_are_refused() -> None:
    column = UTCDateTime()
    with pytest.raises(ValueError):
        column.process_bind_param(datetime(2026, 11, 24, 10, 0), sa.engine.default.DefaultDialect())
