"""Printable files: a self-contained HTML page with A4 print styles. Every counter PC has a
browser that prints it, and it needs no office suite. Used by the major-complaint report form,
the shift handover and the day's work record."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deskapp.domain.clean_input import printable
from deskapp.paths import write_export


@dataclass(frozen=True)
class FieldTable:
    """Label/value rows (a form)."""

    rows: Sequence[tuple[str, str]]
    title: str = ""
    signature_rows: Sequence[str] = ()  # labels of empty rows left for a signature


@dataclass(frozen=True)
class GridTable:
    """A table with a header row."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str = ""


Section = FieldTable | GridTable

_STYLE = """
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Serif CJK SC", "SimSun", serif; font-size: 11pt; }
h1 { text-align: center; font-size: 16pt; }
h2 { font-size: 12pt; margin-top: 6mm; }
table { width: 100%; border-collapse: collapse; margin-bottom: 6mm; }
th, td { border: 1px solid #000; padding: 2mm; vertical-align: top; text-align: left; }
th { background: #eee; }
table.form th { width: 28%; }
td.sign { height: 24mm; }
"""


def safe_name(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z\u4e00-\u9fff-]", "_", text)


def render(title: str, sections: Sequence[Section]) -> str:
    esc = html.escape
    parts = [f"<h1>{esc(title)}</h1>"]
    for section in sections:
        if section.title:
            parts.append(f"<h2>{esc(section.title)}</h2>")
        if isinstance(section, FieldTable):
            rows = [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in section.rows]
            rows += [
                f'<tr><th>{esc(k)}</th><td class="sign"></td></tr>' for k in section.signature_rows
            ]
            parts.append('<table class="form">' + "".join(rows) + "</table>")
        else:
            head = "".join(f"<th>{esc(h)}</th>" for h in section.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                for row in section.rows
            )
            parts.append(f"<table><tr>{head}</tr>{body}</table>")
    return printable(  # what an older desk stored may hold characters HTML and UTF-8 cannot
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def write_printable(
    directory: Path, filename: str, title: str, sections: Sequence[Section]
) -> Path:
    text = render(title, sections)
    path = directory / f"{safe_name(filename)}.html"
    return write_export(path, lambda temp: temp.write_text(text, encoding="utf-8"))
