"""text_problem answers a text of plainly clean characters at once (issue 22: an import checks
millions of texts); every character of that set passes each of the full checks, so the quick
answer is the one the full rule would give."""

from __future__ import annotations

import unicodedata

from deskapp.domain import clean_input
from deskapp.domain.clean_input import text_problem

_RANGES = ((0x20, 0x7F), (0x3001, 0x3040), (0x4E00, 0xA000), (0xFF01, 0xFF5F))


def _plain_chars() -> list[str]:
    return [chr(i) for lo, hi in _RANGES for i in range(lo, hi)]


def test_every_plainly_clean_character_passes_each_full_check() -> None:
    for ch in _plain_chars():
        assert clean_input._PLAINLY_CLEAN.fullmatch(ch), hex(ord(ch))
        assert unicodedata.category(ch) not in ("Cc", "Cs", "Zl", "Zp", "Cf"), hex(ord(ch))
        assert ch not in clean_input.BIDI_CONTROLS | clean_input._HIDDEN_ANYWHERE
        assert ch not in clean_input._BLANK_LOOKING
        assert ch == " " or not ch.isspace(), hex(ord(ch))


def test_the_characters_just_outside_are_still_judged_in_full() -> None:
    assert text_problem("王五\u3000") is None  # the ideographic space: the full check, fine
    assert text_problem("\u3164") == "error.text.invisible"
    assert text_problem("王\u202e五") == "error.text.bidi"
    assert text_problem("王\ufeff五") == "error.text.control"
    assert text_problem("a\nb") == "error.text.control"
    assert text_problem("a\nb", multiline=True) is None
    assert text_problem("\ud800") == "error.text.surrogate"
    assert clean_input._PLAINLY_CLEAN.fullmatch("\u3000") is None
