"""Text the desk shows is never markup (issue 18).

What a handler or a customer typed (a complaint "[/b]…", a batch title "[@click=app.quit]…")
reaches tables, lines, choices and toasts. Textual and Rich read a plain str there as markup:
a stray closing tag stopped the table drawing (MarkupError), and a click tag would make the
text a button for an app action. The desk uses no markup of its own (styles are given as
`Text` styles), so every str shown is taken literally: the screens build their lines with
`Static`/`Label` from here (markup off), their tables with `PlainTable`
(widgets/plain_table.py), Rich grids with `PlainGrid`; a Select's choices are `Text`
(widgets/field.py, intake), the app's `notify` turns markup off (deskapp/screens/app.py) and
the palette escapes its complaint hits (Textual reads those as markup with no switch).
tests/ui/test_ui_markup18.py stores such text in every field and opens every screen."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import widgets


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


class PlainGrid(Table):
    """A Rich table (a ticket's record, its events) whose str cells are literal text."""

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*plain_cells(*renderables), **kwargs)
