"""Reading an import file: XLSX, or CSV in UTF-8 (with or without a BOM) or GBK, streamed a
row at a time, with the encoding found without reading the file into memory."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from deskapp.domain.errors import RuleViolation
from deskapp.services.importer.columns import _HEADERS, _fold

# (line number, cells) of each data row: XLSX cells come typed (numbers, dates), CSV's as text.
DataRows = Iterator[tuple[int, list[Any]]]


def read_rows(path: Path, encoding: str | None = None) -> tuple[str, list[str], DataRows]:
    """(encoding used, header cells, iterator of (line number, cells)). Raises RuleViolation
    with a file-level error when the file cannot be read as a table."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix not in (".csv", ".txt"):
        raise RuleViolation.single("file", "error.import.file_format")
    return _read_csv(path, encoding)


def _read_xlsx(path: Path) -> tuple[str, list[str], DataRows]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise RuleViolation.single("file", "error.import.read", reason=str(exc)[:200]) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    for number, cells in enumerate(rows, start=1):
        if any(c not in (None, "") for c in cells):
            header = ["" if c is None else str(c) for c in cells]

            def data(start: int = number) -> DataRows:
                # read_only parses the sheet as it goes: a damaged sheet inside a sound zip
                # fails here, after the header. Every row is read before anything is written,
                # so refusing the file at this point still imports nothing.
                try:
                    for line, values in enumerate(rows, start=start + 1):
                        yield line, list(values)
                except Exception as exc:  # XML, zip and value errors of a damaged file
                    raise RuleViolation.single(
                        "file", "error.import.read", reason=str(exc)[:200]
                    ) from None
                finally:
                    book.close()

            return "xlsx", header, data()
    book.close()
    raise RuleViolation.single("file", "error.import.empty")


_CHUNK = 1 << 20


def _decodes_whole(path: Path, codec: str) -> bool:
    """Whether the whole file decodes in `codec`, read a chunk at a time (nothing kept)."""
    import codecs

    decoder = codecs.getincrementaldecoder(codec)()
    try:
        with path.open("rb") as raw:
            while chunk := raw.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(path: Path, encoding: str | None) -> tuple[str, str]:
    """(Python codec, the name reported) of the file, found without reading it into memory."""
    if encoding:
        try:
            ok = _decodes_whole(path, encoding)
        except LookupError:
            ok = False
        if not ok:
            raise RuleViolation.single("file", "error.import.encoding")
        return encoding, encoding
    with path.open("rb") as raw:
        bom = raw.read(3) == b"\xef\xbb\xbf"
    if bom:
        if _decodes_whole(path, "utf-8-sig"):
            return "utf-8-sig", "utf-8-sig"
        raise RuleViolation.single("file", "error.import.encoding")
    if _decodes_whole(path, "utf-8"):
        return "utf-8", "utf-8"
    # GB18030 is the superset of GBK (and GB2312) that Excel's "CSV" writes on a Chinese
    # Windows; a file it decodes is accepted only if its header is then recognised.
    if _decodes_whole(path, "gb18030"):
        return "gb18030", "gbk"
    raise RuleViolation.single("file", "error.import.encoding")


def _read_csv(path: Path, encoding: str | None) -> tuple[str, list[str], DataRows]:
    """Rows streamed from the file: memory holds one row, not the file (its size is checked
    first, and every row is still read and checked before anything is written)."""
    try:
        codec, used = _encoding(path, encoding)
        handle = path.open(encoding=codec, newline="")
    except OSError as exc:
        raise RuleViolation.single("file", "error.import.read", reason=exc.strerror or "") from None
    reader = csv.reader(handle)
    previous = 0
    header: list[str] | None = None
    for cells in reader:
        previous = reader.line_num
        if any(c.strip() for c in cells):
            header = cells
            break
    if header is None:
        handle.close()
        raise RuleViolation.single("file", "error.import.empty")
    recognised = sum(_fold(h) in _HEADERS for h in header)
    if used == "gbk" and recognised == 0:
        handle.close()
        raise RuleViolation.single("file", "error.import.encoding")

    def data() -> DataRows:
        nonlocal previous
        with handle:
            for cells in reader:
                start, previous = previous + 1, reader.line_num
                yield start, cells

    return used, header, data()
