"""案例库: closed tickets a manager marked as teaching cases, for the morning meeting
(早班会案例分析). The page leaves the customer's personal data out: no name, no phone or
service number, and digits that look like one are masked in the texts."""

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


def _masked(match: re.Match[str]) -> str:
    return "*" * len(re.findall(_DIGIT, match.group()))


def redact(text: str, names: tuple[str, ...] = ()) -> str:
    """`text` without the customer's name(s) (however spaced: 李 明; or as surname and title:
    李先生, 李女士, 李生, 李小姐) and with every run of 7+ digits (a phone, a service number, an
    ID; in any separators or in Chinese numerals) and the tail of a number (尾号5678) masked."""
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
