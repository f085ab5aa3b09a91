"""Money is Decimal yuan with two places on screen and integer fen in the store; never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from deskapp.domain.errors import RuleViolation

CENT = Decimal("0.01")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")  # \d: full-width digits too


def parse_amount(text: str, field: str, maximum: Decimal) -> Decimal:
    """A non-negative amount in yuan with at most two decimals, not above `maximum`."""
    raw = text.strip().replace(",", "").replace("，", "").removeprefix("¥").removeprefix("￥")
    if not raw:
        raise RuleViolation.single(field, "error.required")
    if not PLAIN_NUMBER.fullmatch(raw):  # no "1e3", "NaN", "0x10": digits and one point
        raise RuleViolation.single(field, "error.amount.not_number")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RuleViolation.single(field, "error.amount.not_number") from None
    if not value.is_finite():
        raise RuleViolation.single(field, "error.amount.not_number")
    if value < 0:
        raise RuleViolation.single(field, "error.amount.negative")
    # Before quantizing: a huge value ("1e100", 30 nines) cannot be quantized to fen at all.
    if value > maximum:
        raise RuleViolation.single(field, "error.amount.too_large", maximum=format_yuan(maximum))
    if value != value.quantize(CENT):
        raise RuleViolation.single(field, "error.amount.too_precise")
    return abs(value).quantize(CENT)  # abs: "-0" is zero, not a negative-signed zero


def to_fen(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def format_yuan(amount: Decimal) -> str:
    return f"{amount.quantize(CENT):,.2f}"


# A minus sign (ASCII, the typographic minus, the full-width one) before an amount.
# Not after a digit: "50-100 元" is a range, not a negative amount.
_NEGATIVE = re.compile(r"(?<![0-9０-９])[-−－]\s*[0-9０-９]")


def negative_amount(text: str) -> bool:
    """Whether a compensation written in words (话费 50 元) states a negative amount
    (-50 元): a compensation is given to the customer, never taken."""
    return bool(_NEGATIVE.search(text))
