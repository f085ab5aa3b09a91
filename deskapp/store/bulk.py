"""Bulk INSERT of many rows of the same columns, straight to the DB-API's executemany.

Synchronization moves thousands of rows a run. SQLAlchemy's executemany builds a parameter
dict per row and runs each column's bind processor on it; for a 2,000-change batch that was
as long as the insert itself (bench/sync.py). Here the caller hands tuples, and only the
columns that need it (UTC date-times) are converted, once per value."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from deskapp.store.models import UTCDateTime


def placeholder(dialect: sa.Dialect) -> str:
    """The positional parameter marker of the connection's DB-API (sqlite3: ?, psycopg: %s)."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def insert_sql(dialect: sa.Dialect, table: sa.Table, keys: Sequence[str], *,
               or_ignore: bool = False) -> str:  # fmt: skip
    """INSERT of `keys` into `table` for executemany; `or_ignore`: a row whose key is already
    there is skipped (SQLite OR IGNORE, PostgreSQL ON CONFLICT DO NOTHING)."""
    quote = dialect.identifier_preparer.quote
    marks = ", ".join([placeholder(dialect)] * len(keys))
    verb = "INSERT OR IGNORE" if or_ignore and dialect.name == "sqlite" else "INSERT"
    sql = f"{verb} INTO {quote(table.name)} ({', '.join(map(quote, keys))}) VALUES ({marks})"
    if or_ignore and dialect.name != "sqlite":
        sql += " ON CONFLICT DO NOTHING"
    return sql


def upsert_sql(dialect: sa.Dialect, table: sa.Table, keys: Sequence[str],
               conflict_keys: Sequence[str]) -> str:  # fmt: skip
    """INSERT of `keys`, or on a clash of `conflict_keys` the other columns overwritten
    (ON CONFLICT ... DO UPDATE: the same words in SQLite and PostgreSQL)."""
    quote = dialect.identifier_preparer.quote
    assignments = ", ".join(
        f"{quote(k)} = excluded.{quote(k)}" for k in keys if k not in conflict_keys
    )
    return (
        f"{insert_sql(dialect, table, keys)} "
        f"ON CONFLICT ({', '.join(map(quote, conflict_keys))}) DO UPDATE SET {assignments}"
    )


def insert_tuples(
    conn: sa.Connection,
    table: sa.Table,
    keys: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    or_ignore: bool = False,
) -> int:
    """INSERT rows given as tuples in `keys` order, values as the DB-API takes them. Returns
    the number of rows inserted (rows ignored as already there do not count)."""
    if not rows:
        return 0
    sql = insert_sql(conn.dialect, table, keys, or_ignore=or_ignore)
    return max(conn.exec_driver_sql(sql, list(rows)).rowcount, 0)


def converters(
    conn: sa.Connection, table: sa.Table, keys: Iterable[str], *, iso_times: bool = False
) -> list[Callable[[Any], Any] | None]:
    """Each column's own conversion to what the DB-API stores (None: stored as given).
    `iso_times`: the UTC date-time columns are given as ISO 8601 text (a change's fields)
    rather than datetimes; on SQLite they are rewritten to the stored form directly."""
    dialect = conn.dialect
    out: list[Callable[[Any], Any] | None] = []
    for key in keys:
        column_type = table.c[key].type
        if iso_times and isinstance(column_type, UTCDateTime):
            if dialect.name == "sqlite":
                out.append(_none_or(sqlite_utc_text))
                continue
            process = column_type.dialect_impl(dialect).bind_processor(dialect)
            out.append(_none_or(_then(datetime.fromisoformat, process)))
            continue
        out.append(column_type.dialect_impl(dialect).bind_processor(dialect))
    return out


def _none_or(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _then(first: Callable[[Any], Any], second: Callable[[Any], Any] | None) -> Callable:
    return first if second is None else lambda value: second(first(value))


def insert_dicts(
    conn: sa.Connection,
    table: sa.Table,
    rows: list[Mapping[str, Any]],
    *,
    or_ignore: bool = False,
    iso_times: bool = False,
) -> int:
    """INSERT rows that all have the same keys, as SQLAlchemy's executemany would store them
    (each column's own bind processor), without its per-row parameter building."""
    if not rows:
        return 0
    keys = list(rows[0])
    processors = converters(conn, table, keys, iso_times=iso_times)
    params = [
        tuple(v if p is None else p(v) for p, v in zip(processors, (row[k] for k in keys),
                                                         strict=True))
        for row in rows
    ]  # fmt: skip
    return insert_tuples(conn, table, keys, params, or_ignore=or_ignore)


def sqlite_utc_text(iso_text: str) -> str:
    """An ISO 8601 time with its offset as a UTC column stores it in SQLite
    ("YYYY-MM-DD HH:MM:SS.ffffff", UTC): what UTCDateTime and SQLAlchemy's DateTime make of
    it, without their conversions for the common form (UTC, with microseconds)."""
    moment = datetime.fromisoformat(iso_text)  # refuses what is not a time
    if moment.tzinfo is None:
        raise ValueError("a time without its UTC offset")
    if len(iso_text) == 32 and iso_text.endswith("+00:00"):
        return f"{iso_text[:10]} {iso_text[11:26]}"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
