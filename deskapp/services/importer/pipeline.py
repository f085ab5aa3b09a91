"""`import_file`: read the file, check every row, spool the good ones, write them in time
order (unless a dry run), and say what happened to every line."""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from deskapp.domain.errors import RuleViolation
from deskapp.i18n import error_text, t
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer.columns import _HEADERS, BY_FIELD, COLUMNS, _fold
from deskapp.services.importer.compare import _differences
from deskapp.services.importer.files import DataRows, read_rows
from deskapp.services.importer.parsing import _Parser
from deskapp.services.importer.rows import ImportResult, ParsedRow, RowProblem
from deskapp.services.importer.spool import _Spool, load_row
from deskapp.services.importer.worker import Checked, Worker
from deskapp.services.importer.writing import AHEAD, RecordSpec, _write_rows, compare_with_store
from deskapp.services.progress import Progress, no_progress
from deskapp.store.engine import is_read_only
from deskapp.store.failures import StoreUnavailable

T = TypeVar("T")
BATCH = 1000  # rows per transaction: a crash loses at most one batch, and re-running resumes
TICK = 500  # rows between two progress reports while checking
# A file this large (about 4,000 rows) has its records made in a second process (worker.py):
# below it, starting the process would cost more than it saves.
WORKER_BYTES = 1_000_000

# progress(phase, done, total) (services/progress.py): phase "check" (rows read and checked;
# total estimated from the file's lines, 0 when unknown) then "write" (checked rows written).


def estimate_rows(path: Path) -> int:
    """The data rows a file probably holds, for a progress bar: a CSV's line breaks less its
    header (a quoted line break counts too), an XLSX's last row as its sheet says (0 unknown)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            try:
                return max((book.worksheets[0].max_row or 1) - 1, 0)
            finally:
                book.close()
        except Exception:  # a damaged file is refused, in words, when it is read
            return 0
    count = 0
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            count += chunk.count(b"\n")
    return max(count - 1, 0)


def import_file(
    desk: Desk,
    actor: Actor,
    path: Path,
    *,
    source: str = "",
    encoding: str | None = None,
    dry_run: bool = False,
    batch: int = BATCH,
    max_bytes: int | None = None,
    progress: Progress | None = None,
    orm: bool = False,
    worker: bool | None = None,
) -> ImportResult:
    """Check every row, import the good ones (unless `dry_run`), report the rest. A file
    larger than `max_bytes` (hall.toml [imports] max_file_mb) is refused before reading.
    `progress` is told how far the checking, then the writing, has come. `orm` writes through
    ORM objects as before issue 22 (for the test and the benchmark that compare the two).
    `worker`: rows are checked and records made in a second process too (worker.py) while
    this one reads and writes; None: for a file of `WORKER_BYTES` or more, on a machine with
    more than one processor."""
    report = progress or no_progress
    if max_bytes is None:
        max_bytes = desk.refdata.settings.imports.max_file_mb * 1_000_000
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RuleViolation.single("file", "error.import.read", reason=exc.strerror or "") from None
    if size > max_bytes:
        raise RuleViolation.single("file", "error.import.too_large",
                                   size=_megabytes(size), limit=_megabytes(max_bytes))  # fmt: skip
    used, header, data = read_rows(path, encoding)
    fields: dict[int, str] = {}
    result = ImportResult(path, used)
    for index, name in enumerate(header):
        found = _HEADERS.get(_fold(name))
        if found and found not in fields.values():
            fields[index] = found
        elif str(name).strip():
            result.ignored_columns.append(str(name).strip())
    missing = [c.header for c in COLUMNS if c.required and c.field not in fields.values()]
    if missing:
        raise RuleViolation.single("file", "error.import.columns_missing",
                                   columns="、".join(missing))  # fmt: skip
    parser = _Parser(desk, actor, source.strip())
    if is_read_only(desk.engine):  # (its spool, beside the store, could not be made either)
        raise StoreUnavailable("error.store.readonly", "import into a read-only store")
    expected = estimate_rows(path) if progress else 0
    if worker is None:  # (on one core, a second process would only add its own work)
        worker = size >= WORKER_BYTES and _cores() > 1
    with contextlib.ExitStack() as stack:
        helper = None
        if worker and not orm:
            spec = None if dry_run else RecordSpec.of(desk, actor, path.name)
            helper = stack.enter_context(Worker(spec, parser))
        good = stack.enter_context(_Spool(Path(str(desk.engine.url.database)).parent))
        _check(data, fields, parser, result, report, expected, good, helper)
        if dry_run:
            compare_with_store(desk, good.in_time_order(batch), result)
        else:
            _write_rows(desk, actor, path, good.in_time_order(batch), good.causes, result,
                        report, len(good), orm=orm, worker=helper)  # fmt: skip
    result.skipped.sort()
    result.problems.sort(key=lambda p: p.line)
    return result


def _check(data: DataRows, fields: dict[int, str], parser: _Parser, result: ImportResult,
           report: Progress, expected: int, good: _Spool,
           worker: Worker | None) -> None:  # fmt: skip
    """Every row checked; the good ones kept in `good`, the others reported."""
    report("check", 0, expected)
    causes = parser.paths  # (every cause a row can have, by its code)
    done = 0
    for rows in _checked(data, fields, parser, result, worker):
        done += len(rows)
        for line, checked in rows:
            if isinstance(checked, list):
                for error in checked:
                    result.problems.append(
                        RowProblem(line, BY_FIELD[error.field].header
                                   if error.field in BY_FIELD else error.field,
                                   error_text(error))
                    )  # fmt: skip
                continue
            entry = checked[0] if isinstance(checked, tuple) else None
            row_id = entry[0] if entry is not None else checked.id  # type: ignore[union-attr]
            earlier = good.get(row_id)
            if earlier is not None:
                parsed = (load_row(entry[3], causes) if entry is not None
                          else checked)  # fmt: skip
                assert isinstance(parsed, ParsedRow)
                differs = _differences(earlier, parsed)
                if differs:
                    for column in differs:
                        result.problems.append(RowProblem(line, column, t(
                            "import.conflict_in_file", external=parsed.external_no,
                            line=earlier.line)))  # fmt: skip
                else:
                    result.skipped.append((line, t("import.same_as_line",
                                                   line=earlier.line)))  # fmt: skip
                continue
            if entry is not None:
                cause = checked[1]  # type: ignore[index]
                good.causes.setdefault(cause, causes[cause])
                good.add_spooled(entry)
            else:
                assert isinstance(checked, ParsedRow)
                good.add(checked)
        report("check", done, max(expected, result.rows))
    report("check", result.rows, result.rows)


def _checked(data: DataRows, fields: dict[int, str], parser: _Parser, result: ImportResult,
             worker: Worker | None) -> Iterator[list[tuple[int, Checked]]]:  # fmt: skip
    """The file's rows checked, a batch at a time, in the file's order: by the worker while
    this process reads on, or here when the worker is behind (or gone)."""
    ahead: deque[tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, Checked]] | None]]
    ahead = deque()
    for batch in _batches(data, fields, result):
        if worker is not None and worker.waiting < AHEAD and worker.send(("check", batch)):
            ahead.append((batch, None))
        else:
            ahead.append((batch, [(line, parser.parse(line, cells)) for line, cells in batch]))
        while ahead and (ahead[0][1] is not None or (worker is not None and worker.ready())):
            yield _taken(ahead.popleft(), parser, worker)
    while ahead:  # the file read: what the worker has not yet done is done here
        batch, here = ahead.popleft()
        if here is None and worker is not None and not worker.ready():
            worker.drop()
            here = [(line, parser.parse(line, cells)) for line, cells in batch]
        yield _taken((batch, here), parser, worker)


def _taken(sent: tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, Checked]] | None],
           parser: _Parser, worker: Worker | None) -> list[tuple[int, Checked]]:  # fmt: skip
    batch, here = sent
    if here is not None:
        return here
    assert worker is not None
    checked = worker.take()
    if checked is None:  # the worker is gone: checked here
        return [(line, parser.parse(line, cells)) for line, cells in batch]
    return checked  # type: ignore[no-any-return]


def _batches(data: DataRows, fields: dict[int, str], result: ImportResult
             ) -> Iterator[list[tuple[int, dict[str, Any]]]]:  # fmt: skip
    """The file's rows that are not blank, as cells by field, a batch at a time (`TICK`)."""
    batch: list[tuple[int, dict[str, Any]]] = []
    for line, cells in data:
        if not any(c not in (None, "") and str(c).strip() for c in cells):
            continue
        result.rows += 1
        batch.append((line, {fields[i]: v for i, v in enumerate(cells) if i in fields}))
        if len(batch) == TICK:
            yield batch
            batch = []
    if batch:
        yield batch


def _cores() -> int:
    """The processors this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}"
