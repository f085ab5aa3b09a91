"""案例库: closed tickets a manager marked as teaching cases, for the morning meeting
(早班会案例分析). The page leaves the customer's personal data out: no name, no phone or
service number (the ticket's own, however written), no e-mail, street address or
account-like token, and digits that look like a number are masked in the texts."""

from __future__ import annotations

import re

# A digit however written: ASCII or full-width (\d), or a Chinese numeral (一三九…).
_DIGIT = r"(?:\d|[〇零一二三四五六七八九两幺])"
# Between digits: spaces, dashes, dots, slashes, brackets (139.1234.5678, 139/1234/5678).
_GAP = r"[\s\-‐－—.．/／\\·、,，()（）]"
_NUMBER = re.compile(rf"{_DIGIT}(?:{_GAP}*{_DIGIT}){{6,}}")
# 尾号5678, 尾数 5678, 后四位是5678: the tail of a number is personal data too.
_TAIL = re.compile(rf"(尾号|尾数|后四位)(\s*[是为:：]?\s*)({_DIGIT}(?:{_GAP}?{_DIGIT})*)")
_HONORIFIC = "先生|女士|小姐|太太|老师"
# 李先生, 王女士 (any surname): not 这位先生, 那个女士.
_ANY_TITLED = re.compile(rf"(?<![这那位个名的该])[\u4e00-\u9fff]\s*(?:{_HONORIFIC})")


# Letters and digits, ASCII or full-width (an account typed with the IME on).
_ALNUM = "A-Za-z0-9Ａ-Ｚａ-ｚ０-９"
_EMAIL = re.compile(r"[\w.+\-]+\s*[@＠]\s*[\w\-]+(?:\s*[.．]\s*[\w\-]+)+")
# 宽带账号GZKD8812ab, gz123456: letters and digits together, 6 or more.
_ACCOUNT = re.compile(
    rf"(?<![{_ALNUM}])(?=[{_ALNUM}]*[A-Za-zＡ-Ｚａ-ｚ])(?=[{_ALNUM}]*[0-9０-９])[{_ALNUM}]{{6,}}"
    rf"(?![{_ALNUM}])"
)
_HAN = r"[\u4e00-\u9fff]"
_UNIT = r"(?:号楼|栋|幢|座|单元|室|层|楼|号|户)"
# 天河路88号, 中山大道西 1号 3栋 2单元 501室, 幸福小区5栋301, 3栋2单元501室.
_ADDRESS = re.compile(
    rf"{_HAN}{{0,8}}(?:路|街|道|巷|弄|大道){_HAN}{{0,2}}\s*{_DIGIT}+\s*(?:号|弄)"
    rf"(?:\s*{_DIGIT}+\s*{_UNIT})*"
    rf"|{_HAN}{{0,8}}(?:小区|花园|新村|公寓|大厦)\s*{_DIGIT}+\s*{_UNIT}(?:\s*{_DIGIT}+\s*{_UNIT}?)*"
    rf"|{_DIGIT}+\s*(?:号楼|栋|幢|座)(?:\s*{_DIGIT}+\s*(?:单元|室|层|楼|号|户)?)*"
    rf"|{_DIGIT}+\s*单元(?:\s*{_DIGIT}+\s*(?:室|号|户)?)?"
    rf"|{_DIGIT}+\s*室"
)
ADDRESS_MARK = "[地址]"
EMAIL_MARK = "[邮箱]"
ACCOUNT_MARK = "[账号]"


def _own_number(number: str) -> re.Pattern[str] | None:
    """The ticket's own phone or service number however typed in the text: any case, full-width,
    spaces or dashes between its characters."""
    chars = [ch for ch in number if ch.isalnum()]
    if len(chars) < 4:  # too short to be told from other words
        return None
    parts = []
    for ch in chars:
        wide = chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch  # the full-width twin
        parts.append(f"[{re.escape(ch.lower())}{re.escape(ch.upper())}"
                     f"{re.escape(wide.lower())}{re.escape(wide.upper())}]")  # fmt: skip
    return re.compile(f"{_GAP}*".join(parts))


def _masked(match: re.Match[str]) -> str:
    return "*" * len(re.findall(_DIGIT, match.group()))


def redact(text: str, names: tuple[str, ...] = (), numbers: tuple[str, ...] = ()) -> str:
    """`text` without the customer's name(s) (however spaced: 李 明; or as surname and title:
    李先生, 李女士, 李生, 李小姐), the ticket's own `numbers` (its contact phone and service
    number, in any case or spacing), e-mails, street addresses (天河路88号, 3栋2单元501室) and
    account-like tokens (letters and digits, 6 or more), and with every run of 7+ digits (a
    phone, a service number, an ID; in any separators or in Chinese numerals) and the tail of a
    number (尾号5678) masked."""
    for number in numbers:
        if own := _own_number(number):
            text = own.sub(lambda m: "*" * len(m.group().replace(" ", "")), text)
    text = _EMAIL.sub(EMAIL_MARK, text)
    text = _ADDRESS.sub(ADDRESS_MARK, text)
    text = _ACCOUNT.sub(ACCOUNT_MARK, text)
    for name in names:
        name = re.sub(r"\s+", "", name)
        if not name:
            continue
        spaced = r"\s*".join(re.escape(ch) for ch in name)
        text = re.sub(spaced, "客户", text)
        surname = re.escape(name[0])
        text = re.sub(rf"{surname}\s*(?:{_HONORIFIC}|生)", "客户", text)
    text = _TAIL.sub(lambda m: m.group(1) + m.group(2) + _masked(m), text)
    text = _ANY_TITLED.sub("客户", text)
    return _NUMBER.sub(_masked, text)
