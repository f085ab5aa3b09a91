"""The pure rules of the desk: refund, money, severity, recusal, repeat window, phone numbers,
ticket numbers, local time parsing, Chinese substring search and the hybrid logical clock.

Property tests state each rule as an invariant over generated input; the examples pin the
cases a handler meets at the counter."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from deskapp.domain.enums import Channel, Severity
from deskapp.domain.errors import RuleViolation
from deskapp.domain.hlc import MAX_FORWARD_DRIFT_MS, ClockDriftError, Stamp, receive, tick
from deskapp.domain.money import format_yuan, from_fen, parse_amount, to_fen
from deskapp.domain.phone import mask_phone, parse_phone, parse_service_number
from deskapp.domain.recusal import check_recusal
from deskapp.domain.refund import double_refund
from deskapp.domain.repeat import is_within_repeat_window, repeat_window_start
from deskapp.domain.severity import check_severity, requires_major_report, severity_floor
from deskapp.domain.text_search import bigrams, match_expression, normalize
from deskapp.domain.ticket_number import TICKET, format_ticket_number, looks_like_ticket_number
from deskapp.domain.timefmt import format_local, local_day, parse_local
from deskapp.refdata import RefData

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX = Decimal("50000.00")
# 2026-11-24 10:00 in Shanghai, as in tests/conftest.py.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

yuan = st.decimals(min_value=0, max_value=MAX, places=2, allow_nan=False, allow_infinity=False)


def keys(exc: pytest.ExceptionInfo[RuleViolation]) -> set[str]:
    return exc.value.keys()


# ------------------------------------------------------------------ refund (双倍返还)


@given(charged=yuan, should=yuan)
@example(charged=Decimal("0.30"), should=Decimal("0.10"))  # float would say 0.39999...
@example(charged=Decimal("0.01"), should=Decimal("0.00"))
@example(charged=Decimal("48.00"), should=Decimal("48.00"))
def test_refund_is_twice_the_positive_difference_and_never_negative(
    charged: Decimal, should: Decimal
) -> None:
    quote = double_refund(charged, should)
    difference = charged - should
    assert isinstance(quote.rule_amount, Decimal)
    assert quote.rule_amount.as_tuple().exponent == -2
    assert quote.rule_amount >= 0
    if difference > 0:
        assert quote.eligible
        assert quote.rule_amount == 2 * difference
    else:
        assert not quote.eligible
        assert quote.rule_amount == 0


@given(charged=yuan, should=yuan, paid=yuan)
def test_paying_more_than_the_rule_is_flagged_as_over_compensation(
    charged: Decimal, should: Decimal, paid: Decimal
) -> None:
    quote = double_refund(charged, should)
    assert quote.exceeds_rule(paid) == (paid > quote.rule_amount)
    assert not quote.exceeds_rule(quote.rule_amount)


@pytest.mark.parametrize(
    ("charged", "should", "rule"),
    [
        ("58.00", "48.00", "20.00"),
        ("0.30", "0.10", "0.40"),
        ("100.00", "99.99", "0.02"),
        ("48.00", "58.00", "0.00"),
        ("10.00", "10.00", "0.00"),
    ],
)
def test_refund_examples(charged: str, should: str, rule: str) -> None:
    assert double_refund(Decimal(charged), Decimal(should)).rule_amount == Decimal(rule)


def test_refund_refuses_float() -> None:
    with pytest.raises(TypeError):
        double_refund(0.3, Decimal("0.1"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        double_refund(Decimal("0.3"), 0.1)  # type: ignore[arg-type]


# ------------------------------------------------------------------ money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12.00"),
        ("12.5", "12.50"),
        ("12.50", "12.50"),
        (" ¥1,234.56 ", "1234.56"),
        ("￥0.01", "0.01"),
        ("0", "0.00"),
        ("-0", "0.00"),
        ("50000", "50000.00"),
        ("１２.５", "12.50"),  # full-width digits from a Chinese IME
    ],
)
def test_parse_amount_accepts(text: str, expected: str) -> None:
    value = parse_amount(text, "f", MAX)
    assert value == Decimal(expected)
    assert str(value) == expected  # two places, no negative zero


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "error.required"),
        ("   ", "error.required"),
        ("-1", "error.amount.negative"),
        ("-0.01", "error.amount.negative"),
        ("1.001", "error.amount.too_precise"),
        ("0.005", "error.amount.too_precise"),
        ("abc", "error.amount.not_number"),
        ("12元", "error.amount.not_number"),
        ("1.2.3", "error.amount.not_number"),
        ("NaN", "error.amount.not_number"),
        ("Infinity", "error.amount.not_number"),
        ("50000.01", "error.amount.too_large"),
        ("1e100", "error.amount.not_number"),  # no scientific notation at a money field
        ("1e3", "error.amount.not_number"),
        ("1E-2", "error.amount.not_number"),
        ("9" * 40, "error.amount.too_large"),
    ],
)
def test_parse_amount_refuses(text: str, key: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        parse_amount(text, "refund_charged", MAX)
    assert keys(exc) == {key}
    assert exc.value.errors[0].field == "refund_charged"


def test_too_large_names_the_maximum() -> None:
    with pytest.raises(RuleViolation) as exc:
        parse_amount("60000", "f", MAX)
    assert exc.value.errors[0].params == {"maximum": "50,000.00"}


@given(st.one_of(st.text(), st.text(alphabet="0123456789.,-+eE¥ ", max_size=40)))
def test_parse_amount_either_refuses_or_returns_a_valid_amount(text: str) -> None:
    try:
        value = parse_amount(text, "f", MAX)
    except RuleViolation:
        return
    assert isinstance(value, Decimal)
    assert Decimal(0) <= value <= MAX
    assert value.as_tuple().exponent == -2
    assert not value.is_signed()


@given(yuan)
def test_amount_text_round_trip(value: Decimal) -> None:
    assert parse_amount(str(value), "f", MAX) == value
    assert parse_amount(format_yuan(value), "f", MAX) == value  # with thousands separators


@given(yuan)
def test_fen_round_trip_from_yuan(value: Decimal) -> None:
    fen = to_fen(value)
    assert isinstance(fen, int)
    assert fen == int(value * 100)
    assert from_fen(fen) == value


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fen_round_trip_from_fen(fen: int) -> None:
    assert to_fen(from_fen(fen)) == fen
    assert from_fen(fen).as_tuple().exponent == -2


# ------------------------------------------------------------------ severity floor

FLOORS = RefData().settings.severity_floor
EXTERNAL = {Channel.CONSUMER_ASSOCIATION, Channel.REGULATOR, Channel.MEDIA}


def test_every_channel_has_a_floor_and_external_bodies_mean_major() -> None:
    assert set(FLOORS) == set(Channel)
    for channel in Channel:
        expected = Severity.MAJOR if channel in EXTERNAL else Severity.GENERAL
        assert severity_floor(channel, FLOORS) is expected


@given(
    chosen=st.sampled_from(Severity),
    channel=st.sampled_from(Channel),
    reason=st.one_of(st.just(""), st.just("  \n"), st.text(max_size=20)),
)
def test_below_the_floor_is_refused_whatever_the_reason_and_raising_is_free(
    chosen: Severity, channel: Channel, reason: str
) -> None:
    """DOMAIN.md: a complaint that reached an external body is at least 重大; no reason lowers
    it (attack on issue 16, 1: 媒体 + 一般 + any reason closed on the spot)."""
    floor = severity_floor(channel, FLOORS)
    if chosen.rank < floor.rank:
        with pytest.raises(RuleViolation) as exc:
            check_severity(chosen, channel, FLOORS, reason)
        error = exc.value.errors[0]
        assert (error.field, error.key) == ("severity", "error.severity.below_floor")
        assert error.params == {"floor": floor.value}
    else:
        check_severity(chosen, channel, FLOORS, reason)


def test_severity_examples() -> None:
    with pytest.raises(RuleViolation):
        check_severity(Severity.SERIOUS, Channel.MEDIA, FLOORS, "")
    with pytest.raises(RuleViolation):  # no reason lowers it below the floor
        check_severity(Severity.GENERAL, Channel.MEDIA, FLOORS, "客户已撤回媒体投诉")
    check_severity(Severity.MAJOR, Channel.WALK_IN, FLOORS, "")  # raising needs no reason
    assert requires_major_report(Severity.MAJOR)
    assert not requires_major_report(Severity.SERIOUS)


def test_a_channel_missing_from_the_floors_defaults_to_general() -> None:
    assert severity_floor(Channel.MEDIA, {}) is Severity.GENERAL


# ------------------------------------------------------------------ recusal (当事人回避)

ids = st.text(alphabet="0123456789abcdef-", min_size=1, max_size=12)


@given(handler=ids, accused=st.one_of(st.none(), ids))
def test_recusal_refuses_exactly_the_accused_handler(handler: str, accused: str | None) -> None:
    if accused == handler:
        with pytest.raises(RuleViolation) as exc:
            check_recusal(handler, accused)
        assert keys(exc) == {"error.recusal.self"}
    else:
        check_recusal(handler, accused)


def test_recusal_self() -> None:
    with pytest.raises(RuleViolation):
        check_recusal("staff-1", "staff-1")
    check_recusal("staff-1", "staff-2")
    check_recusal("staff-1", None)


# ------------------------------------------------------------------ repeat window (重复投诉)


@given(
    gap=st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=90)),
    window=st.integers(min_value=1, max_value=60),
)
def test_repeat_window_is_the_closed_look_back_interval(gap: timedelta, window: int) -> None:
    earlier = NOW - gap
    assert is_within_repeat_window(earlier, NOW, window) == (
        timedelta(0) <= gap <= timedelta(days=window)
    )


def test_repeat_window_boundaries() -> None:
    assert repeat_window_start(NOW, 30) == NOW - timedelta(days=30)
    assert is_within_repeat_window(NOW - timedelta(days=30), NOW, 30)
    assert is_within_repeat_window(NOW - timedelta(days=29, hours=23), NOW, 30)
    assert not is_within_repeat_window(NOW - timedelta(days=30, seconds=1), NOW, 30)
    assert not is_within_repeat_window(NOW - timedelta(days=31), NOW, 30)
    assert not is_within_repeat_window(NOW + timedelta(seconds=1), NOW, 30)


# ------------------------------------------------------------------ phone numbers

CANONICAL = re.compile(r"1[3-9][0-9]{9}|0(?:10|2[0-9]|[1-9][0-9]{2})-[2-9][0-9]{6,7}", re.ASCII)


@pytest.mark.parametrize(
    ("text", "normalized", "mobile"),
    [
        ("13812345678", "13812345678", True),
        ("138 1234 5678", "13812345678", True),
        ("138-1234-5678", "13812345678", True),
        ("+86 138 1234 5678", "13812345678", True),
        ("+86-138-1234-5678", "13812345678", True),
        ("008613812345678", "13812345678", True),
        ("8613812345678", "13812345678", True),
        (" 19912345678 ", "19912345678", True),
        ("１３８１２３４５６７８", "13812345678", True),  # full-width (Chinese IME)
        ("010-62345678", "010-62345678", False),
        ("01062345678", "010-62345678", False),
        ("(010) 6234 5678", "010-62345678", False),
        ("（020）83456789", "020-83456789", False),
        ("021 5123 4567", "021-51234567", False),
        ("029-87654321", "029-87654321", False),
        ("0755-23456789", "0755-23456789", False),
        ("075523456789", "0755-23456789", False),
        ("0755-2345678", "0755-2345678", False),  # seven-digit local number
        ("0571 8765 4321", "0571-87654321", False),
        ("+86 10 6234 5678", "010-62345678", False),  # trunk 0 dropped after +86
        ("+86 755 2345 6789", "0755-23456789", False),
    ],
)
def test_phone_normalization(text: str, normalized: str, mobile: bool) -> None:
    phone = parse_phone(text)
    assert phone is not None
    assert phone.normalized == normalized
    assert phone.is_mobile is mobile
    assert phone.last_four == normalized[-4:]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "0",  # typing has just begun: refused, not a crash
        "01",
        "+86",
        "+860",
        "abc",
        "10086",
        "12812345678",  # 12x is not a mobile prefix
        "1381234567",  # ten digits
        "138123456789",  # twelve digits
        "13812345678x",
        "13８1234567８9",  # twelve digits once the full-width ones count
        "0755-1234567",  # local number starting with 1
        "0755-0234567",  # local number starting with 0
        "0755-234567",  # six-digit local number
        "0755-234567890",  # nine-digit local number
        "0001-2345678",  # no area code starts 00
        "010-123456",
        "62345678",  # no area code
        "+1 415 555 0100",
        "٠١٠٦٢٣٤٥٦٧٨",  # Arabic-Indic digits are not a Chinese number
    ],
)
def test_phone_refuses(text: str) -> None:
    assert parse_phone(text) is None


def _separated(draw: st.DrawFn, digits: str) -> str:
    out = []
    for ch in digits:
        out.append(ch)
        out.append(draw(st.sampled_from(["", "", "", " ", "-"])))
    return "".join(out).strip(" -")


@st.composite
def phone_inputs(draw: st.DrawFn) -> tuple[str, str]:
    """(typed text, the normalized number it stands for)."""
    if draw(st.booleans()):
        canonical = (
            "1"
            + draw(st.sampled_from("3456789"))
            + draw(st.from_regex(r"[0-9]{9}", fullmatch=True))
        )
        typed = _separated(draw, canonical)
        prefix = draw(st.sampled_from(["", "+86 ", "+86-", "0086", "86"]))
        return prefix + typed, canonical
    three = draw(st.booleans())
    area = (
        draw(st.sampled_from(["010", *(f"02{d}" for d in range(10))]))
        if three
        else draw(st.from_regex(r"0[3-9][0-9]{2}", fullmatch=True))  # real 4-digit codes: 03xx–09xx
    )
    local = draw(st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True))
    canonical = f"{area}-{local}"
    style = draw(st.sampled_from(["dash", "paren", "plain", "spaced"]))
    if style == "dash":
        typed = f"{area}-{local}"
    elif style == "paren":
        typed = f"({area}) {local}"
    elif style == "plain":
        typed = area + local
    else:
        typed = _separated(draw, area + local)
    if draw(st.booleans()):
        typed = "+86 " + typed[1:] if style in ("plain", "dash") else typed
    return typed, canonical


@given(phone_inputs())
def test_any_typed_form_normalizes_to_its_number(case: tuple[str, str]) -> None:
    typed, canonical = case
    phone = parse_phone(typed)
    assert phone is not None, typed
    assert phone.normalized == canonical
    assert phone.is_mobile == ("-" not in canonical)


@given(st.one_of(phone_inputs().map(lambda c: c[0]), st.text(max_size=20)))
@example("13８12345678")
@example("0")
def test_normalizing_a_normalized_number_is_idempotent(text: str) -> None:
    phone = parse_phone(text)
    if phone is None:
        return
    assert CANONICAL.fullmatch(phone.normalized), phone.normalized
    assert parse_phone(phone.normalized) == phone
    assert parse_phone(phone.digits) == phone


@given(phone_inputs().map(lambda c: c[1]))
def test_mask_keeps_the_last_four_and_hides_the_middle(canonical: str) -> None:
    masked = mask_phone(canonical)
    assert len(masked) == len(canonical)
    assert masked[-4:] == canonical[-4:]
    if "-" in canonical:
        area, local = canonical.split("-")
        assert masked == f"{area}-" + "*" * (len(local) - 4) + local[-4:]
    else:
        assert masked[:3] == canonical[:3]
        assert masked[3:7] == "****"
    # the hidden digits are really gone
    hidden = len(canonical) - 4 - (3 if "-" not in canonical else len(canonical.split("-")[0]) + 1)
    assert masked.count("*") == hidden > 0


def test_mask_examples() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("010-62345678") == "010-****5678"
    assert mask_phone("0755-2345678") == "0755-***5678"
    assert mask_phone("") == ""


def test_service_number_is_a_phone_or_an_account() -> None:
    assert parse_service_number("+86 138 1234 5678") == "13812345678"
    assert parse_service_number("gz_broadband.01") == "gz_broadband.01"
    assert parse_service_number("abc") is None  # too short for an account id
    assert parse_service_number("账号123456") is None


# ------------------------------------------------------------------ ticket numbers

codes = st.from_regex(r"[A-Z0-9]{2,8}", fullmatch=True)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
seqs = st.integers(min_value=1, max_value=99_999)


def test_ticket_number_format() -> None:
    assert format_ticket_number("GZ01", "T03", date(2026, 11, 24), 7) == "GZ01-T03-20261124-0007"
    assert format_ticket_number("GZ01", "T03", date(2026, 11, 24), 12345).endswith("-12345")


@pytest.mark.parametrize(
    ("hall", "terminal", "seq"),
    [
        ("gz01", "T03", 1),
        ("G", "T03", 1),
        ("GZ01", "T-3", 1),
        ("ABCDEFGHI", "T03", 1),
        ("GZ01", "T03", 0),
        ("GZ01", "T03", -1),
    ],
)
def test_ticket_number_refuses_bad_parts(hall: str, terminal: str, seq: int) -> None:
    with pytest.raises(ValueError):
        format_ticket_number(hall, terminal, date(2026, 11, 24), seq)


@given(hall=codes, terminal=codes, day=days, seq=seqs)
def test_ticket_number_reads_back_as_its_parts(hall: str, terminal: str, day: date, seq: int):
    number = format_ticket_number(hall, terminal, day, seq)
    m = TICKET.fullmatch(number)
    assert m is not None
    assert (m["hall"], m["terminal"], m["day"], int(m["seq"])) == (
        hall,
        terminal,
        f"{day:%Y%m%d}",
        seq,
    )
    assert looks_like_ticket_number(number)
    assert looks_like_ticket_number(number.lower())


@given(a=st.tuples(codes, codes, days, seqs), b=st.tuples(codes, codes, days, seqs))
def test_distinct_parts_give_distinct_numbers(a: tuple, b: tuple) -> None:
    assume(a != b)
    assert format_ticket_number(*a) != format_ticket_number(*b)


@given(hall=codes, t1=codes, t2=codes, day=days, seq=seqs)
def test_two_terminals_never_collide(hall: str, t1: str, t2: str, day: date, seq: int) -> None:
    assume(t1 != t2)
    assert format_ticket_number(hall, t1, day, seq) != format_ticket_number(hall, t2, day, seq)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GZ01-T03-20261124-0007", True),
        ("gz01-t03-2026", True),
        ("GZ01-T03", True),
        ("信号", False),
        ("13812345678", False),
        ("张先生", False),
        ("", False),
    ],
)
def test_looks_like_ticket_number(text: str, expected: bool) -> None:
    assert looks_like_ticket_number(text) is expected


# ------------------------------------------------------------------ local time


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2026-11-24 09:30", datetime(2026, 11, 24, 9, 30)),
        ("2026/11/24 9:30", datetime(2026, 11, 24, 9, 30)),
        ("2026.11.24 09:30", datetime(2026, 11, 24, 9, 30)),
        ("2026年11月24日 09：30", datetime(2026, 11, 24, 9, 30)),
        ("11-24 09:30", datetime(2026, 11, 24, 9, 30)),
        ("11月20日 16:05", datetime(2026, 11, 20, 16, 5)),
        ("09:30", datetime(2026, 11, 24, 9, 30)),
        ("  23:59 ", datetime(2026, 11, 24, 23, 59)),
        ("00:00", datetime(2026, 11, 24, 0, 0)),
        ("2025-12-31 23:59", datetime(2025, 12, 31, 23, 59)),
    ],
)
def test_parse_local_forms(text: str, local: datetime) -> None:
    parsed = parse_local(text, SHANGHAI, NOW)
    assert parsed is not None
    assert parsed.tzinfo is UTC
    assert parsed == local.replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "9.30",
        "0930",
        "24:00",
        "09:60",
        "2026-02-30 10:00",
        "2026-13-01 10:00",
        "13-01 10:00",
        "2026-11-24",
        "2026-11-24T09:30",
        "09:30:15",
        "9:5",
    ],
)
def test_parse_local_refuses_what_is_not_a_time(text: str) -> None:
    assert parse_local(text, SHANGHAI, NOW) is None


def test_time_only_means_the_local_day_not_the_utc_day() -> None:
    # 2026-11-24 17:30 UTC is already 2026-11-25 01:30 in Shanghai.
    late = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
    assert parse_local("08:00", SHANGHAI, late) == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert local_day(late, SHANGHAI) == date(2026, 11, 25)


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59)
    ).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=SHANGHAI)),
)
def test_format_then_parse_is_the_same_minute(moment: datetime) -> None:
    assert parse_local(format_local(moment, SHANGHAI), SHANGHAI, NOW) == moment


# ------------------------------------------------------------------ Chinese substring search


@st.composite
def text_and_substring(draw: st.DrawFn) -> tuple[str, str]:
    alphabet = st.one_of(
        st.sampled_from("信号不好扣费网络营业厅宽带套餐话费"),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("abcXYZ0123456789"),
        st.sampled_from(" ,.，。！？、-()\n"),
        st.characters(),
    )
    s = draw(st.text(alphabet=alphabet, min_size=2, max_size=40))
    n = normalize(s)
    assume(len(n) >= 2)
    i = draw(st.integers(min_value=0, max_value=len(n) - 2))
    j = draw(st.integers(min_value=i + 2, max_value=len(n)))
    return s, n[i:j]


def _contains_run(haystack: list[str], needle: list[str]) -> bool:
    k = len(needle)
    return any(haystack[i : i + k] == needle for i in range(len(haystack) - k + 1))


@given(text_and_substring())
def test_every_substring_phrase_appears_in_the_indexed_bigrams(case: tuple[str, str]) -> None:
    s, q = case
    phrase = bigrams(q).split(" ")
    assert all(len(token) == 2 for token in phrase)
    assert _contains_run(bigrams(s).split(" "), phrase)
    assert match_expression(q) == '"' + " ".join(phrase) + '"'


@given(st.text(max_size=30))
def test_match_expression_is_a_single_quoted_phrase(query: str) -> None:
    expression = match_expression(query)
    if len(normalize(query)) < 2:
        assert expression is None
        return
    assert expression is not None
    assert expression[0] == expression[-1] == '"'
    assert '"' not in expression[1:-1]  # no way to break out of the phrase


def test_search_normalization_examples() -> None:
    assert normalize("信号，不好!") == "信号不好"
    assert normalize("5G 信号") == "5g信号"
    assert bigrams("信号不好") == "信号 号不 不好"
    assert bigrams("信") == "信"
    assert bigrams(None) == ""
    assert match_expression("信") is None
    assert match_expression("信号，不好") == '"信号 号不 不好"'


# ------------------------------------------------------------------ hybrid logical clock

nodes = st.from_regex(r"[0-9a-f]{4,12}", fullmatch=True)
walls = st.integers(min_value=0, max_value=10**13)
counters = st.integers(min_value=0, max_value=10_000)
stamps = st.builds(Stamp, walls, counters, nodes)


@given(last=stamps, now_ms=walls)
def test_tick_is_strictly_monotonic(last: Stamp, now_ms: int) -> None:
    nxt = tick(last, now_ms)
    assert nxt.node_id == last.node_id
    assert nxt > last
    assert nxt.wall_ms == max(now_ms, last.wall_ms)
    if now_ms > last.wall_ms:
        assert nxt == Stamp(now_ms, 0, last.node_id)


@given(start=stamps, nows=st.lists(walls, max_size=30))
def test_a_run_of_ticks_never_goes_back_even_when_the_wall_clock_does(
    start: Stamp, nows: list[int]
) -> None:
    current = start
    for now_ms in nows:
        nxt = tick(current, now_ms)
        assert nxt > current
        assert nxt.encode() > current.encode()
        current = nxt


@given(last=stamps, remote=stamps, now_ms=walls)
def test_receive_moves_past_both_clocks(last: Stamp, remote: Stamp, now_ms: int) -> None:
    assume(remote.wall_ms - now_ms <= MAX_FORWARD_DRIFT_MS)
    got = receive(last, remote, now_ms)
    assert got.node_id == last.node_id
    assert (got.wall_ms, got.counter) > (last.wall_ms, last.counter)
    assert (got.wall_ms, got.counter) > (remote.wall_ms, remote.counter)
    assert got.wall_ms >= now_ms


@given(last=stamps, node=nodes, now_ms=walls, ahead=st.integers(1, 10**9))
def test_receive_refuses_a_stamp_more_than_five_minutes_ahead(
    last: Stamp, node: str, now_ms: int, ahead: int
) -> None:
    remote = Stamp(now_ms + MAX_FORWARD_DRIFT_MS + ahead, 0, node)
    with pytest.raises(ClockDriftError) as exc:
        receive(last, remote, now_ms)
    assert exc.value.drift_ms == MAX_FORWARD_DRIFT_MS + ahead
    assert exc.value.remote == remote


def test_receive_accepts_exactly_five_minutes_ahead() -> None:
    assert MAX_FORWARD_DRIFT_MS == 5 * 60 * 1000
    now = 1_800_000_000_000
    remote = Stamp(now + MAX_FORWARD_DRIFT_MS, 3, "b")
    assert receive(Stamp(now, 0, "a"), remote, now) == Stamp(now + MAX_FORWARD_DRIFT_MS, 4, "a")


@given(a=stamps, b=stamps)
def test_encoded_order_is_stamp_order_and_decodes_back(a: Stamp, b: Stamp) -> None:
    assert Stamp.decode(a.encode()) == a
    assert (a < b) == (a.encode() < b.encode())
    assert (a == b) == (a.encode() == b.encode())


def test_ties_break_by_node() -> None:
    assert Stamp(5, 1, "a") < Stamp(5, 1, "b") < Stamp(5, 2, "a") < Stamp(6, 0, "a")
