"""Chinese substring search over an FTS5 index.

FTS5's trigram tokenizer cannot match the two-character words Chinese is full of (信号, 扣费),
so the index stores overlapping bigrams of the normalized text and a query becomes a phrase of
its bigrams: consecutive overlapping bigrams match exactly when the query is a substring.
Punctuation and spaces are dropped on both sides, so "信号，不好" finds "信号不好"."""

from __future__ import annotations

import re

_NOT_SEARCHABLE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def normalize(text: str) -> str:
    return _NOT_SEARCHABLE.sub("", text.lower())


def bigrams(text: str | None) -> str:
    """The indexed form: space-separated overlapping bigrams of the normalized text."""
    n = normalize(text or "")
    if len(n) < 2:
        return n
    # Each character with the next (a generator of slices took twice as long: the search
    # index's trigger runs this three times per complaint an import writes, issue 22).
    return " ".join(map(str.__add__, n[:-1], n[1:]))


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH phrase for the query, or None when it is too short to index (one char)."""
    n = normalize(query)
    if len(n) < 2:
        return None
    return '"' + bigrams(n) + '"'
