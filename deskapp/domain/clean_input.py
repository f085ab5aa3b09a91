"""What the desk can store and show back: the one rule every typed, pasted or imported text and
date goes through (intake, follow-up dialogs, the opinion book, staff, import, search).

A text is refused, in words, when it holds a character a person cannot read back or a file
cannot hold: a control character (a multi-line text may hold its line breaks), a lone UTF-16
surrogate (a broken paste; it cannot be encoded, so SQLite, a file or a terminal would fail on
it), a direction control (it shows the text reversed: BIDI_CONTROLS), or nothing but
invisible marks (zero-width spaces: a name that looks empty). Dates are refused outside the
years 2000–2099: a year 1 has no UTC equivalent in the hall's time zone (OverflowError), and a
desk opened in 2026 has no business with year 9999.

`printable()` is the other side: what an older desk stored before this rule is made safe for a
file (an export never fails on content)."""

from __future__ import annotations

import re
import unicodedata

from deskapp.domain.errors import FieldError

FIRST_YEAR = 2000
LAST_YEAR = 2099
LINE_BREAKS = "\n\r"
# Controls (Cc) and the Unicode line/paragraph separators break a one-line field, a CSV row or a
# terminal line; surrogates (Cs) cannot be encoded at all.
_UNSTORABLE = ("Cc", "Cs", "Zl", "Zp")
# Direction controls (embeddings, overrides, isolates, LRM/RLM): a name holding one is shown
# reversed or out of place ("\u202e王五" reads as 五王), on screen and in every export. A Chinese
# desk's texts need none; refused like a control character, anywhere inside a text.
# (U+061C, the Arabic letter mark, is one too.)
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# A zero-width no-break space (U+FEFF, a byte-order mark pasted mid-text) hides inside a name:
# refused anywhere, said as a control character (invisible, cannot be stored cleanly).
_HIDDEN_ANYWHERE = frozenset("\ufeff")
# Letters that draw nothing (the Hangul fillers, the blank braille pattern): a name of only
# these looks empty, as one of only zero-width marks does.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# What a file still refuses once text is in the store: XML 1.0 (xlsx, HTML) allows tab and the
# line breaks among controls; surrogates cannot be written as UTF-8. Direction controls are
# neutralised with them: an export or a screen never shows a stored name reversed.
_NOT_IN_FILES = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff"
    + "".join(sorted(BIDI_CONTROLS))
    + "]"
)


# Characters none of the checks below can object to (printable ASCII, CJK punctuation bar the
# ideographic space, the unified ideographs, full-width forms), and that are visible but for
# the space: a text of only these is answered at once (an import checks millions, issue 22).
_PLAINLY_CLEAN = re.compile("[\x20-\x7e\u3001-\u303f\u4e00-\u9fff\uff01-\uff5e]*")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """The error key for a text the desk cannot store cleanly, or None when it can."""
    if _PLAINLY_CLEAN.fullmatch(value):
        return None
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs":
            return "error.text.surrogate"
        if category in _UNSTORABLE and not (multiline and ch in LINE_BREAKS):
            return "error.text.control"
        if ch in BIDI_CONTROLS:
            return "error.text.bidi"
    if (
        value
        and not value.isspace()
        and all(
            unicodedata.category(ch) == "Cf" or ch.isspace() or ch in _BLANK_LOOKING for ch in value
        )
    ):
        return "error.text.invisible"
    if any(ch in _HIDDEN_ANYWHERE for ch in value):
        return "error.text.control"
    return None


def check_clean(field: str, value: str, *, multiline: bool = False) -> FieldError | None:
    key = text_problem(value, multiline=multiline)
    return None if key is None else FieldError(field, key)


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def year_error(field: str) -> FieldError:
    return FieldError(field, "error.time.year_range", {"first": FIRST_YEAR, "last": LAST_YEAR})


def printable(text: str) -> str:
    """Text as a file (or a screen) can hold it: each character a file refuses, and each
    direction control, becomes U+FFFD (visible, so the reader sees that something was there)."""
    return _NOT_IN_FILES.sub("\ufffd", text)
