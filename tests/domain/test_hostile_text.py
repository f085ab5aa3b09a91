"""Hostile text through the pure validators (tests/domain/test_rules.py has the typed forms and
round trips of ordinary input; this adds what a paste or a broken IME can produce): control
characters, NUL, RTL and zero-width marks, full-width and other Unicode digits, 10,000-char
strings. A validator answers None/False or refuses with a RuleViolation whose keys are in the
catalogue; it never raises anything else, and what it accepts reads back as itself."""

from __future__ import annotations

import sqlite3
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.money import format_yuan, parse_amount
from deskapp.domain.phone import mask_phone, parse_phone, parse_service_number
from deskapp.domain.text_search import bigrams, match_expression, normalize
from deskapp.domain.ticket_number import looks_like_ticket_number
from deskapp.domain.timefmt import format_local, parse_local, read_local
from deskapp.i18n import catalogue, error_text

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
MARKS = "\x00\t\r\n\x0b\x1b\u200b\u200e\u200f\u202a\u202e\u2066\ufeff\u3000"
DIGITS = "0123456789０１２３４５６７８９٠١٢٣٤५²³¹⁴"
SIGNS = "-+.,，¥￥ eE:：/年月日()（）—"
any_char = st.characters(exclude_categories=("Cs",))  # surrogates cannot be stored as UTF-8
hostile = st.one_of(
    st.text(any_char, max_size=60),
    st.text(st.sampled_from(DIGITS + SIGNS + MARKS), max_size=30),
    st.builds(
        lambda s, n: (s or "字") * (10_000 // max(len(s), 1) + n),
        st.text(any_char, max_size=4),
        st.integers(0, 3),
    ),
)
HOSTILE_EXAMPLES = ["\x00", "１３８１２３４５６７８", "\u202e13812345678", "138\x001234\u200b5678",
                    "²³⁴⁵", "٠١٢٣", "9" * 10_000, "=cmd|' /C calc'!A0",
                    "0001-01-01 00:00", "9999-12-31 23:59", "张\ud800三",
                    "\u200b\u202e"]  # fmt: skip


def catalogued(error: FieldError) -> None:
    key = f"error.{error.key.removeprefix('error.')}"
    assert key in catalogue("zh"), key
    words = error_text(error)  # the params the message needs are there
    assert words and not words.startswith("error."), words


def with_examples(test):
    for text in HOSTILE_EXAMPLES:
        test = example(text)(test)
    return settings(max_examples=300)(given(hostile)(test))


@with_examples
def test_phone_parsing_never_raises_and_what_it_accepts_is_canonical(text: str) -> None:
    phone = parse_phone(text)
    if phone is not None:
        assert phone.normalized.isascii() and parse_phone(phone.normalized) == phone
        assert mask_phone(phone.normalized).endswith(phone.last_four)
    service = parse_service_number(text)
    assert service is None or (service.isascii() and parse_service_number(service) == service)


@with_examples
def test_amounts_are_refused_in_words_or_read_back_exactly(text: str) -> None:
    try:
        value = parse_amount(text, "amount", Decimal("100000"))
    except RuleViolation as refused:
        for error in refused.errors:
            catalogued(error)
        return
    assert Decimal(0) <= value <= Decimal("100000") and value == value.quantize(Decimal("0.01"))
    assert parse_amount(format_yuan(value), "amount", Decimal("100000")) == value


@with_examples
def test_times_are_none_or_a_minute_that_reads_back(text: str) -> None:
    moment = parse_local(text, TZ, NOW)
    if moment is not None:
        assert moment.tzinfo is not None
        assert parse_local(format_local(moment, TZ), TZ, NOW) == moment


@with_examples
def test_free_text_is_accepted_within_its_limit_or_refused_naming_it(text: str) -> None:
    for limit in (40, 2000):
        error = check_text("content", text, required=True, max_len=limit)
        if error is None:
            assert text.strip() and len(text) <= limit
            # what is accepted can be stored and read back: UTF-8, no controls, visible
            assert text.encode("utf-8").decode("utf-8") == text
            assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in text)
            assert any(unicodedata.category(c) != "Cf" and not c.isspace() for c in text)
            continue
        catalogued(error)
        if len(text) > limit and text.strip():  # (all blank: "required" says more)
            assert error.key == "error.text.too_long" and error.params["max"] == limit
            assert str(limit) in error_text(error)


def test_a_pasted_ten_thousand_characters_is_refused_with_the_limit_in_words() -> None:
    error = check_text("content", "投诉内容" * 2500, required=True, max_len=2000)
    assert error is not None and error.params == {"max": 2000, "length": 10_000}
    assert "2000" in error_text(error) and "10000" in error_text(error)


@with_examples
def test_ticket_number_routing_never_raises(text: str) -> None:
    assert looks_like_ticket_number(text) in (True, False)


@settings(max_examples=300)
@given(hostile)
@example('"信号" OR 扣费*')
@example("NEAR(a b)")
@example('" AND "')
def test_search_expressions_are_always_a_valid_fts5_phrase(text: str) -> None:
    """The query goes into FTS5's MATCH: a quote, OR, NEAR or * in it must never become
    syntax (a query error on screen, or worse a different query)."""
    expression = match_expression(text)
    if expression is None:
        assert len(normalize(text)) < 2
        return
    assert expression.count('"') == 2 and expression.startswith('"') and expression.endswith('"')
    db = _fts()
    db.execute("INSERT INTO t(body) VALUES (?)", (bigrams(text),))
    found = db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expression,)).fetchone()[0]
    assert found == 1  # the text finds itself


_DB: list[sqlite3.Connection] = []


def _fts() -> sqlite3.Connection:
    if not _DB:
        _DB.append(sqlite3.connect(":memory:"))
        _DB[0].execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61')")
    _DB[0].execute("DELETE FROM t")
    return _DB[0]


@settings(max_examples=200)
@given(st.integers(0, 9999), st.integers(1, 12), st.integers(1, 28))
@example(1, 1, 1)
@example(9999, 12, 31)
def test_a_typed_year_outside_2000_2099_is_refused_in_words_never_an_overflow(y, mo, d) -> None:
    """Year 1 at 00:00 in Asia/Shanghai is before UTC's year 1: it used to raise OverflowError."""
    text = f"{y:04d}-{mo:02d}-{d:02d} 00:00"
    moment, error = read_local("until", text, TZ, NOW)
    if 2000 <= y <= 2099:
        assert error is None and moment is not None and format_local(moment, TZ) == text
    else:
        assert moment is None and error is not None and error.key == "error.time.year_range"
        catalogued(error)
        assert parse_local(text, TZ, NOW) is None


def test_a_text_is_refused_for_what_cannot_be_stored_or_seen() -> None:
    cases = {
        "张\ud800三": "error.text.surrogate",
        "李\x00四": "error.text.control",
        "a\tb": "error.text.control",
        "第一行\n第二行": "error.text.control",  # one line...
        "\u200b\u200b": "error.text.invisible",
        "\u202e\u2066": "error.text.bidi",
        "\u202e张三": "error.text.bidi",  # shown as 三张
        "张\u200e三": "error.text.bidi",
        "\ufeff \u200d": "error.text.invisible",
    }
    for text, key in cases.items():
        error = check_text("name", text, required=True, max_len=40)
        assert error is not None and error.key == key, text
        catalogued(error)
    # ...but a multi-line text keeps its line breaks, and zero-width marks inside visible
    # text are kept
    assert (
        check_text("content", "第一行\r\n第二行", required=True, max_len=40, multiline=True) is None
    )
    assert check_text("content", "第一行\x0b第二行", required=True, max_len=40, multiline=True)
    assert check_text("name", "张\u200b三", required=True, max_len=40) is None
