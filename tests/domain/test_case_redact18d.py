"""Issue 18, what the re-check of the morning meeting's page found (deskapp/domain/cases.py:
redact): a long run of digits took seconds (a pattern tried from every character of the run,
each try reading to its end)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from deskapp.domain.cases import redact

# Shapes of text on which a pattern tried from every character of a run reads to the run's end.
_SHAPES = ["1", "1-", "a1", "a.", "1 ", "_1", "一", "1号", "1 a "]


@pytest.mark.parametrize("unit", _SHAPES)
def test_a_text_of_twenty_thousand_characters_is_redacted_at_once(unit: str) -> None:
    """Not a timing: the limit (10 s, where the page takes milliseconds) is only passed by a
    pattern that is quadratic or worse (10,000 digits took 4.8 s, 20,000 about 20 s)."""
    script = (
        "from deskapp.domain.cases import redact\n"
        f"redact({unit!r} * (20000 // {len(unit)}), ('张伟',), ('13812345678', 'gzkd8812ab'))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=10)


NAME, PHONE, ACCOUNT = "张伟", "13812345678", "gzkd8812ab"


def _page(text: str) -> str:
    return redact(text, (NAME,), (PHONE, ACCOUNT))


@pytest.mark.parametrize(
    "plain",
    ["2026-11-15", "2026.11.15", "2026/11/15", "11-15 10:30来厅", "2026-11-15 10:30到11:45",
     "2026-11-01至2026-11-30账单", "10:30-11:45、14:00-15:30两次", "20:00-21:00 21:00-22:00",
     "扣了12,800.00元", "扣了 ¥12,800.00", "充值1280000元"],
)  # fmt: skip
def test_dates_times_spans_and_amounts_are_kept(plain: str) -> None:
    assert _page(plain) == plain


@pytest.mark.parametrize(
    "written",
    ["1 3-8 12:34 5678", "12-12-34-56-78", "139-8765-4321", "13:98:76:54:32:1",
     "139 8765 4321 2026-11-15", "2026-11-15 10:30 139 8765"],
)  # fmt: skip
def test_a_number_with_a_date_or_time_in_it_is_still_masked(written: str) -> None:
    """A date or a time inside a run is kept only when such pieces are all the run holds."""
    page = _page(f"电话{written}。")
    assert not re.search(r"[0-9]", page), page


@pytest.mark.parametrize(
    "written", ["10：30－11：45", "２０２６／１１／１５", "QQ号：12345678", "尾号是：5678"]
)
def test_the_page_keeps_the_texts_own_punctuation(written: str) -> None:
    """Full-width signs are read as ASCII to find things, never written so."""
    page = _page(f"客户说{written}。")
    assert all(ch in page for ch in "：－／" if ch in written), page
    assert ":" not in page and "-" not in page and "/" not in page, page
