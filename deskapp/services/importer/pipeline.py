"""`import_file`: read the file, check every row, spool the good ones, write them in time
order (unless a dry run), and say what happened to every line."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TypeVar

from deskapp.domain.errors import RuleViolation
from deskapp.i18n import error_text, t
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer.columns import _HEADERS, BY_FIELD, COLUMNS, _fold
from deskapp.services.importer.compare import _differences
from deskapp.services.importer.files import DataRows, read_rows
from deskapp.services.importer.parsing import _Parser
from deskapp.services.importer.rows import ImportResult, RowProblem
from deskapp.services.importer.spool import _Spool
from deskapp.services.importer.worker import Worker
from deskapp.services.importer.writing import RecordSpec, _write_rows
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
    `worker`: the records are made in a second process (worker.py) while this one writes;
    None: for a file of `WORKER_BYTES` or more."""
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
    if worker is None:
        worker = size >= WORKER_BYTES
    with contextlib.ExitStack() as stack:
        # Started first: the worker process loads while the rows are checked.
        helper = (stack.enter_context(Worker(RecordSpec.of(desk, actor, path.name)))
                  if worker and not dry_run and not orm else None)  # fmt: skip
        _check_and_write(desk, actor, path, data, fields, parser, result, report, expected,
                         dry_run=dry_run, batch=batch, orm=orm, worker=helper)  # fmt: skip
    result.skipped.sort()
    result.problems.sort(key=lambda p: p.line)
    return result


def _check_and_write(desk: Desk, actor: Actor, path: Path, data: DataRows,
                     fields: dict[int, str], parser: _Parser, result: ImportResult,
                     report: Progress, expected: int, *, dry_run: bool, batch: int, orm: bool,
                     worker: Worker | None) -> None:  # fmt: skip
    report("check", 0, expected)
    with _Spool(Path(str(desk.engine.url.database)).parent) as good:
        for line, cells in data:
            if result.rows % TICK == 0 and result.rows:
                report("check", result.rows, max(expected, result.rows))
            if not any(c not in (None, "") and str(c).strip() for c in cells):
                continue
            result.rows += 1
            values = {fields[i]: v for i, v in enumerate(cells) if i in fields}
            parsed = parser.parse(line, values)
            if isinstance(parsed, list):
                for error in parsed:
                    result.problems.append(
                        RowProblem(line, BY_FIELD[error.field].header if error.field in BY_FIELD
                                   else error.field, error_text(error))
                    )  # fmt: skip
                continue
            earlier = good.get(parsed.id)
            if earlier is not None:
                differs = _differences(earlier, parsed)
                if differs:
                    for column in differs:
                        result.problems.append(RowProblem(line, column, t(
                            "import.conflict_in_file", external=parsed.external_no,
                            line=earlier.line)))  # fmt: skip
                else:
                    result.skipped.append((line, t("import.same_as_line", line=earlier.line)))
                continue
            good.add(parsed)
        report("check", result.rows, result.rows)
        if not dry_run:
            _write_rows(desk, actor, path, good.in_time_order(batch), good.causes, result,
                        report, len(good), orm=orm, worker=worker)  # fmt: skip


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}"
