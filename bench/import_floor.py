"""The floor of issue 22's import: SQLite's own time to write what an import writes.

    python -m bench.import_floor [--rows 100000] [--reps 2] [--variants full:1000,normal:1000,
        full:5000,normal:5000] [--drop-index NAME ...] [--fresh-source]

A file of `--rows` rows (the generated CSV of `bench.reports`, seed 7, as `bench.import_speed`)
is imported once into a store made as `bench.import_speed` makes its own (migrations, terminal,
one handler) by this checkout's code (both kept in bench/out/ and used again unless
`--fresh-source`). Then, for each variant, a copy of the store as it was before that import
gets exactly the rows the import wrote: the
complaints, their events, the change log's rows and the search index, one transaction per
chunk of the import (its `txn_id`; with chunks of 5,000, five of them in one), each chunk as
the import writes it (the terminal's row advanced, the search index's trigger dropped, the log's
rows, the complaints and the events by executemany, the chunk's complaints indexed by one
INSERT ... SELECT, the trigger made again, COMMIT), on a plain sqlite3 connection with the
store's pragmas (WAL, foreign keys, `synchronous` as the variant says) and the import's (page
cache 64 MiB, the log copied into the store every 16,000 pages; with `normal`, one checkpoint
at the end, counted with the commits, which makes the unsynced commits durable). A chunk's
rows are read from the source store before its transaction, untimed (CPU too): no checking, no
records made, no reads of the import's own (rows already there, repeats, ticket counters), no
ticket counter written.

`--drop-index` (repeatable) drops that index from each fresh store first: what the index costs
the import. `--cache-mib`: another page cache than the import's. `--ordered-ids`: the ids the
import derived (random: uuid5 of each row) replaced by ids that grow in the order the rows are
written, consistently (a complaint's events, its log rows, a repeat's link): what ids derived in
time order would cost. Variants alternate over `--reps` so that the machine's load hits each
alike."""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.common import OUT, drop_copy, loadavg, working_copy

CACHE_KIB = 65_536  # as deskapp/services/importer/writing.py
WAL_PAGES = 16_000
TRIGGER = "complaint_fts_insert"


def make_source(rows: int, fresh: bool) -> tuple[Path, Path]:
    """A store as `bench.import_speed` makes it before its import (migrations, terminal, one
    handler) and a copy of it holding one import of the generated file (made once, then kept)."""
    empty, db = OUT / f"import-floor-empty-{rows}.db", OUT / f"import-floor-source-{rows}.db"
    if empty.exists() and db.exists() and not fresh:
        return empty, db
    from bench import make_db
    from bench.reports import write_import_csv
    from deskapp.services.desk import Desk
    from deskapp.services.importer import import_file, importing_actor

    drop_copy(empty)
    _new_store(empty, make_db.HALL, make_db.TZ).close()
    drop_copy(db)
    working_copy(empty, "import-floor-source").replace(db)
    source = OUT / f"import-floor-{rows}.csv"
    write_import_csv(source, rows)
    try:
        desk = Desk.open(db)
        started = time.perf_counter()
        result = import_file(desk, importing_actor(desk, "1001", "1111"), source)
        print(f"source: {len(result.imported):,} rows imported in "
              f"{time.perf_counter() - started:.1f} s ({db})", flush=True)  # fmt: skip
        desk.close()
    finally:
        source.unlink(missing_ok=True)
    return empty, db


def _new_store(db: Path, hall: str, tz: str) -> Any:
    from deskapp.domain.enums import Role
    from deskapp.services.desk import Desk
    from deskapp.services.staff import seed_staff
    from deskapp.services.terminal import init_terminal

    desk = Desk.open(db)
    init_terminal(desk, hall, "T09", tz)
    seed_staff(desk, "system:bench", [("1001", "张敏", Role.HANDLER, "1111")])
    return desk


class Source:
    """The source store's rows, a transaction of its import at a time."""

    def __init__(self, db: Path, ordered_ids: bool = False) -> None:
        self.con = sqlite3.connect(db)
        # `--ordered-ids`: each id the import derived replaced by one that grows with the order
        # the rows are written in (the time order), the same length, the same id everywhere
        self.ordered: dict[str, str] | None = {} if ordered_ids else None
        self.txns = [t for (t,) in self.con.execute(
            "SELECT txn_id FROM change_log WHERE entity = 'complaint' GROUP BY txn_id"
            " ORDER BY min(seq)")]  # fmt: skip
        self.columns = {
            table: [r[1] for r in self.con.execute(f"PRAGMA table_info({table})")]
            for table in ("change_log", "complaint", "complaint_event")
        }

    def chunk(self, txns: list[str]) -> dict[str, list[tuple[Any, ...]]]:
        marks = ", ".join("?" * len(txns))
        rows = {
            "change_log": self.con.execute(
                f"SELECT * FROM change_log WHERE txn_id IN ({marks}) ORDER BY seq", txns
            ).fetchall()
        }
        for table in ("complaint", "complaint_event"):
            rows[table] = self.con.execute(
                f"SELECT * FROM {table} WHERE id IN (SELECT entity_id FROM change_log"
                f" WHERE txn_id IN ({marks}) AND entity = ?) ORDER BY rowid", (*txns, table),
            ).fetchall()  # fmt: skip
        if self.ordered is not None:
            self._reorder(rows)
        return rows

    def _reorder(self, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        ordered = self.ordered
        assert ordered is not None

        def new(old: str | None) -> str | None:
            if old is None:
                return None
            if old not in ordered:
                digits = f"{len(ordered) + 1:032x}"
                ordered[old] = "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20],
                                         digits[20:]))  # fmt: skip
            return ordered[old]

        for table, keys in (("complaint", ("id", "repeat_of_id")),
                            ("complaint_event", ("id", "complaint_id")),
                            ("change_log", ("entity_id",))):  # fmt: skip
            at = [self.columns[table].index(key) for key in keys]
            changed = []
            for row in rows[table]:
                values = list(row)
                for i in at:
                    values[i] = new(values[i])
                changed.append(tuple(values))
            rows[table] = changed


def one(empty: Path, source: Source, variant: str, drop: list[str], cache_kib: int = CACHE_KIB
        ) -> dict[str, Any]:  # fmt: skip
    from deskapp.domain.text_search import bigrams
    from deskapp.store.search_index import BODY

    sync, size = variant.split(":")
    chunk_txns = int(size) // 1000
    db = working_copy(empty, "import-floor")  # the store the source's import started from
    con = sqlite3.connect(db, isolation_level=None)
    try:
        for statement in ("PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL",
                          "PRAGMA foreign_keys = ON", f"PRAGMA synchronous = {sync.upper()}",
                          f"PRAGMA cache_size = -{cache_kib}",
                          f"PRAGMA wal_autocheckpoint = {WAL_PAGES}"):  # fmt: skip
            con.execute(statement)
        con.create_function("bigrams", 1, bigrams, deterministic=True)
        for name in drop:
            con.execute(f"DROP INDEX {name}")
        made = con.execute("SELECT sql FROM sqlite_master WHERE name = ?", (TRIGGER,)).fetchone()
        (node,) = con.execute("SELECT node_id FROM terminal").fetchone()
        inserts = [
            (table, f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                    f"({', '.join('?' * len(cols))})")
            for table, cols in source.columns.items()
        ]  # fmt: skip
        times = {"inserts": 0.0, "index": 0.0, "commit": 0.0}
        written = 0
        load = loadavg()
        cpu = 0.0
        for start in range(0, len(source.txns), chunk_txns):
            rows = source.chunk(source.txns[start : start + chunk_txns])
            c0 = time.process_time()
            t0 = time.perf_counter()
            con.execute("BEGIN IMMEDIATE")
            con.execute("UPDATE terminal SET last_seq = last_seq + ? WHERE node_id = ?",
                        (len(rows["change_log"]), node))  # fmt: skip
            (last,) = con.execute("SELECT coalesce(max(rowid), 0) FROM complaint").fetchone()
            con.execute(f"DROP TRIGGER {TRIGGER}")
            for table, sql in inserts:
                con.executemany(sql, rows[table])
            t1 = time.perf_counter()
            con.execute(f"INSERT INTO complaint_fts(rowid, body) SELECT rowid, {BODY}"
                        " FROM complaint WHERE rowid > ?", (last,))  # fmt: skip
            con.execute(made[0])
            t2 = time.perf_counter()
            con.execute("COMMIT")
            t3 = time.perf_counter()
            times["inserts"] += t1 - t0
            times["index"] += t2 - t1
            times["commit"] += t3 - t2
            cpu += time.process_time() - c0
            written += len(rows["complaint"])
        if sync == "normal":  # what makes the unsynced commits durable at the end
            c0, t0 = time.process_time(), time.perf_counter()
            con.execute("PRAGMA wal_checkpoint(FULL)")
            times["commit"] += time.perf_counter() - t0
            cpu += time.process_time() - c0
    finally:
        con.close()
        drop_copy(db)
    return {"variant": variant, "rows": written, "cpu": cpu, **times,
            "load": f"{load} / {loadavg()}"}  # fmt: skip


def line(f: dict[str, Any]) -> str:
    rows = f["rows"]
    wall = f["inserts"] + f["index"] + f["commit"]

    def us(seconds: float) -> str:
        return f"{seconds / rows * 1e6:.0f}"

    return (f"{f['variant']:>12}: {rows:,} rows in {wall:.1f} s ({rows / wall:,.0f} rows/s), "
            f"µs a row: inserts {us(f['inserts'])}, search index {us(f['index'])}, commits "
            f"{us(f['commit'])}, all {us(wall)} (CPU {us(f['cpu'])}); "
            f"load {f['load']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--variants", default="full:1000,normal:1000,full:5000,normal:5000")
    parser.add_argument("--drop-index", action="append", default=[])
    parser.add_argument("--fresh-source", action="store_true")
    parser.add_argument("--cache-mib", type=int, default=CACHE_KIB // 1024)
    parser.add_argument("--ordered-ids", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    empty, db = make_source(args.rows, args.fresh_source)
    source = Source(db, args.ordered_ids)
    variants = args.variants.split(",")
    runs = []
    for rep in range(args.reps):
        for variant in variants if rep % 2 == 0 else reversed(variants):
            runs.append(one(empty, source, variant, args.drop_index, args.cache_mib * 1024))
            print(line(runs[-1]), flush=True)
    for variant in variants:
        mine = [r for r in runs if r["variant"] == variant]
        wall = sum(r["inserts"] + r["index"] + r["commit"] for r in mine) / len(mine)
        print(f"{variant} (mean of {len(mine)}): {mine[0]['rows'] / wall:,.0f} rows/s, "
              f"{wall / mine[0]['rows'] * 1e6:.0f} µs a row")  # fmt: skip


if __name__ == "__main__":
    main()
