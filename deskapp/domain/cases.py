"""案例库: closed tickets a manager marked as teaching cases, for the morning meeting
(早班会案例分析). The page leaves the customer's personal data out: no name (the full name,
the given name alone, the surname with a title), no phone or service number (the ticket's
own, however written), no e-mail (also written "at"/"dot" or with # for @), street address
(whatever the numerals: 幸福路十八号, 三号楼二单元五〇一) or account-like token, and every run
of 7 or more digits is masked, whatever separates them.

How: the text is first read in one form (`_Text`: full-width letters, digits and signs as
ASCII, every dash as "-", character for character, so that a place found in it is the same
place in the text as written); each kind of personal data is found there and replaced in
both, so the page keeps the text's own punctuation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# A digit however written: ASCII (full-width ones are read as ASCII) or a Chinese numeral.
_DIGIT = r"(?:\d|[〇零一二三四五六七八九两幺])"
# Between digits: spaces, dashes, dots, slashes, brackets (139.1234.5678, 139/1234/5678).
_GAP = r"[\s\-.。/\\·、,，()（）_]"
_NUMBER = re.compile(rf"{_DIGIT}(?:{_GAP}*{_DIGIT}){{6,}}")
# 尾号5678, 尾数 5678, 后四位是5678: the tail of a number is personal data too.
_TAIL = re.compile(rf"(尾号|尾数|后四位)(\s*[是为:：]?\s*)({_DIGIT}(?:{_GAP}?{_DIGIT})*)")
_HONORIFIC = "先生|女士|小姐|太太|老师"
# What a customer is called by besides the name: 李先生, 伟哥, 张阿姨.
_TITLE = rf"(?:{_HONORIFIC}|同志|师傅|阿姨|大爷|大妈|大姐|大哥|叔叔|哥|姐|生)"
# 李先生, 王女士 (any surname): not 这位先生, 那个女士.
_ANY_TITLED = re.compile(rf"(?<![这那位个名的该])[\u4e00-\u9fff]\s*(?:{_HONORIFIC})")
# Surnames of two characters (the given name is what follows them).
_COMPOUND = (
    "欧阳司马上官诸葛东方皇甫尉迟公孙慕容长孙夏侯令狐宇文司徒轩辕端木独孤南宫西门百里"
    "呼延澹台公冶申屠太史闻人万俟钟离濮阳单于"
)
_COMPOUND_SURNAMES = frozenset(_COMPOUND[i : i + 2] for i in range(0, len(_COMPOUND), 2))
# A name field that names nobody.
_NO_NAME = frozenset({"匿名", "客户", "用户", "未知", "不详", "无", "未提供", "某"})
NAME_MARK = "客户"
OTHER_USE_MARK = "某"  # a one-character given name inside another word (说明 → 说某)

# Letters and digits (full-width ones are read as ASCII).
_ALNUM = "A-Za-z0-9"
# user@qq.com, and as people write it to get past filters: "zhangwei at qq dot com",
# zhangwei(at)qq(dot)com, zhangwei#qq.com, zhangwei艾特qq点com.
_AT = r"(?:\s*[@#]\s*|\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+|\s*艾特\s*)"
_DOT = r"(?:\s*[.。]\s*|\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+|\s*点\s*)"
_EMAIL = re.compile(rf"[A-Za-z0-9][\w.+\-]*{_AT}[A-Za-z0-9\-]+(?:{_DOT}[A-Za-z0-9\-]+)+",
                    re.IGNORECASE | re.ASCII)  # fmt: skip
# 宽带账号GZKD8812ab, gz123456, GZKD-8812-AB: letters and digits together, 6 or more.
_ACCOUNT = re.compile(
    rf"(?<![{_ALNUM}\-])(?=[{_ALNUM}\-]*[A-Za-z])(?=[{_ALNUM}\-]*[0-9])"
    rf"[{_ALNUM}](?:-?[{_ALNUM}]){{5,}}(?![{_ALNUM}])"
)
_HAN = r"[\u4e00-\u9fff]"
# A house or room number however written: 18, 十八, 一百二十三, 五〇一, A, B1.
_NUM = r"[0-9A-Za-z〇零一二三四五六七八九十百千两幺]+"
_UNIT = r"(?:号楼|栋|幢|座|单元|室|层|楼|号|户)"
_ROAD = r"(?:路|街|道|巷|弄|大道|胡同)"
_ESTATE = r"(?:小区|花园|新村|公寓|大厦|家园|苑)"
# 天河路88号, 幸福路十八号, 中山大道西 1号 3栋 2单元 501室, 幸福小区5栋301, 三号楼二单元五〇一.
_ADDRESS = re.compile(
    rf"{_HAN}{{0,8}}{_ROAD}{_HAN}{{0,2}}\s*{_NUM}\s*(?:号|弄)(?:\s*{_NUM}\s*{_UNIT})*"
    rf"(?:\s*[0-9〇零一二三四五六七八九]+)?"
    rf"|{_HAN}{{0,8}}{_ESTATE}\s*{_NUM}\s*{_UNIT}(?:\s*{_NUM}\s*{_UNIT}?)*"
    rf"|{_NUM}\s*(?:号楼|栋|幢|座)(?:\s*{_NUM}\s*(?:单元|室|层|楼|号|户)?)*"
    rf"|{_NUM}\s*单元(?:\s*{_NUM}\s*(?:室|号|户)?)?"
    rf"|{_NUM}\s*室"
)
ADDRESS_MARK = "[地址]"
EMAIL_MARK = "[邮箱]"
ACCOUNT_MARK = "[账号]"
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹣－"), "-")


class _Text:
    """The text as written and as read (`norm`), of the same length, changed together."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.norm = "".join(_read(ch) for ch in text)

    def sub(self, pattern: re.Pattern[str], mark: Callable[[re.Match[str]], str]) -> None:
        text, norm, at = [], [], 0
        for match in pattern.finditer(self.norm):
            start, end = match.span()
            new = mark(match)
            text += [self.text[at:start], new]
            norm += [self.norm[at:start], new]
            at = end
        if at:
            self.text = "".join([*text, self.text[at:]])
            self.norm = "".join([*norm, self.norm[at:]])


def _read(ch: str) -> str:
    """One character as read: a full-width letter, digit or sign as ASCII (ＡＢ１２＠．), a
    dash as "-"; anything NFKC would make longer (㎡) is kept as it is."""
    ch = ch.translate(_DASHES)
    wide = unicodedata.normalize("NFKC", ch)
    return wide if len(wide) == 1 else ch


def _own_number(number: str) -> re.Pattern[str] | None:
    """The ticket's own phone or service number however typed in the text: any case, full-width,
    anything of `_GAP` between its characters."""
    chars = [_read(ch) for ch in number if ch.isalnum()]
    if len(chars) < 4:  # too short to be told from other words
        return None
    return re.compile(f"{_GAP}*".join(re.escape(ch) for ch in chars), re.IGNORECASE)


def _masked(match: re.Match[str]) -> str:
    return "*" * len(re.findall(_DIGIT, match.group()))


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) of the name on the ticket: 张伟 → (张, 伟), 欧阳娜娜 → (欧阳,
    娜娜), 李女士 → (李, ""), a name that names nobody (匿名) → ("", "")."""
    name = re.sub(r"[\s·.]+", "", name)
    name = re.sub(rf"{_TITLE}$", "", name) or name
    if not name or name in _NO_NAME or not re.fullmatch(rf"{_HAN}+", name):
        return "", ""
    cut = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:cut], name[cut:]


def _spaced(word: str) -> str:
    return r"[\s·.]*".join(re.escape(ch) for ch in word)


def _mask_name(text: _Text, name: str) -> None:
    """The customer's name however spaced (张 伟), the surname with a title (张先生, 张生), the
    given name with or without one (小伟, 阿伟, 伟哥, 伟伟, 伟 on its own): 客户. A
    one-character given name left inside other words is 某 (伟说 → 某说, 说明 → 说某 when the
    customer is 张明): the page never holds it."""
    surname, given = split_name(name)
    whole = re.sub(r"\s+", "", name)
    if whole and re.fullmatch(rf"{_HAN}+", whole):  # (also a name split_name cannot read)
        text.sub(re.compile(rf"{_spaced(whole)}\s*{_TITLE}?"), lambda _: NAME_MARK)
    if not surname:
        return
    text.sub(re.compile(rf"{_spaced(surname)}\s*{_TITLE}"), lambda _: NAME_MARK)
    if not given:
        return
    g = _spaced(given)
    if len(given) > 1:
        text.sub(re.compile(rf"(?:[小阿老])?(?:{g})+\s*{_TITLE}?"), lambda _: NAME_MARK)
        # 小娜, 阿娜 for 娜娜; 小强 for 伟强: a pet name from one of its characters.
        text.sub(re.compile(rf"[小阿][{re.escape(given)}]"), lambda _: NAME_MARK)
        return
    text.sub(re.compile(rf"[小阿老]{g}+\s*{_TITLE}?|{g}{{2,}}\s*{_TITLE}?|{g}\s*{_TITLE}"
                        rf"|(?<!{_HAN}){g}(?!{_HAN})"), lambda _: NAME_MARK)  # fmt: skip
    text.sub(re.compile(g), lambda _: OTHER_USE_MARK)


def redact(text: str, names: tuple[str, ...] = (), numbers: tuple[str, ...] = ()) -> str:
    """`text` without the customer's `names` (see `_mask_name`), the ticket's own `numbers`
    (its contact phone and service number, in any case, width or spacing), e-mails (also
    obfuscated), street addresses (any numerals) and account-like tokens (letters and digits,
    6 or more, dashes between them), and with every run of 7+ digits (a phone, a bank
    account, an ID; in any separators or in Chinese numerals) and the tail of a number
    (尾号5678) masked; anyone called 某先生/某女士 is 客户."""
    page = _Text(text)
    for number in numbers:
        if own := _own_number(number):
            page.sub(own, lambda m: "*" * len(re.sub(_GAP, "", m.group())))
    page.sub(_EMAIL, lambda _: EMAIL_MARK)
    page.sub(_ADDRESS, lambda _: ADDRESS_MARK)
    page.sub(_ACCOUNT, lambda _: ACCOUNT_MARK)
    page.sub(_TAIL, lambda m: m.group(1) + m.group(2) + _masked(m))
    page.sub(_NUMBER, _masked)
    for name in names:
        _mask_name(page, name)
    page.sub(_ANY_TITLED, lambda _: NAME_MARK)
    return page.text
