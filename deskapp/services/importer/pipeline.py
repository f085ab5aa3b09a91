"""`import_file`: read the file, check every row, spool the good ones, write them in time
order (unless a dry run), and say what happened to every line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

from deskapp.domain.errors import RuleViolation
from deskapp.i18n import error_text, t
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer.columns import _HEADERS, BY_FIELD, COLUMNS, _fold
from deskapp.services.importer.compare import _differences
from deskapp.services.importer.files import read_rows
from deskapp.services.importer.parsing import _Parser
from deskapp.services.importer.rows import ImportResult, RowProblem
from deskapp.services.importer.spool import _Spool
from deskapp.services.importer.writing import _write_rows
from deskapp.services.progress import Progress, no_progress
from deskapp.store.engine import is_read_only
from deskapp.store.failures import StoreUnavailable

T = TypeVar("T")
BATCH = 1000  # rows per transaction: a crash loses at most one batch, and re-running resumes


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
    progress: Progress = no_progress,
) -> ImportResult:
    """Check every row, import the good ones (unless `dry_run`), report the rest. A file
    larger than `max_bytes` (hall.toml [imports] max_file_mb) is refused before reading.
    `progress`: told the rows checked ("import_check", total unknown) every `batch` rows, then
    the good rows written ("import_write", of how many) after each transaction."""
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
    with _Spool(Path(str(desk.engine.url.database)).parent) as good:
        for line, cells in data:
            if not any(c not in (None, "") and str(c).strip() for c in cells):
                continue
            result.rows += 1
            if result.rows % batch == 0:
                progress("import_check", result.rows, None)
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
        progress("import_check", result.rows, result.rows)
        if not dry_run:
            chunks = _told(good.in_time_order(batch), len(good), progress)
            _write_rows(desk, actor, path, chunks, result)
    result.skipped.sort()
    result.problems.sort(key=lambda p: p.line)
    return result


def _told(chunks: Iterator[list[T]], total: int, progress: Progress) -> Iterator[list[T]]:
    """The chunks, each told to `progress` once written (when the next one is asked for)."""
    done = 0
    progress("import_write", done, total)
    for chunk in chunks:
        yield chunk
        done += len(chunk)
        progress("import_write", done, total)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}"
