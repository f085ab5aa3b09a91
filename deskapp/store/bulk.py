"""Bulk INSERT of many rows of the same columns, straight to the DB-API.

Synchronization moves thousands of rows a run. SQLAlchemy's executemany builds a parameter
dict per row and runs each column's bind processor on it; for a 2,000-change batch that was
as long as the insert itself (bench/sync.py). Here the caller hands tuples, and only the
columns that need it (UTC date-times) are converted, once per value. The SQL is plain
INSERT / ON CONFLICT, which SQLite and PostgreSQL both read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from deskapp.store.models import UTCDateTime


def placeholder(dialect: sa.Dialect) -> str:
    """The positional parameter marker of the connection's DB-API (sqlite3: ?, psycopg: %s)."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def _insert_head(dialect: sa.Dialect, table: sa.Table, keys: Sequence[str], or_ignore: bool) -> str:
    quote = dialect.identifier_preparer.quote
    verb = "INSERT OR IGNORE" if or_ignore and dialect.name == "sqlite" else "INSERT"
    return f"{verb} INTO {quote(table.name)} ({', '.join(map(quote, keys))}) VALUES "


def _on_conflict(dialect: sa.Dialect, keys: Sequence[str], or_ignore: bool,
                 conflict_keys: Sequence[str]) -> str:  # fmt: skip
    quote = dialect.identifier_preparer.quote
    if conflict_keys:
        assignments = ", ".join(
            f"{quote(k)} = excluded.{quote(k)}" for k in keys if k not in conflict_keys
        )
        targets = ", ".join(map(quote, conflict_keys))
        return f" ON CONFLICT ({targets}) DO UPDATE SET {assignments}"
    return " ON CONFLICT DO NOTHING" if or_ignore and dialect.name != "sqlite" else ""


def _write(
    conn: sa.Connection,
    table: sa.Table,
    keys: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    or_ignore: bool = False,
    conflict_keys: Sequence[str] = (),
) -> int:
    """The one way rows are written here: the DB-API's executemany of one INSERT, or on
    PostgreSQL, for plain inserts, COPY (psycopg's executemany still runs one statement per
    row: a 2,000-change push's rows took 34 ms that way, 13 ms by COPY, bench/sync.py)."""
    if not rows:
        return 0
    dialect = conn.dialect
    if dialect.name == "postgresql" and not (or_ignore or conflict_keys):
        return _copy(conn, table, keys, rows)
    one = "(" + ", ".join([placeholder(dialect)] * len(keys)) + ")"
    sql = _insert_head(dialect, table, keys, or_ignore) + one
    sql += _on_conflict(dialect, keys, or_ignore, conflict_keys)
    return max(conn.exec_driver_sql(sql, list(rows)).rowcount, 0)


def _copy(conn: sa.Connection, table: sa.Table, keys: Sequence[str],
          rows: Sequence[Sequence[Any]]) -> int:  # fmt: skip
    """COPY ... FROM STDIN through psycopg, inside the connection's transaction. A driver
    error is raised as SQLAlchemy raises it for a statement (its own exception class, the
    connection invalidated if it was lost), so callers tell "unreachable" apart as before."""
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(map(quote, keys))}) FROM STDIN"
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection: it was just used
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi_error as error:
        if conn.dialect.is_disconnect(error, driver, None):
            conn.invalidate(error)
        raise sa.exc.DBAPIError.instance(sql, None, error, dbapi_error) from error
    return len(rows)


def insert_tuples(
    conn: sa.Connection,
    table: sa.Table,
    keys: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    or_ignore: bool = False,
) -> int:
    """INSERT rows given as tuples in `keys` order, values as the DB-API takes them;
    `or_ignore`: a row whose key is already there is skipped. Returns the number of rows
    inserted (rows skipped as already there do not count)."""
    return _write(conn, table, keys, rows, or_ignore=or_ignore)


def upsert_tuples(
    conn: sa.Connection,
    table: sa.Table,
    keys: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict_keys: Sequence[str],
) -> None:
    """INSERT rows, or on a clash of `conflict_keys` overwrite the other columns (ON CONFLICT
    ... DO UPDATE, the same words in SQLite and PostgreSQL)."""
    _write(conn, table, keys, rows, conflict_keys=conflict_keys)


def converters(
    conn: sa.Connection | sa.Dialect,
    table: sa.Table,
    keys: Iterable[str],
    *,
    iso_times: bool = False,
) -> list[Callable[[Any], Any] | None]:
    """Each column's own conversion to what the DB-API stores (None: stored as given), for a
    connection or its dialect (an import's worker process has no connection, issue 22).
    `iso_times`: the UTC date-time columns are given as ISO 8601 text (a change's fields)
    rather than datetimes; on SQLite they are rewritten to the stored form directly."""
    dialect = conn if isinstance(conn, sa.Dialect) else conn.dialect

    def convert(key: str) -> Callable[[Any], Any] | None:
        column_type = table.c[key].type
        if not iso_times and dialect.name == "sqlite" and isinstance(column_type, UTCDateTime):
            return _sqlite_utc  # what the two processors below make of it, in one step
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if not (iso_times and isinstance(column_type, UTCDateTime)):
            return process
        if dialect.name == "sqlite":
            return lambda value: None if value is None else sqlite_utc_text(value)
        assert process is not None  # a TypeDecorator always has one
        return lambda value: None if value is None else process(datetime.fromisoformat(value))

    return [convert(key) for key in keys]


def insert_dicts(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    or_ignore: bool = False,
    iso_times: bool = False,
) -> int:
    """INSERT rows that all have the same keys, as SQLAlchemy's executemany would store them
    (each column's own bind processor), without its per-row parameter building."""
    if not rows:
        return 0
    keys = list(rows[0])
    params = dict_tuples(conn, table, keys, rows, iso_times=iso_times)
    return insert_tuples(conn, table, keys, params, or_ignore=or_ignore)


def dict_tuples(
    conn: sa.Connection | sa.Dialect,
    table: sa.Table,
    keys: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    *,
    iso_times: bool = False,
) -> list[Sequence[Any]]:
    """Rows given as dicts, as the tuples in `keys` order that `insert_tuples` writes (each
    column's own conversion)."""
    values_of = row_values(conn, table, keys, iso_times=iso_times)
    return [tuple(values_of(row)) for row in rows]


def row_values(
    conn: sa.Connection | sa.Dialect,
    table: sa.Table,
    keys: Sequence[str],
    *,
    iso_times: bool = False,
) -> Callable[[Mapping[str, Any]], list[Any]]:
    """A row given as a dict -> its values in `keys` order, as `insert_tuples` writes them
    (each column's own conversion): the conversions looked up once, for many rows."""
    # Only the columns that have a conversion are touched, each row's values taken in one
    # call: per value, a generator step cost more than the conversions (issue 22's import).
    converted = [(i, p) for i, p in enumerate(converters(conn, table, keys, iso_times=iso_times))
                 if p is not None]  # fmt: skip
    take = itemgetter(*keys)
    one = len(keys) == 1

    def values_of(row: Mapping[str, Any]) -> list[Any]:
        values = [take(row)] if one else list(take(row))
        for i, process in converted:
            values[i] = process(values[i])
        return values

    return values_of


def _sqlite_utc(moment: datetime | None) -> str | None:
    """A datetime as a UTC column stores it in SQLite (UTCDateTime then SQLAlchemy's DateTime:
    "YYYY-MM-DD HH:MM:SS.ffffff", UTC); a naive one is refused as UTCDateTime refuses it."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]


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
