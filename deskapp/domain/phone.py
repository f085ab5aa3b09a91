"""Mainland China phone numbers: validation, normalization and masking.

Mobile numbers are 11 digits starting 13–19. Landlines carry an area code: 010 and 02X are
three digits, every other area code four (0XXX); the local number is 7–8 digits and never
starts with 0 or 1. Normalized forms: "13812345678" and "0755-12345678"."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[\s\-()（）—]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_THREE_DIGIT_AREA = re.compile(r"0(10|2[0-9])")
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")
_ACCOUNT = re.compile(r"[A-Za-z0-9_.@]{6,32}")
_END_SIGNS = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class PhoneNumber:
    normalized: str
    is_mobile: bool

    @property
    def digits(self) -> str:
        return self.normalized.replace("-", "")

    @property
    def last_four(self) -> str:
        return self.digits[-4:]


def parse_phone(text: str) -> PhoneNumber | None:
    """The number in normalized form, or None when it is neither a mobile nor a landline."""
    # NFKC: full-width digits and signs typed with a Chinese IME become ASCII.
    raw = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).strip())
    country = True
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    elif raw.startswith("86") and len(raw) == 13:
        raw = raw[2:]
    else:
        country = False
    if not (raw.isascii() and raw.isdigit()):
        return None
    if country and (raw[0] in "23456789" or raw.startswith("10")):
        raw = "0" + raw  # +86 10 6234 5678: a landline drops its area code's 0 after +86
    if _MOBILE.fullmatch(raw):
        return PhoneNumber(raw, is_mobile=True)
    if not raw.startswith("0"):
        return None
    area_len = 3 if _THREE_DIGIT_AREA.match(raw) else 4
    area, local = raw[:area_len], raw[area_len:]
    if area_len == 4 and area.startswith("00"):  # (not area[1]: "0" alone has no [1])
        return None  # no area code starts 00
    if _LOCAL.fullmatch(local):
        return PhoneNumber(f"{area}-{local}", is_mobile=False)
    return None


def parse_service_number(text: str) -> str | None:
    """The service concerned: a phone number, or a broadband/account id in lower case (one
    account typed GZKD7777AB or gzkd7777ab is one customer: the repeat rule, the watch list and
    the history match it whatever the case)."""
    phone = parse_phone(text)
    if phone is not None:
        return phone.normalized
    # GZKD7777AB. or _GZKD7777AB typed with a stray sign is the same account, not another
    # customer: signs at either end are no part of a number.
    raw = _END_SIGNS.sub("", unicodedata.normalize("NFKC", text).strip())
    return number_case(raw) if _ACCOUNT.fullmatch(raw) else None


def number_case(value: str) -> str:
    """The one letter case a stored number (service number, watch-list key) is kept in; the
    sync applies it to changes made before it, so every replica stores the same."""
    return value.lower()


def mask_phone(normalized: str) -> str:
    """138****1234 for lists and handover sheets; the detail view shows the full number."""
    if not normalized:
        return ""
    if "-" in normalized:
        area, local = normalized.split("-", 1)
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    if len(normalized) == 11 and normalized.isdigit():
        return f"{normalized[:3]}****{normalized[-4:]}"
    if len(normalized) <= 4:
        return normalized
    return f"{'*' * (len(normalized) - 4)}{normalized[-4:]}"
