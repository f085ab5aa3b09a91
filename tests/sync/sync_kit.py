"""Helpers for the sync tests and benchmarks (not a test module): terminals of one hall, each
with its own store and frozen clock; service actions; the record content of a replica."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from deskapp.clock import FrozenClock
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.services.staff import actor_of, list_staff
from deskapp.services.terminal import init_terminal
from deskapp.store.models import RECORD_TABLES, ChangeLog, SyncConflict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "services"))
from store_templates import FROZEN_AT
from svc_forms import staffed_desk, valid_form

PG_ENV = "DESKAPP_TEST_PG_URL"


def _unavailable(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI: {why}")
    pytest.skip(why)


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new, empty schema (dropped afterwards)."""
    base = os.environ.get(PG_ENV)
    if not base:
        _unavailable(f"{PG_ENV} is not set")
    import psycopg

    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        _unavailable(f"PostgreSQL at {PG_ENV} cannot be reached: {error}")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_schema(base, schema)
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def started(url: str) -> str:
    """A hall store started at `url` (as `deskapp sync --new-hall` starts one)."""
    from deskapp.sync.hall import HallStore

    store = HallStore.open(url, create=True)
    try:
        store.ensure_schema()
    finally:
        store.close()
    return url


def with_schema(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


# ------------------------------------------------------------------------- terminals


@dataclass
class Term:
    desk: Desk
    clock: FrozenClock
    code: str
    complaints: list[str] = field(default_factory=list)

    @property
    def actors(self) -> dict[str, Actor]:
        return {s.work_no: actor_of(s) for s in list_staff(self.desk)}

    def close(self) -> None:
        self.desk.close()


def first_terminal(folder: Path, offset: timedelta = timedelta(0)) -> Term:
    """GZ01-T01 with the four known staff (they reach the others through the hall)."""
    folder.mkdir(parents=True, exist_ok=True)
    clock = FrozenClock(FROZEN_AT + offset)
    return Term(staffed_desk(folder / "t01.db", clock), clock, "T01")


def new_terminal(folder: Path, code: str, offset: timedelta = timedelta(0)) -> Term:
    folder.mkdir(parents=True, exist_ok=True)
    clock = FrozenClock(FROZEN_AT + offset)
    desk = Desk.open(folder / f"{code.lower()}.db", clock=clock)
    init_terminal(desk, "GZ01", code, "Asia/Shanghai")
    return Term(desk, clock, code)


def take(term: Term, work_no: str = "1001", **overrides: Any) -> str:
    complaint = take_complaint(term.desk, term.actors[work_no], valid_form(term.desk, **overrides))
    term.complaints.append(complaint.id)
    return complaint.id


def tick(terms: list[Term | FrozenClock], delta: timedelta = timedelta(minutes=1)) -> None:
    for term in terms:
        (term if isinstance(term, FrozenClock) else term.clock).advance(delta)


# ------------------------------------------------------------------------- content


def content(desk: Desk) -> dict[str, list[tuple]]:
    """Every record table exactly as stored (raw SQLite values), in key order."""
    with desk.engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {name} ORDER BY id")]
            for name in sorted(RECORD_TABLES)
        }


def assert_identical(terms: list[Term]) -> dict[str, list[tuple]]:
    first = content(terms[0].desk)
    for term in terms[1:]:
        other = content(term.desk)
        for name in first:
            assert other[name] == first[name], f"{name} differs between T01 and {term.code}"
    return first


def conflicts(desk: Desk) -> list[tuple]:
    with desk.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(
                    SyncConflict.id, SyncConflict.entity, SyncConflict.entity_id,
                    SyncConflict.field, SyncConflict.a_value, SyncConflict.b_value,
                    SyncConflict.a_hlc, SyncConflict.b_hlc, SyncConflict.settled_value,
                ).order_by(SyncConflict.id)
            )
        ]  # fmt: skip


def own_log(desk: Desk) -> list[ChangeLog]:
    node = desk.terminal().node_id
    with desk.read() as s:
        return list(
            s.scalars(sa.select(ChangeLog).where(ChangeLog.node_id == node).order_by(ChangeLog.seq))
        )


def copy_store(src: Path, dest: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dest}{suffix}")
