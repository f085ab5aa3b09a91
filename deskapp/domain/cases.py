"""案例库 (issue 18): what a case's page may print. The page for the morning meeting
(早班会案例分析) never prints what the customer or the handler typed on the ticket: it prints
the ticket's structured facts and two texts a manager wrote for it (案情概述, 经验教训). Those
two are checked here when saved, and again when the page is made: `find_personal_data` says
where a text holds something personal (the ticket's own name, phone or service number however
written, a name after a label or a relation word, a surname with a title, a run of digits that
is a phone, an ID or an account, the tail of a number, an e-mail, an IM id, an address, a room
number, a date of birth). A finding refuses the save and is never rewritten, so no ordinary
word is masked. What it cannot know: a name written with no label, no title and no link to the
ticket (the manager's responsibility; the dialog says so).

How: the text is read in one form (`_Reading`: full-width letters, digits and signs as ASCII,
every dash as "-", traditional surnames as simplified ones, invisible characters left out,
character for character), and each place found there is mapped back to the text as written."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from deskapp.domain.person_names import (
    in_dictionary,
    name_words,
    names_agree,
    person_names,
    starts_word,
)

# A digit however written: ASCII (full-width ones are read as ASCII), a Chinese numeral or a
# formal one (壹叁柒, as on a cheque).
_ZH_DIGITS = {"0": "〇零", "1": "一壹幺", "2": "二贰貳两", "3": "三叁參", "4": "四肆", "5": "五伍",
              "6": "六陆陸", "7": "七柒", "8": "八捌", "9": "九玖"}  # fmt: skip
_DIGIT = rf"(?:\d|[{''.join(_ZH_DIGITS.values())}])"
# Between digits: any sign that is neither a letter, a digit nor a Han character (139.1234.5678,
# 138~1234~5678, 138|1234|5678, 138；1234；5678), at most 3 in a row (" - "): a run of signs
# that long is not a way of typing a number.
_GAP = r"(?:[^\w]|_)"
_GAPS = rf"{_GAP}{{0,3}}"
_NUMBER = re.compile(rf"{_DIGIT}(?:{_GAPS}{_DIGIT}){{6,}}")
# Dates, times of the day, spans and amounts, which complaints give all the time, are no
# number: 2026-11-15, 2026.11.15, 11-15, 10:30, 10:30-11:45, 9:05~12:00, 12,800.00元, ¥1280.
# A run of 7+ digits is kept as written only when these cover all its digits, at most 2 of
# them (2026-11-15 10:30, 20:00-21:00 21:00-22:00) and a Chinese numeral besides (两次): any
# other digit in the run, and it is masked whole (1 3-8 12:34 5678). The ticket's own
# numbers are masked before, however written. (The cost: a number typed as a date and a time,
# 1991-2-3 12:34, is kept.)
_HOUR = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]"
_MONTH_DAY = r"(?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12][0-9]|3[01])"
_KEPT = re.compile(
    rf"(?<![0-9])(?:{_HOUR}\s*[-~至到]\s*{_HOUR}|{_HOUR}(?![:.][0-9])"
    rf"|(?:19|20)[0-9]{{2}}[-./]{_MONTH_DAY}(?![-./:][0-9])"
    rf"|{_MONTH_DAY}(?![-./:][0-9])"
    rf"|(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]{{1,7}})(?:\.[0-9]{{1,2}})?(?=\s*(?:元|块|圆|RMB))"
    rf"|(?<=¥)\s*(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]{{1,7}})(?:\.[0-9]{{1,2}})?)(?![0-9])"
)
# 尾号5678, 尾数 5678, 后四位是5678, 尾号是:5678, 后4位5678, 末四位, 身份证后六位123456: the
# tail of a number is personal data too.
# Also 后四码, 最后4个数字, 后几位; and 末尾5678, 号码最后是5678 (4 digits at least there:
# 最后一次 stays).
_TAIL = re.compile(
    rf"(尾号|尾数|(?:最后|[后末])[0-9一二三四五六七八九十两几]\s*(?:位|码|个)(?:数字|号码|数|号)?)"
    rf"([\s是为:]{{0,3}})({_DIGIT}(?:{_GAP}?{_DIGIT})*)"
    rf"|(末尾|最后)([\s是为:]{{0,3}})({_DIGIT}(?:{_GAP}?{_DIGIT}){{3,}})"
)
_HONORIFIC = "先生|女士|小姐|太太|老师"
# What a customer is called by besides the name: 李先生, 伟哥, 张阿姨.
_TITLE = rf"(?:{_HONORIFIC}|同志|师傅|阿姨|大爷|大妈|大姐|大哥|叔叔|哥|姐|生)"
# What the customer is called by with the surname alone: 张总, 张经理, 张工 (the title first:
# 张老师 is not 张老 + 师).
_SURNAME_TITLE = (
    rf"(?:{_TITLE}|总|经理|工|主任|老板|师傅|老师|科长|处长|局长|所长|院长|教授|医生"
    rf"|护士|董|同学|老伯|老爷子|老太太|老太|婆婆|奶奶|爷爷|伯伯|叔|伯|姨|嫂)"
)
# The same titles spaced (张 先 生): each title's characters with spaces between.
_SPACED_TITLE = (
    "(?:"
    + "|".join(
        r"\s*".join(word)
        for word in sorted(
            re.findall(r"[\u4e00-\u9fff]+", _SURNAME_TITLE + _TITLE), key=len, reverse=True
        )
    )
    + ")"
)
# Mr Zhang, Mrs. Zhang, Ms Zhang: a title in English before the surname in pinyin.
_LATIN_TITLE = r"(?:Mr|Mrs|Ms|Miss|Madam|Sir)\.?\s*"
# The name's place in a sentence: 客户李红反映, 李红说, 是李红: a surname and one or two more
# characters there are a full name even when the ticket only has 李女士.
_BEFORE_NAME = "(?:客户|用户|顾客|机主|叫|是|名叫|姓名)"
_AFTER_NAME = "(?:说|讲|反映|表示|称|投诉|来电|打电话|来|的|同志|女士|先生|小姐|本人)"
# 冼女士, 区先生, 上官女士: the character before 先生/女士/小姐 where it is a surname
# (`_ALL_SURNAMES`, also where jieba misses it: 区, 车) starting a word (方女士, not 对方先生),
# or where jieba reads a name (not 年长的女士, 外地女士, 客户先生: `_titled_surname`).
_ANY_TITLED = re.compile(
    r"(?<![这那位个名的该老男女此某其各本两员])([\u4e00-\u9fff])\s*(?:先\s*生|女\s*士|小\s*姐)"
)
# Surnames of two characters (the given name is what follows them).
_COMPOUND = (
    "欧阳司马上官诸葛东方皇甫尉迟公孙慕容长孙夏侯令狐宇文司徒轩辕端木独孤南宫西门百里"
    "呼延澹台公冶申屠太史闻人万俟钟离濮阳单于"
)
_COMPOUND_SURNAMES = frozenset(_COMPOUND[i : i + 2] for i in range(0, len(_COMPOUND), 2))
# A name field that names nobody.
_NO_NAME = frozenset({"匿名", "客户", "用户", "未知", "不详", "无", "未提供", "某"})

# Letters and digits (full-width ones are read as ASCII).
_ALNUM = "A-Za-z0-9"
# user@qq.com, and as people write it to get past filters: "zhangwei at qq dot com",
# zhangwei(at)qq(dot)com, zhangwei(a)qq.com, zhangwei【at】qq【dot】com, zhangwei#qq.com,
# zhangwei艾特qq点com, zhangwei 圈 qq 点 com.
_OPEN, _CLOSE = r"[(\[{<【〔「『]", r"[)\]}>】〕」』]"
_AT = (rf"(?:\s*[@#%]\s*|\s*{_OPEN}\s*(?:at|a|@)\s*{_CLOSE}\s*|\s+at\s+"
       rf"|\s*(?:艾特|爱特|圈|在|小老鼠)\s*)")  # fmt: skip
_DOT = rf"(?:\s*[.。]\s*|\s*{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}\s*|\s+dot\s+|\s*点\s*)"
# Each pattern starts only where a run of the local part's characters starts (the signs
# before its first letter or digit are kept, `lead`): tried from every character of a long
# run, each try reading to the run's end, redact took seconds on 10,000 digits.
_LOCAL = r"(?<![\w.+\-])(?P<lead>[_.+\-]*)[A-Za-z0-9][\w.+\-]*"
_EMAIL = re.compile(rf"{_LOCAL}{_AT}[A-Za-z0-9\-]+(?:{_DOT}[A-Za-z0-9\-]+)+",
                    re.IGNORECASE | re.ASCII)  # fmt: skip
# zhangwei@qq: an "@" is an e-mail's even without the domain's end.
# zw88 at qq, zw88 在 qq: any way of writing "at" before a mail provider's name.
_MAILERS = "qq|163|126|139|gmail|foxmail|outlook|hotmail|sina|sohu|yahoo|yeah|aliyun|icloud"
_BARE_EMAIL = re.compile(
    rf"{_LOCAL}(?:\s*@\s*[A-Za-z0-9\-]+|{_AT}(?:{_MAILERS})(?![A-Za-z0-9]))",
    re.ASCII | re.IGNORECASE,
)
# 宽带账号GZKD8812ab, gz123456, GZKD-8812-AB, GZKD_9912_AB, GZKD.9912.AB, zhangwei_1990 (a
# WeChat id): letters and digits together, 6 or more, one sign between them at most.
_ACCOUNT = re.compile(
    rf"(?<![{_ALNUM}\-_.])(?=[{_ALNUM}\-_.]*[A-Za-z])(?=[{_ALNUM}\-_.]*[0-9])"
    rf"[{_ALNUM}](?:[\-_.]?[{_ALNUM}]){{5,}}(?![{_ALNUM}])"
)
# GZKD 9912 AB, gz 123456: letters and a group of 4 or more digits with spaces between (not
# iPhone 15 Pro, 5G 1000M: the digits are too few, or nothing but letters stands before them).
# The 4 digits are looked for behind the run, not matched in it: [A-Za-z0-9]*[0-9]{4,} is
# quadratic in a long run of digits.
_SPACED_ACCOUNT = re.compile(
    rf"(?<![{_ALNUM}])(?:[A-Za-z]+[ \t]+[0-9]{{4,}}[{_ALNUM}]*(?:[ \t]+[A-Za-z]+)?"
    rf"|[{_ALNUM}]+(?<=[0-9]{{4}})[ \t]+[A-Za-z]+)(?![{_ALNUM}])"
)
# QQ 12345, qq号:123456789, 微信 zhangwei2024: the id after the word that names it.
_IM_ID = re.compile(
    r"((?:QQ|qq|Qq|企鹅|微\s*信|[Vv]\s*[Xx]|WX|wx|wechat|WeChat|抖音)(?:号码|号|ID|id|Id)?"
    r"[\s是为:]{0,3})"
    r"([0-9]{5,10}(?![0-9])|[A-Za-z][\w\-]{5,19}(?![\w\-]))",
    re.ASCII,
)
# 客户QQ号五位数:12345, 微信是 一二三四五六: a QQ or WeChat number of 5+ digits (any numerals)
# a few words after its label, up to the next punctuation (not 微信支付12800元: an amount).
_IM_NUMBER = re.compile(
    rf"(?:QQ|qq|Qq|扣扣|企鹅|微\s*信|[Vv]\s*[Xx]|WX|wx|wechat|WeChat)[^\n,，。;；!！?？、0-9]{{0,8}}?"
    rf"({_DIGIT}(?:{_GAP}?{_DIGIT}){{4,}})(?![0-9]|\s*(?:元|块|分|次|个|人|天|年|月|日|G|M))"
)
# A Chinese vehicle plate: the province's character, a letter, 5 letters and digits (6 for a
# new-energy car), a sign or a space at most after the letter: 粤A12345, 京A·12345, 沪B 5X7Y8,
# 粤B-D12345. One digit at least in it (新ABCDEF is no plate).
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"[{_PROVINCES}]\s*[A-Za-z]\s*[·•・.\-\s]?\s*(?=(?:[A-Za-z]\s?)*[0-9])"
    rf"[A-Za-z0-9](?:\s?[A-Za-z0-9]){{4,5}}(?![A-Za-z0-9])"
)
# A MAC address: six pairs of hex digits joined by ":" or "-" (AA:BB:CC:DD:EE:FF), or
# three groups of four joined by "." (aabb.ccdd.eeff).
_MAC = re.compile(
    r"(?<![0-9A-Fa-f:\-.])(?:[0-9A-Fa-f]{2}([:\-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Fa-f:\-.])"
)
# Twelve hex digits written together are a MAC only after its label (mac:AABBCCDDEEFF).
_LABELLED_MAC = re.compile(r"(?i:mac)\s*(?:地址)?\s*[:：是为]?\s*([0-9A-Fa-f]{12})(?![0-9A-Za-z])")
# Where the customer lives: a place after 住/住在/家在/家住 or an address's label (住址, 地址:
# not the hall's, 营业厅地址), up to the next punctuation, as
# place words each ending as a place does (幸福里, 天河区幸福里小区, 车陂路): the customer's
# home is personal data even with no number. Not 住院, 住宅, 住户, 记住, 挡住 (住 is no "lives"
# there), nor a place that names no one's home (住在这里, 家在农村, 住在同一个小区).
_PLACE_END = (
    "小区|花园|新村|公寓|大厦|家园|苑|山庄|大院|宿舍|公馆|大楼|广场|中心|社区"
    "|里|村|区|街|路|巷|弄|胡同|道|城|府|庭|阁|轩|居|园|湾|庄|坊|镇|乡|县|市|屯|寨"
)
_HOME = re.compile(
    r"(?:(?<![厅店司位校院局所])(?:家庭住址|现住址|住址|地址|居住地|住处)\s*[:：是为在]?\s*"
    r"|家住在|居住在|家住|家就在|家位于|家在|住在|住的是|家是"
    r"|(?<![记抓挡忍止稳留保顶撑困拦盯守卡压接揪扣罩框勒憋绊锁封])住(?![在院宿宅房户手口嘴持所处址得过着了满惯]))"
    r"\s*(?P<place>(?:(?:(?!的)[\u4e00-\u9fffA-Za-z0-9·]){0,8}?(?:" + _PLACE_END + r"))+)"
)
_NO_HOME = re.compile(
    r"(?:这|那|哪|该|本|同|一|个|所|附近|周边|本地|外地|当地|农村|乡下|乡村|郊区|市区|城区|城中村"
    r"|城里|村里|县城|小区|老|新|里|街道|社区|楼上|楼下|隔壁|对面|市|区|县|镇|乡|村)+"
    # 家住白云区: a district, a town or a city alone is where many live, no one's home.
    r"|(?:[\u4e00-\u9fff]{1,4}?(?:省|市|(?<![小社园校营景])区|县|镇|乡))+"
)
_HAN = r"[\u4e00-\u9fff]"
# A house or room number however written: 18, 十八, 一百二十三, 五〇一, A, B1.
_NUM = r"[0-9A-Za-z〇零一二三四五六七八九十百千两幺]+"
_AT_NUM = rf"(?<![0-9A-Za-z〇零一二三四五六七八九十百千两幺]){_NUM}"
_UNIT = r"(?:号楼|栋|幢|座|单元|室|层|楼|号|户)"
_ROAD = r"(?:路|街|道|巷|弄|大道|胡同|村|坊|社区)"
# What may stand before an address and is no part of it: 家在, 住在, 位于 (家在广州大道中一千二百号
# keeps 家在). The place's words up to the last of these stay.
_ADDRESS_LEAD = "在住于是到去址为从"
_ESTATE = r"(?:小区|花园|新村|公寓|大厦|家园|苑)"
# 天河路88号, 幸福路十八号, 中山大道西 1号 3栋 2单元 501室, 幸福小区5栋301, 三号楼二单元五〇一.
_ADDRESS = re.compile(
    rf"(?P<road>{_HAN}{{0,8}}){_ROAD}{_HAN}{{0,2}}\s*{_NUM}\s*(?:号|弄)"
    rf"(?:\s*{_NUM}\s*{_UNIT})*(?:\s*[0-9〇零一二三四五六七八九]+)?"
    # (A building alone of no named estate, 小区5栋, is a place, not a home: `_one_building`.)
    rf"|(?P<estate>{_HAN}{{0,8}}){_ESTATE}\s*{_NUM}\s*{_UNIT}(?P<more>(?:\s*{_NUM}\s*{_UNIT}?)*)"
    # 大沙地东 123 号: a place and a house number in digits (not 11月15号, 第12号, 3号线).
    rf"|(?P<place>{_HAN}{{1,8}})(?<![月日第周年期批次窗台厅号楼层])\s*[0-9]{{2,5}}\s*号(?![码线段])"
    rf"(?:\s*{_NUM}\s*{_UNIT})*"
    # (From where a run of numerals starts: from each of its characters it is quadratic.)
    # 石牌村45-2, 石牌村45之2, 石牌村第45: a road and a house number without 号 (not 路3公里).
    rf"|(?P<village>{_HAN}{{0,8}}){_ROAD}\s*(?:第\s*[0-9]+|[0-9]+(?:\s*[-之]\s*[0-9]+)+"
    rf"|[0-9]{{2,}}(?![0-9.]|\s*[个次天元块分秒米公里年月日点号GMgm%]))"
    # (2号楼营业厅: a building alone is a place; with a unit or a room it is a home.)
    rf"|{_AT_NUM}\s*(?:号楼|栋|幢|座)(?:\s*{_NUM}\s*(?:单元|室|层|楼|号|户)?)+"
    rf"|{_AT_NUM}\s*单元(?:\s*{_NUM}\s*(?:室|号|户)?)?"
    rf"|{_AT_NUM}\s*室"
)
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹣－"), "-")
# Characters that show nothing: typed inside a name (张\u200b伟, 张\u2061伟, 张\u034f伟) to get
# past a filter: every format character (Cf) and non-spacing mark (Mn). The page leaves them out.
_INVISIBLE_KINDS = frozenset({"Cf", "Mn"})


@functools.lru_cache(maxsize=8192)
def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE_KINDS


def _shown(text: str) -> str:
    return "".join(ch for ch in text if not _invisible(ch))


# Traditional forms of common surnames and given-name characters, read as the simplified
# ones (張偉 is 张伟); one character for one, so a place found is the place in the text.
_TRADITIONAL = str.maketrans(
    "張劉陳楊黃趙吳孫馬鄭謝韓馮鄧許蘇盧蔣葉閻錢湯羅鍾歐陽顧賴蕭莊葉鄒龔譚嚴陸喬賈蘭"
    "偉華麗強軍艷豔傑濤紅東國龍鳳穎靜雲飛鵬輝倫峯貴樂寧誠廣權勝義興愛玲達順麗潔婭璣",
    "张刘陈杨黄赵吴孙马郑谢韩冯邓许苏卢蒋叶阎钱汤罗钟欧阳顾赖萧庄叶邹龚谭严陆乔贾兰"
    "伟华丽强军艳艳杰涛红东国龙凤颖静云飞鹏辉伦峰贵乐宁诚广权胜义兴爱玲达顺丽洁娅玑",
)


@functools.lru_cache(maxsize=8192)  # called for every character of every case's texts
def _read(ch: str) -> str:
    """One character as read: a full-width letter, digit or sign as ASCII (ＡＢ１２＠．), a
    dash as "-"; anything NFKC would make longer (㎡) is kept as it is."""
    ch = ch.translate(_DASHES).translate(_TRADITIONAL)
    wide = unicodedata.normalize("NFKC", ch)
    if len(wide) != 1:
        return ch
    # Zhāng Wěi: a letter with a tone mark read without it.
    bare = "".join(c for c in unicodedata.normalize("NFKD", wide) if not unicodedata.combining(c))
    return bare if len(bare) == 1 and bare.isascii() else wide


def _own_number(number: str) -> re.Pattern[str] | None:
    """The ticket's own phone or service number however typed in the text: any case, full-width,
    up to 8 signs between its characters (138 ---- 1234 ---- 5678: it is known to be personal
    data, unlike any run of digits), its digits also as Chinese numerals."""
    chars = [_read(ch) for ch in number if ch.isalnum()]
    if len(chars) < 4:  # too short to be told from other words
        return None
    return re.compile(
        f"{_GAP}{{0,8}}".join(f"[{ch}{_ZH_DIGITS[ch]}]" if ch in _ZH_DIGITS else re.escape(ch)
                   for ch in chars),
        re.IGNORECASE,
    )  # fmt: skip


def _is_number(match: re.Match[str]) -> bool:
    """A run of 7+ digits is a number (a phone, an ID, an account) unless dates, times and
    amounts are all it holds (`_KEPT`)."""
    text, at, end, kept, digits = match.string, match.start(), match.end(), 0, 0
    while at < end:
        found = _KEPT.match(text, at)
        if found is None or found.end() > end:  # 10:30到11:45: the run ends at 到
            found = _KEPT.match(text, at, end)
        if found:
            kept += 1
            at = found.end()
            continue
        if re.match(r"[0-9]", text[at]):
            return True
        digits += bool(re.match(_DIGIT, text[at]))
        at += 1
    return not (kept <= 2 and digits <= 1)


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) of the name on the ticket: 张伟 → (张, 伟), 欧阳娜娜 → (欧阳,
    娜娜), 李女士 → (李, ""), a name that names nobody (匿名) → ("", "")."""
    name = re.sub(r"[\s·.•・]+", "", _folded(name))
    name = re.sub(rf"{_TITLE}$", "", name) or name
    if not name or name in _NO_NAME or not re.fullmatch(rf"{_HAN}+", name):
        return "", ""
    cut = 2 if name[:2] in _COMPOUND_SURNAMES else 1  # (上官女士: 上官 alone)
    return name[:cut], name[cut:]


def _folded(name: str) -> str:
    """The name as the text is read (`_Reading.norm`): 張偉 as 张伟, nothing invisible in it."""
    return "".join(_read(ch) for ch in _shown(name))


@functools.lru_cache(maxsize=256)  # a case search redacts every case's texts
def _pinyin(han: str) -> str | None:
    """A pattern of `han` in pinyin, any case, with or without spaces between the syllables
    (Zhang Wei, ZHANGWEI, zhangwei); each reading of a character that has several (单: dan,
    shan), ü also as v or u (吕: lv, lu)."""
    try:
        from pypinyin import Style, pinyin
    except ImportError:  # pragma: no cover - a dependency (pyproject.toml)
        return None
    syllables = []
    for readings in pinyin(han, style=Style.NORMAL, heteronym=True):
        spelled = {r.replace("ü", "v") for r in readings if r.isascii() and r.isalpha()}
        spelled |= {r.replace("v", "u") for r in spelled}
        if not spelled:
            return None
        # z h a n g w e i: the letters of a syllable spaced too.
        spaced = ("[\\s·.\\-_]*".join(r) for r in sorted(spelled, key=len, reverse=True))
        syllables.append("(?:" + "|".join(spaced) + ")")
    return r"[\s·.\-_]*".join(syllables)


def _letters(han: str) -> int:
    """How many letters `han` has in pinyin (its first reading)."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - a dependency (pyproject.toml)
        return 0
    return len("".join(lazy_pinyin(han)))


def _spaced(word: str) -> str:
    # 张 伟, 张·伟, 张*伟 (a name masked by hand keeps its surname and given name).
    return r"[\s·.\-_*]*".join(re.escape(ch) for ch in word)


def _name_patterns(name: str) -> list[tuple[re.Pattern[str], int, bool]]:
    """Where the customer's `name` stands in a text, as (pattern, group of the name, guessed):
    the name however spaced (张 伟), in traditional characters (張偉), in pinyin (Zhang Wei,
    ZHANGWEI, Wei Zhang), the surname with a title (张先生, 张生, 张总, 张经理, 张工, 老张), a
    full name where a name stands (客户李红反映, 李红说: also when the ticket has only 李女士),
    the given name with or without one (小伟, 阿伟, 伟哥, 伟伟, 伟 on its own). A one-character
    given name inside other words (说明 for 张明) is no finding. A Latin name on the ticket
    (Lily Wang) word by word, a name with · (买买提·艾力) part by part. `guessed`: the name is
    read from the text (a surname and what follows it), so a common word is no name (马上 on
    a 马女士 ticket, `_NOT_NAMES`)."""
    found: list[tuple[re.Pattern[str], int, bool]] = []
    folded = _folded(name)
    if re.sub(r"[\s·.•・]+", "", folded) in _NO_NAME:  # 匿名, 客户: nobody's name
        return found
    for word in re.findall(r"[A-Za-z]{2,}", folded):
        found.append((re.compile(rf"(?<![A-Za-z]){word}(?![A-Za-z])", re.I), 0, False))
    parts = [p for p in re.split(r"[\s·.•・]+", folded) if re.fullmatch(rf"{_HAN}{{2,}}", p)]
    if len(parts) > 1:
        found += [(re.compile(_spaced(part)), 0, False) for part in parts]
        # Maimaiti for 买买提·艾力: each part in pinyin too.
        for part in parts:
            if spelled_part := _pinyin(part):
                found.append((re.compile(rf"(?<![A-Za-z]){spelled_part}(?![A-Za-z])", re.I),
                              0, False))  # fmt: skip
    surname, given = split_name(folded)
    whole = re.sub(r"[\s·.•・]+", "", folded)
    if whole and re.fullmatch(rf"{_HAN}+", whole):  # (also a name split_name cannot read)
        found.append((re.compile(rf"{_spaced(whole)}\s*{_TITLE}?"), 0, False))
        if surname and given and (spelled := _pinyin(surname + given)):
            reverse = _pinyin(given + surname) or spelled  # Wei Zhang, as on a passport
            found.append((re.compile(rf"(?<![A-Za-z])(?:{spelled}|{reverse})(?![A-Za-z])", re.I),
                          0, False))  # fmt: skip
    if not surname:
        return found
    s = _spaced(surname)
    found.append((re.compile(rf"{s}\s*{_SPACED_TITLE}"), 0, False))
    # 小王, 老张: guessed (小区 on a 区女士 ticket, 小时 on a 时先生 one are words).
    found.append((re.compile(rf"[老小]{s}(?={_PERSON_ACTS.pattern})"), 0, False))
    found.append((re.compile(rf"[老小]{s}"), 0, True))
    if spelled_surname := _pinyin(surname):
        # ZHANG先生, Mr Zhang: the surname in pinyin with a title.
        found.append((re.compile(
            rf"(?<![A-Za-z])(?:{spelled_surname})\s*{_SPACED_TITLE}"
            rf"|{_LATIN_TITLE}(?:{spelled_surname})(?![A-Za-z])", re.I), 0, False))  # fmt: skip
    # 李红说, 客户李红反映: a surname and one or two characters where a name stands.
    found.append((re.compile(rf"{s}(?:(?![{_NOT_GIVEN}]){_HAN}){{1,2}}(?={_AFTER_NAME})"), 0, True))
    found.append((re.compile(rf"{_BEFORE_NAME}\s*({s}(?:\s*(?![{_NOT_GIVEN}]){_HAN}){{1,2}})"),
                  1, True))  # fmt: skip
    if not given:
        return found
    # Wei来厅: the given name in pinyin on its own (3 letters at least: an, li are words).
    if (spelled_given := _pinyin(given)) and _letters(given) >= 3:
        found.append((re.compile(rf"(?<![A-Za-z])(?:{spelled_given})(?![A-Za-z])", re.I),
                      0, False))  # fmt: skip
    g = _spaced(given)
    if len(given) > 1:
        found.append((re.compile(rf"(?:[小阿老])?(?:{g})+\s*{_TITLE}?"), 0, False))
        # 小娜, 阿娜 for 娜娜; 小强 for 伟强: a pet name from one of its characters.
        found.append((re.compile(rf"[小阿][{re.escape(given)}]"), 0, False))
        return found
    found.append((re.compile(rf"[小阿老]{g}+\s*{_TITLE}?|{g}{{2,}}\s*{_TITLE}?|{g}\s*{_TITLE}"
                             rf"|(?<!{_HAN}){g}(?!{_HAN})"), 0, False))  # fmt: skip
    return found


def names_called(
    texts: Iterable[str], names: tuple[str, ...], *, read: bool = False, own: bool = False
) -> tuple[str, ...]:
    """The full names `texts` give where a name stands (客户李红反映, 李红说, 叫李红) for a
    surname of `names`: the ticket may have only 李女士, yet 李红 is then hers wherever it is
    written (李红的号码…, in another field of the same case too). `read`: the texts are
    already as read (`_Reading.norm`). `own`: the texts are the ticket's own, where the
    customer's surname and what follows it in such a place is her name unless it is a word
    of the dictionary (时间的, 解释说, 何时来); elsewhere only where jieba reads a name too
    (jieba reads 何浩然 as 何 and 浩然: the attack on case18g)."""
    found: dict[str, None] = {}
    for name in names:
        surname = split_name(name)[0]
        if not surname:
            continue
        s = _spaced(surname)
        placed = re.compile(rf"({s}(?:(?![{_NOT_GIVEN}]){_HAN}){{1,2}})(?={_AFTER_NAME})"
                            rf"|{_BEFORE_NAME}\s*({s}(?:\s*{_HAN}){{1,2}})(?!{_HAN})")  # fmt: skip
        for text in texts:
            norm = text if read else _Reading(text).norm
            for match in placed.finditer(norm):
                group = 1 if match.group(1) else 2
                start, end = match.span(group)
                if not names_agree(norm, start, end) and not (
                    own and not _word_at(norm, start, end, len(surname))
                ):  # 时间的, 解释说: words
                    continue
                called = re.sub(r"[\s·.]", "", match.group(group))
                called = re.sub(rf"(?:{_AFTER_NAME}|{_SURNAME_TITLE})$", "", called)
                if len(called) > len(surname) and called[:2] not in _NOT_NAMES:
                    found[called] = None
    return tuple(found)


def _word_at(norm: str, start: int, end: int, surname: int) -> bool:
    """Whether the surname and the next character or two, or the whole, of [start, end) is
    a word of the dictionary (时间, 解释, 何时: not a name)."""
    bare = re.sub(r"\s", "", norm[start:end])
    return any(in_dictionary(bare[:n]) for n in range(surname + 1, len(bare) + 1))


# The most common surnames (about 150, by frequency): a name after a label or a relation word,
# or before a title, is one of these and one or two characters more.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申"
    "欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛"
)
# Common words that begin with a surname: never read as a name (马上 on a 马女士 ticket, 客户高兴,
# 用户方便时), and words jieba tags as a name (高峰, 关怀, 查清, and brands: 华为, 荣耀: the last
# two lines, seen on the demo's and the docs' texts and on summaries written to try it). Only
# a guessed name is checked against them, never the ticket's own.
_STOP_WORDS = """
马上 马路 高兴 高度 高峰 高速 高额 高于 方便 方面 方式 方案 方法 方向 周末 周一 周二 周三
周四 周五 周六 周日 周边 周期 周围 周到 黄金 白天 白白 江湖 常常 常用 常规 常见 金额 许多
许可 李子 于是 于本 于当 于次 于昨 于今 于前 于上 于下 于近 于同 向营 向我 向他 向她 向本
向客 向工 向上 向厅 向值 向经 向领 程序 程度 安装 安排 安全 安心 安抚 安置 成功 成本 成为
成员 关于 关注 关闭 关机 关心 关系 关联 包月 包括 包年 单位 单独 单方 万一 明确 明天 明白
明显 文件 文字 曾经 曾多 曾于 曾在 曾向 曾表 曾来 曾因 曾致 曾打 曾投 曾办 任何 任务 余额
余下 付费 付款 严重 严格 温度 温馨 康复 施工 齐全 申请 申报 申诉 左右 甘心 宁可 尚未 符合
舒服 舒适 纪律 凌晨 毕竟 季度 罗列 钱款 范围 夏天 叶子 杜绝 何时 何况 何必 石头 顾及 黎明
莫名 雷同 龙头 毛病 陆续 章程 焦急 谢谢 宋体 成都 武汉 朱红 孙子 戴上 史上 高兴地 邓白
关怀 须先 宣传 安抚 包未 查清 查明 延后 续超 高清 简体 向后 艾特 楼二 张贴 周转
华为 荣耀 美的 沃派 贝尔 支付 高德 方正 康佳 金立 雷鸟 鸿蒙 安卓
京溪 查话费 太久 陈述 陈列 陈旧 张口 老太太 老先生 戴眼镜
扬言 金卡 越秀 林和西
"""
_NOT_NAMES = frozenset(_STOP_WORDS.split())
# Every surname of one character in one place: the common ones above, the rest of the 百家姓
# and those of the south (冼, 区, 麦, 邝): what may stand before 先生/女士 as a surname.
_ALL_SURNAMES = frozenset(
    _SURNAMES
    + "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏"
    "潘葛奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅"
    "皮卞齐康伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝"
    "董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫"
    "经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿"
    "储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘"
    "景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴郁胥能苍双闻莘党翟谭贡"
    "劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容"
    "向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾"
    "辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公"
    "冼区麦邝植付闫佘揭练庹兰敬卿粟苟银凡覃岳楚谌蓝阳"
)


def _titled_surname(norm: str, match: re.Match[str]) -> tuple[int, int] | None:
    """Where a surname stands before the title `match` found, with the title, or None: a
    compound surname (欧阳女士), a surname starting a word (方女士, 区先生; not 对方先生), or a
    name jieba reads there (the character alone is no surname: 的, 该, 地, 轻, 老, 户)."""
    at = match.start(1)
    if at >= 1 and norm[at - 1 : at + 1] in _COMPOUND_SURNAMES:
        return at - 1, match.end()
    if norm[at] in _ALL_SURNAMES and starts_word(norm, at):
        return at, match.end()
    if names_agree(norm, at, at + 1):
        return at, match.end()
    return None


# Where a name stands by what stands before it: a label (联系人, 姓名, 户主) or a relation word
# (他老婆, 其母亲). Then an optional colon and a common surname with one or two characters.
_LABELS = (
    "联系人|姓名|名字|户主|机主|客户|用户|顾客|本人|家属|家人|老婆|妻子|丈夫|老公|爱人|儿子|女儿|"
    "父亲|母亲|爸爸|妈妈|哥哥|姐姐|弟弟|妹妹|朋友|邻居|同事|亲戚|代办人|经办人|联系人为|名叫|叫做|"
    "老伴|媳妇|儿媳|女婿|孙子|孙女|外孙|岳父|岳母|公公|婆婆|舅舅|舅妈|姑姑|叔叔|阿姨|伯伯|侄子|"
    "保姆|房东|租客|租户|代理人|监护人|委托人|受托人|户名|开户人|持卡人|实名登记人|登记人|收件人|"
    "收货人|签收人|申请人|使用人|法人|负责人"
)
# Characters that end a name read after a label (客户王芳再次来电: 王芳, not 王芳再).
_NOT_GIVEN = (
    "再又也已在于和与等对向从到今昨去还都就才曾却便把被给让跟同"
    "及们说讲称来的了是要想因后先很不没仍非"
)
_LABELLED = re.compile(
    rf"({_LABELS})\s*[:]?\s*((?:{'|'.join(sorted(_COMPOUND_SURNAMES))}"
    rf"|[{_SURNAMES}])(?:(?![{_NOT_GIVEN}]){_HAN}){{1,2}})"
)
# A name of one of these surnames wherever it stands (欧阳娜, 上官洋: jieba misses many): they are
# no words (东方, 西门, 南宫, 百里, 太史, 单于, 长孙… are, and are left out).
_COMPOUND_NAMED = re.compile(
    r"(?:欧阳|司马|上官|诸葛|皇甫|尉迟|公孙|慕容|夏侯|令狐|端木|司徒|呼延|澹台|申屠|万俟|轩辕|独孤)"
    rf"(?:(?![{_NOT_GIVEN}]){_HAN}){{1,2}}"
)
# Labels that stand before ordinary words too (客户王卡套餐: a product): a name after them only
# where jieba reads one.
_WEAK_LABELS = frozenset({"客户", "用户", "顾客", "本人", "家属", "家人"})
# 老张说, 小王来厅: 老/小 and the surname is a name where jieba reads one, or before what a
# person does (not 小区信号差, 两个小时, 老年客户, 小米手机: words).
_PERSON_ACTS = re.compile(
    r"\s*(?:说|讲|反映|表示|称|投诉|来电|打电话|来厅|来了|又|再次|也|一直|认为|觉得|要求|当场|态度)"
)
# 王女士, 李先生: a common surname with a title (not 这位先生, 某女士, 装维老师).
_SURNAME_TITLED = re.compile(rf"(?<![这那位个名的该])[{_SURNAMES}]\s*(?:{_HONORIFIC})")
# 王阿姨, 刘师傅, 赵经理: a common surname with how people are called besides 先生/女士, where
# it ends no word (not 保洁阿姨, 出租车师傅, 值班经理) and is no preposition that
# stands before a post as often (向经理反映, 于主任处, 对大爷解释: left out, 于 and 向 with them).
_CALLED_BY = "阿姨|大爷|大妈|大姐|大哥|大叔|大婶|叔叔|婶婶|奶奶|爷爷|伯伯|师傅|经理|主任|老板"
_PREPOSITIONS = "向于对给跟和与找问请叫让把被从到在为由同将替帮"
_SURNAME_ADDRESSED = re.compile(
    rf"(?<![这那位个名的该老男女此某其各本两员])"
    rf"((?![{_PREPOSITIONS}])[{_SURNAMES}])\s*(?:{_CALLED_BY})"
)
# A date of birth: 出生于1985年3月2日, 生日是3月2号, 出生日期:1985-03-02, 生于一九八五年.
_DAY_DIGIT = rf"(?:{_DIGIT}|十)"
_BIRTH = re.compile(
    r"(?:出生日期|出生年月日|出生年月|出生年份|出生年|出生于|出生在|出生|生日|生于)\s*[是为:]?\s*"
    rf"({_DIGIT}{{2,4}}\s*(?:年|[-./])\s*(?:{_DAY_DIGIT}{{1,2}}\s*(?:月|[-./]|$)"
    rf"\s*(?:{_DAY_DIGIT}{{1,3}}\s*[日号]?)?)?|{_DAY_DIGIT}{{1,2}}\s*月\s*{_DAY_DIGIT}{{1,3}}\s*[日号]?)"
)
# A room or house number: 富力中心2301房, 1201室, 502户, 1502号房 (not 约300户, 共120户: counted).
_ROOM = re.compile(r"(?<![0-9])[0-9]{3,5}\s*(?:号房|房|室|户)")
# 1975年3月2日出生, 90年1月1日生, 1990-01-01出生: a date before 出生 or 生 (not 生活, 生效).
_BORN = re.compile(
    rf"({_DIGIT}{{2,4}}\s*(?:年|[-./])\s*{_DAY_DIGIT}{{1,2}}\s*(?:月|[-./])\s*{_DAY_DIGIT}{{1,3}}"
    rf"\s*[日号]?|{_DIGIT}{{4}}\s*年)\s*(?:出生|生人|生(?![活效产意成病气长存日]))"
)
# 住在富力中心2301, 富力中心2301的租户: a building's name and a room number without 房 or 室 (not
# 套餐199元, 100M, 营业厅3001号: an amount, a speed, a counted thing).
_PLACE_ROOM = re.compile(
    r"(?:住在|住|家在|家住|位于)[\u4e00-\u9fff]{0,10}?[0-9]{3,5}(?![0-9])"
    r"|[\u4e00-\u9fff]{1,8}(?:中心|大厦|广场|花园|小区|公寓|苑|城|府|庭|阁|轩|居|园|里|公馆|家园"
    r"|新村|大楼)\s*[0-9]{3,5}(?![0-9]|\s*(?:元|块|次|个|天|分|秒|米|年|月|日|号|[MGKmgk%]))"
    # 1-2-301: building, unit, room (a date is 2026-1-2, its first part 4 digits).
    r"|(?<![0-9\-])[0-9]{1,3}-[0-9]{1,2}-[0-9]{3,4}(?![0-9\-])"
)
# 军官证号码：南字第123456号, 护照号E1234567: a certificate's number after its name.
_CERTIFICATE = re.compile(
    r"(?:证|护照|通行证|证件)(?:号码|号|编号)?\s*[:是为]?\s*[\u4e00-\u9fff]{0,3}第?\s*"
    r"([A-Za-z]{0,2}[0-9]{5,}[A-Za-z0-9]*)"
)
# A word after which a letters+digits token is an account (宽带账号AB12, 号码:gz1234).
_ACCOUNT_LABEL = re.compile(
    r"(?:账号|帐号|账户|帐户|宽带账号|宽带号|号码|用户名|ID|id)\s*[:是为]?\s*$"
)
# Where a name stands for a staff member: after a post (营业员刘洋, 装维师傅小王), or a name
# ending in a manager's title (王经理).
_POSTS = re.compile(
    r"(?:营业员|店员|装维人员|装维师傅|装维|客服|客服代表|工作人员|员工|值班经理|经理|主管|组长|店长"
    r"|同事|专员|柜员|话务员|受理员|网格员|师傅|人员)\s*$"
)
_STAFF_TITLE = re.compile(r"(?:经理|主任|店长|主管|组长)$")
_COUNTED = re.compile(r"(?:约|共|近|超过|超|达|涉及|影响|有|计|余|多|计有)\s*$")


@dataclass(frozen=True)
class Finding:
    """Personal data at [start, end) of the text as written: `kind` names what (name, phone,
    number, tail, email, im, address, account, birth, room, plate, mac) and `found` is it as
    shown."""

    start: int
    end: int
    kind: str
    found: str


class _Reading:
    """The text as read (`norm`) and, for each of its characters, where it is in the text as
    written (invisible characters are left out of the reading)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.where = [i for i, ch in enumerate(text) if not _invisible(ch)]
        self.norm = "".join(_read(text[i]) for i in self.where)

    def finding(self, start: int, end: int, kind: str) -> Finding:
        first, last = self.where[start], self.where[end - 1] + 1
        return Finding(first, last, kind, _shown(self.text[first:last]).strip())


def _guessed_no_name(norm: str) -> bool:
    word = re.sub(r"\s", "", norm)
    return word in _NOT_NAMES or word[:2] in _NOT_NAMES


def _any(_: re.Match[str]) -> bool:
    return True


def labelled_names(texts: Iterable[str]) -> tuple[str, ...]:
    """The names `texts` give after a label or a relation word (联系人王芳, 姓名:王芳, 他老婆
    李梅, 委托人：李秀兰) where jieba reads a name too (客户王卡 is a product), and every name
    jieba reads in them: the ticket's texts teach the check what its people are called."""
    found: dict[str, None] = {}
    for text in texts:
        norm = _Reading(text).norm
        for match in _LABELLED.finditer(norm):
            if _guessed_no_name(match.group(2)):
                continue
            if match.group(1) not in _WEAK_LABELS or names_agree(norm, *match.span(2)):
                found[re.sub(r"\s", "", match.group(2))] = None
        for name in name_words(norm):
            if not _guessed_no_name(name):
                found[re.sub(r"\s", "", name)] = None
    return tuple(found)


def _own_parts(number: str) -> str:
    """The digits of the ticket's phone or service number (the parts of 4+ of them are looked
    for in the text: 号码以3002结尾, 138****5678, 中间四位1234)."""
    return "".join(ch for ch in (_read(c) for c in number) if ch.isascii() and ch.isdigit())


_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]{4,}(?![0-9])")
_YEAR = re.compile(r"(?:19|20)[0-9]{2}(?=\s*(?:年|[-./][0-9]))")
_MASKED = "*＊×xX#"


def find_personal_data(
    text: str,
    names: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
    known: Iterable[str] = (),
    staff: Iterable[str] = (),
    involved: Iterable[str] = (),
) -> list[Finding]:
    """Where `text` holds personal data, in order, none inside another: the customer's `names`
    (see `_name_patterns`, and the names the ticket's texts `known` give: 客户李红反映,
    联系人李红, any name jieba reads in them), the ticket's own `numbers` (its contact phone and
    service number, in any case, width, spacing or numerals, and any part of 4+ of their
    digits however masked: 138****5678), the hall's `staff` by full name and the `involved`
    staff by surname and title (王经理, 小王: kind "staff"), any person's name jieba reads
    (陈建国先生, 冼女士, 营业员刘洋), e-mails (also obfuscated), IM ids, street addresses (any
    numerals), room numbers, accounts (6+ digits, or after 账号), any run of 7+ digits that is
    not a date, time or amount, the tail of a number (尾号5678), a date of birth, any
    character before 先生/女士/小姐 and a name after a label or a relation word."""
    page = _Reading(text)
    norm = page.norm
    spans: list[tuple[int, int, str]] = []

    def add(pattern: re.Pattern[str], kind: str, group: int = 0,
            keep: Callable[[re.Match[str]], bool] = _any) -> None:  # fmt: skip
        for match in pattern.finditer(norm):
            start, end = match.span(group)
            if end > start and keep(match):
                spans.append((start, end, kind))

    def agreed(group: int) -> Callable[[re.Match[str]], bool]:
        """A guessed name: not a common word, and read as a name by jieba."""
        return lambda m: not _guessed_no_name(m.group(group)) and names_agree(norm, *m.span(group))

    for number in numbers:
        if own := _own_number(number):
            add(own, "phone")
    add(_EMAIL, "email")
    add(_BARE_EMAIL, "email")
    add(_IM_ID, "im", 2)
    add(_IM_NUMBER, "im", 1)
    add(_PLATE, "plate")
    add(_MAC, "mac")
    add(_LABELLED_MAC, "mac", 1)
    add(_HOME, "address", 1, keep=lambda m: not _NO_HOME.fullmatch(m.group("place")))
    for match in _ADDRESS.finditer(norm):
        lead = (match.group("road") or match.group("estate") or match.group("place")
                or match.group("village") or "")  # fmt: skip
        cut = max(lead.rfind(ch) for ch in _ADDRESS_LEAD) + 1
        if (
            match.group("estate") is not None
            and not match.group("more")
            and (not lead[cut:].strip("该本这那个此同一整的"))
        ):  # 小区5栋: no estate named, no room
            continue
        spans.append((match.start() + cut, match.end(), "address"))

    def account(match: re.Match[str]) -> bool:
        """An account: 6+ digits, or after an account's label (a device model, HG8145V5,
        iPhone15Pro, AX3000, is none; the ticket's own service number is found above)."""
        digits = sum(ch.isdigit() for ch in match.group())
        # (GZKD_9912_AB, zhangwei_1990: no model is written with "_".)
        before = norm[max(0, match.start() - 8) : match.start()]
        return digits >= 6 or "_" in match.group() or bool(_ACCOUNT_LABEL.search(before))

    add(_ACCOUNT, "account", keep=account)
    add(_SPACED_ACCOUNT, "account", keep=account)
    for match in _TAIL.finditer(norm):
        group = 3 if match.group(1) else 6
        spans.append((*match.span(group), "tail"))
    # Parts of the ticket's own numbers (after the tail: 尾号5678 is said to be a tail).
    for number in numbers:
        digits = _own_parts(number)
        if len(digits) < 4:
            continue
        for run in _DIGIT_RUN.finditer(norm):
            if run.group() in digits and not _YEAR.match(norm, run.start()):
                start, end = run.span()
                while start > 0 and (norm[start - 1] in _MASKED or norm[start - 1].isdigit()):
                    start -= 1
                while end < len(norm) and (norm[end] in _MASKED or norm[end].isdigit()):
                    end += 1
                spans.append((start, end, "phone"))
    add(_NUMBER, "number", keep=_is_number)
    add(_BIRTH, "birth", 1)
    add(_BORN, "birth", 1)
    add(_ROOM, "room", keep=lambda m: not _COUNTED.search(norm[max(0, m.start() - 6) : m.start()]))
    for place in _PLACE_ROOM.finditer(norm):
        if room := re.search(r"[0-9][0-9\-]*$", place.group()):
            spans.append((place.start() + room.start(), place.end(), "room"))
    add(_CERTIFICATE, "number", 1)
    staff = tuple(staff)
    colleagues = {re.sub(r"[\s·.•・]+", "", _folded(p)) for p in staff}
    # A name read in the text that is a staff member's is found as the staff's (below); one
    # the ticket's texts give (联系人王芳) is the customer's there, whoever else bears it.
    read_here = (n for n in labelled_names([text]) if n not in colleagues)
    known = tuple(known)
    every = (*names, *names_called([norm], names), *names_called(known, names, own=True),
             *read_here, *labelled_names(known))  # fmt: skip
    for name in dict.fromkeys(every):
        for pattern, group, guessed in _name_patterns(name):
            add(pattern, "name", group, agreed(group) if guessed else _any)
    # The staff after the ticket's names (a customer who shares a staff member's name is the
    # customer there), before any other name: then the post, not "客户", is what to write.
    for person in dict.fromkeys(_folded(p) for p in staff):
        whole = re.sub(r"[\s·.•・]+", "", person)
        if len(whole) >= 2 and re.fullmatch(rf"{_HAN}+", whole):
            add(re.compile(_spaced(whole)), "staff")
    for person in dict.fromkeys(involved):
        surname = split_name(person)[0]
        if surname:
            s = _spaced(surname)
            add(re.compile(rf"{s}\s*(?:经理|主任|店长|主管|组长|师傅|老师|工)"), "staff")
            add(re.compile(rf"[老小]{s}(?={_PERSON_ACTS.pattern})"), "staff")
            add(re.compile(rf"[老小]{s}"), "staff", keep=agreed(0))
    for start, end in person_names(norm):
        if not _guessed_no_name(norm[start:end]):  # 高峰 (时段), 李子: the stop list
            spans.append((start, end, "name"))
    for match in _COMPOUND_NAMED.finditer(norm):
        start, end = match.span()
        if end - start == 4 and in_dictionary(norm[end - 1 : end + 1]):
            end -= 1  # 欧阳娜道歉: 道歉 is a word, 娜 the given name
        if not _guessed_no_name(norm[start:end]):
            spans.append((start, end, "name"))
    for match in _ANY_TITLED.finditer(norm):
        if titled := _titled_surname(norm, match):
            spans.append((*titled, "name"))
    for match in _SURNAME_ADDRESSED.finditer(norm):
        at = match.start(1)  # (时张阿姨, 中何师傅: jieba joins the surname to what is before)
        if starts_word(norm, at) or not (at and in_dictionary(norm[at - 1 : at + 1])):
            spans.append((at, match.end(), "name"))
    # (对方先生: 方 ends a word there, it is no surname; 王先生 as jieba reads it is a name.)
    add(_SURNAME_TITLED, "name", keep=lambda m: starts_word(norm, m.start())
        or names_agree(norm, m.start(), m.start() + 1))  # fmt: skip
    # Overlapping spans (an e-mail whose local part reads as an account too) are one finding,
    # of the kind found first.
    spans.sort(key=lambda s: (s[0], -s[1]))
    merged: list[list[int | str]] = []
    for start, end, kind in spans:
        if merged and start < int(merged[-1][1]):
            merged[-1][1] = max(int(merged[-1][1]), end)
        else:
            merged.append([start, end, kind])
    for span in merged:
        # 营业员刘洋, 王经理: a staff member's name, said so (write the post instead).
        if span[2] == "name" and (
            _POSTS.search(norm[max(0, int(span[0]) - 6) : int(span[0])])
            or _STAFF_TITLE.search(norm[int(span[0]) : int(span[1])])
        ):
            span[2] = "staff"  # fmt: skip
    return [page.finding(int(start), int(end), str(kind)) for start, end, kind in merged]
