"""A DataTable whose str cells are literal text, never markup (issue 18: widgets/plain.py
says why). Its own module: DataTable, Textual's largest widget module, is imported by the
screens that show a table, not by the sign-in (issue 22)."""

from __future__ import annotations

from collections import UserString
from collections.abc import Iterable
from typing import Any

from textual import widgets
from textual.widgets.data_table import CellType, ColumnKey, RowKey


class Literal(UserString):
    """A table cell's text as it is. Not a str: a DataTable reads a str as markup, and anything
    else that is not a renderable through str(), drawn exactly as a str cell is (its wrapping,
    its width). Equal to, ordered and searched like the str it holds, so what reads a cell back
    (`get_row_at(0)[1] == "139…"`) reads the text."""


def _cell(value: object) -> object:
    return Literal(value) if isinstance(value, str) else value


class PlainTable(widgets.DataTable[CellType]):
    """A DataTable whose str cells are literal text, never markup."""

    def add_row(self, *cells: CellType, **kwargs: Any) -> RowKey:
        return super().add_row(*[_cell(c) for c in cells], **kwargs)  # type: ignore[arg-type]

    def add_rows(self, rows: Iterable[Iterable[CellType]]) -> list[RowKey]:
        return super().add_rows([_cell(c) for c in row] for row in rows)  # type: ignore[misc]

    def update_cell(
        self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType, **kwargs: Any
    ) -> None:
        super().update_cell(row_key, column_key, _cell(value), **kwargs)  # type: ignore[arg-type]

    def update_cell_at(self, coordinate: Any, value: CellType, **kwargs: Any) -> None:
        super().update_cell_at(coordinate, _cell(value), **kwargs)  # type: ignore[arg-type]
