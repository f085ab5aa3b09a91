"""Text the desk shows is never markup (issue 18).

What a handler or a customer typed (a complaint "[/b]…", a batch title "[@click=app.quit]…")
reaches tables, lines, choices and toasts. Textual and Rich read a plain str there as markup:
a stray closing tag stopped the table drawing (MarkupError), and a click tag would make the
text a button for an app action. The desk uses no markup of its own (styles are given as
`Text` styles), so every str shown is taken literally: the screens build their lines with
`Static`/`Label` from here (markup off), their tables with `PlainTable`, Rich grids with
`PlainGrid`; a Select's choices are `Text` (widgets/field.py, intake), the app's `notify`
turns markup off (deskapp/screens/app.py) and the palette escapes its complaint hits
(Textual reads those as markup with no switch). tests/ui/test_ui_markup18.py stores such
text in every field and opens every screen."""

from __future__ import annotations

from collections import UserString
from collections.abc import Iterable
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import widgets
from textual.widgets.data_table import CellType, ColumnKey, RowKey


def plain(value: object) -> object:
    """A str as literal text; anything else (a `Text`, a number, a Rich table) as it is."""
    return Text(value) if isinstance(value, str) else value


def plain_cells(*values: object) -> list[Any]:
    """Cells for a Rich `Table.add_row` (a str cell would be read as markup)."""
    return [plain(v) for v in values]


class Static(widgets.Static):
    """A Static whose str content is literal text, never markup."""

    def __init__(self, content: Any = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(content, markup=markup, **kwargs)


class Label(widgets.Label):
    """A Label whose str content is literal text, never markup."""

    def __init__(self, content: Any = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(content, markup=markup, **kwargs)


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


class PlainGrid(Table):
    """A Rich table (a ticket's record, its events) whose str cells are literal text."""

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*plain_cells(*renderables), **kwargs)
