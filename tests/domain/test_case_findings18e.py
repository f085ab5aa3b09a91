"""Issue 18 (case18e): the case page's texts are checked, never rewritten
(deskapp/domain/cases.py:find_personal_data). What three attacks got past the old masking is
found here, each string; what the masking over-masked (马上 on a 马女士 ticket, 说明 for 张明,
装维老师) is no finding. The old redact tests' attack strings (18b, 18c, 18d) are kept as
examples and properties: the text with its findings cut out holds none of the personal data."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskapp.domain.cases import Finding, find_personal_data, split_name

NAME, PHONE, ACCOUNT = "张伟", "13812345678", "gzkd8812ab"


def _found(text: str, name: str = NAME, known: tuple[str, ...] = ()) -> list[Finding]:
    return find_personal_data(text, (name,), (PHONE, ACCOUNT), known)


def _left(text: str, name: str = NAME, numbers: tuple[str, ...] = (PHONE, ACCOUNT)) -> str:
    """The text with every finding cut out: what a page would hold if it printed the rest."""
    found = find_personal_data(text, (name,), numbers)
    for f in reversed(found):
        text = text[: f.start] + "|" + text[f.end :]
    return text


# ------------------------------------------------------- the new leaks (case18e's brief)


@pytest.mark.parametrize(
    ("ticket_name", "written", "name"),
    [("王女士", "联系人王芳", "王芳"), ("王女士", "姓名：王芳", "王芳"),
     ("王女士", "户主王芳", "王芳"),
     ("王女士", "客户王芳再次来电", "王芳"), ("王女士", "他老婆李梅也来了", "李梅"),
     ("王女士", "机主:王芳", "王芳"), ("", "其母亲张秀英陪同", "张秀英"),
     ("王女士", "邻居赵刚说", "赵刚")],
)  # fmt: skip
def test_a_name_after_a_label_or_a_relation_word_is_found(
    ticket_name: str, written: str, name: str
) -> None:
    found = find_personal_data(written, (ticket_name,) if ticket_name else ())
    assert [(f.kind, f.found) for f in found] == [("name", name)]
    assert written[found[0].start : found[0].end] == name


def test_a_name_the_ticket_gave_is_found_without_a_label() -> None:
    """联系人王芳 on the ticket: 王芳 in the manager's text is hers, however it stands."""
    found = find_personal_data("王芳后来很满意", ("王女士",), known=("联系人王芳,来电反映网速慢",))
    assert [(f.kind, f.found) for f in found] == [("name", "王芳")]


@pytest.mark.parametrize(
    ("written", "kind", "what"),
    [("出生于1985年3月2日", "birth", "1985年3月2日"), ("生日是3月2号", "birth", "3月2号"),
     ("出生日期:1985-03-02", "birth", "1985-03-02"), ("生于一九八五年", "birth", "一九八五年"),
     ("富力中心2301房", "room", "2301房"), ("1502号房", "room", "1502号房"),
     ("502户", "room", "502户"), ("王女士", "name", "王女士"), ("李先生来厅", "name", "李先生")],
)  # fmt: skip
def test_a_birth_date_a_room_number_and_a_surname_with_a_title_are_found(
    written: str, kind: str, what: str
) -> None:
    assert [(f.kind, f.found) for f in _found(written, "")] == [(kind, what)]


@pytest.mark.parametrize(
    ("ticket_name", "plain"),
    [("马女士", "马上处理,马上来"), ("马女士", "是马上。"), ("张明", "客户说明天再来,上次说明过"),
     ("", "装维老师上门两次"), ("", "客户高兴地离开"), ("", "用户方便时再来"), ("", "客户周末来厅"),
     ("黄女士", "客户黄金会员"), ("", "客户白天不在家"), ("", "江湖救急"),
     ("常先生", "客户常常来电"),
     ("金女士", "客户金额有疑问"), ("许先生", "客户许多次来电"), ("", "用户高速上没信号"),
     ("李女士", "客户带了李子"), ("", "影响约300户,共120户"), ("", "这位先生很着急"),
     ("", "客户于本月来厅"), ("张伟", "伟说网速慢")],
)  # fmt: skip
def test_ordinary_words_are_no_finding(ticket_name: str, plain: str) -> None:
    """Over-masking gone: a finding only refuses, so it must not be an ordinary word."""
    assert find_personal_data(plain, (ticket_name,) if ticket_name else ()) == []


def test_a_finding_is_placed_in_the_text_as_written() -> None:
    """Invisible characters and full-width signs are read, not counted out of place."""
    text = "客户说\u200b联系人：王芳"
    (found,) = find_personal_data(text)
    assert text[found.start : found.end] == "王芳"


# ------------------------------------------------- the old redact tests' attack strings (18b)


@pytest.mark.parametrize(
    "written",
    ["卡号6222 0210 0112 3456已冻结", "卡号6222-0210-0112-3456", "卡号6222—0210—0112—3456",
     "卡号６２２２　０２１０　０１１２　３４５６", "卡号 6222.0210.0112.3456",
     "身份证 4401 0619 9001 0112 34"],
)  # fmt: skip
def test_an_account_number_with_separators_is_found(written: str) -> None:
    assert not re.search(r"\d{4}", unicodedata.normalize("NFKC", _left(written)))


@pytest.mark.parametrize(
    "written",
    ["住三号楼二单元五〇一", "家在幸福路十八号", "幸福路十八号三栋二单元", "人民路一百二十三号",
     "朝阳小区十二栋", "中山大道西1号3栋2单元501室", "A座1201室", "五〇一室", "住石牌村45号",
     "大沙地东 123 号", "住石牌村45-2", "住石牌村45之2", "住石牌村第45"],
)  # fmt: skip
def test_an_address_is_found_whatever_its_numerals(written: str) -> None:
    assert {f.kind for f in _found(written)} <= {"address", "room"} and _found(written)
    assert not re.search(r"[0-9〇一二三五八十百]", _left(written)), _left(written)


@pytest.mark.parametrize(
    "written",
    ["伟先生很生气", "小伟说", "阿伟来了", "伟哥", "伟伟", "伟", "伟,你好", "张 伟", "张先生",
     "张生", "张伟女士", "老张说网速慢", "张总来电", "张经理", "张工说", "張偉來了",
     "Zhang Wei来了",
     "ZHANGWEI", "id zhangwei", "Wei Zhang", "张\u200b伟", "张\ufeff伟", "Zhāng Wěi来了",
     "z h a n g w e i", "张\u2061伟", "张-伟说", "张_伟"],
)  # fmt: skip
def test_the_customer_s_name_in_any_of_its_forms_is_found(written: str) -> None:
    left = unicodedata.normalize("NFKD", _left(written)).casefold()
    assert not re.search(r"张|伟|偉|張|zhang|wei|z h a", left), left


@pytest.mark.parametrize(
    ("ticket_name", "written", "gone"),
    [("李女士", "客户李红反映,李红说", "红"), ("李女士", "客户李红反映,李红的号码", "红"),
     ("李女士", "用户李红梅表示不满", "红梅"), ("王秀英", "王\u200b秀\u200b英来了", "秀"),
     ("王秀英", "秀\u00ad英说", "秀"), ("吕伟", "lv wei", "wei"),
     ("Lily Wang", "Lily Wang来电", "ily"),
     ("Lily Wang", "wang说", "wang"), ("买买提·艾力", "买买提说,艾力来了", "买买提"),
     ("李女士", "李红讲", "红"), ("李女士", "李红来了", "红"), ("李女士", "她叫 李 红。", "红"),
     ("李女士", "李红打电话", "红"), ("李女士", "李红的手机", "红"), ("李女士", "李红同志", "红")],
)  # fmt: skip
def test_a_name_the_text_gives_is_found(ticket_name: str, written: str, gone: str) -> None:
    assert gone.casefold() not in _left(written, ticket_name).casefold()


@pytest.mark.parametrize(
    "written",
    ["zhangwei at qq dot com", "zhangwei＠qq．com", "zhangwei#qq.com", "zhangwei(at)qq(dot)com",
     "zhangwei [at] qq [dot] com", "ZhangWei AT qq DOT com", "zhangwei艾特qq点com",
     "zhangwei@qq.com", "zhangwei(a)qq.com", "zhangwei【at】qq【dot】com", "zhangwei 圈 qq 点 com",
     "zhangwei@qq", "zw88 at qq", "zw88 在 qq 点 com", "zw88 小老鼠 163.com", "zw88%163.com"],
)  # fmt: skip
def test_an_obfuscated_email_is_found(written: str) -> None:
    assert [f.kind for f in _found(f"邮箱{written}。")] == ["email"]


@pytest.mark.parametrize(
    "written",
    ["138~1234~5678", "138:1234:5678", "138|1234|5678", "138；1234；5678", "138 ~ 1234 ~ 5678",
     "壹叁捌壹贰叁肆伍陆柒捌", "一三八一二三四五六七八", "139~8765~4321", "壹叁柒贰贰贰贰叁叁叁叁",
     "6222~0210~0112~3456", "1 3-8 12:34 5678", "139 8765 4321 2026-11-15",
     "138 ---- 1234 ---- 5678"],
)  # fmt: skip
def test_a_number_with_any_separator_or_in_formal_numerals_is_found(written: str) -> None:
    left = _left(f"客户电话{written},请回电")
    assert not re.search(r"[0-9一二三四五六七八九壹贰叁肆伍陆柒捌玖]", left), left


@pytest.mark.parametrize(
    "written",
    ["尾号5678", "后4位5678", "尾号是：5678", "末四位5678", "身份证后六位123456", "后四码5678",
     "末尾5678", "最后4个数字5678", "号码最后是5678"],
)  # fmt: skip
def test_the_tail_of_a_number_however_announced_is_found(written: str) -> None:
    assert [f.kind for f in _found(written)] == ["tail"]


@pytest.mark.parametrize(
    "written",
    ["宽带账号GZKD 9912 AB", "GZKD_9912_AB", "账号GZKD.9912.AB", "gz 123456", "zhangwei_1990",
     "账号:GZKD-9912-AB",
     "QQ 12345678", "qq号:123456", "微信号：lily_wang99", "企鹅号12345678", "微 信 zw_abcdef",
     "抖音号dy_abcdef"],
)  # fmt: skip
def test_an_account_or_an_im_id_is_found(written: str) -> None:
    assert {f.kind for f in _found(f"加{written},谢谢")} <= {"account", "im", "name"}
    assert not re.search(r"[0-9]{4}|wang|zw_|dy_", _left(f"加{written},谢谢"))


@pytest.mark.parametrize(
    "plain",
    ["高峰期提前增开窗口,先查通话详单", "5G套餐每月128元,iPhone 15 Pro 信号差", "十号那天来的",
     "1楼大厅排队40分钟", "11月15号来办理", "坐3号线过来", "5G 1000M 宽带", "排第12号",
     "8号窗口排队", "高峰期说明情况", "look at this", "我在qq上说", "走路10分钟", "这条路第一次修",
     "最后一次来", "2026-11-15 10:30到11:45", "2026-11-01至2026-11-30账单", "扣了12,800.00元",
     "扣了 ¥12,800.00", "10:30-11:45、14:00-15:30两次", "排队时间8:00至17:30", "9876 ---- 543"],
)  # fmt: skip
def test_a_text_without_personal_data_has_no_finding(plain: str) -> None:
    assert _found(plain) == []


@pytest.mark.parametrize(
    ("name", "parts"),
    [("张伟", ("张", "伟")), ("欧阳娜娜", ("欧阳", "娜娜")), ("李女士", ("李", "")),
     ("王 秀英", ("王", "秀英")), ("匿名", ("", "")), ("Zhang Wei", ("", ""))],
)  # fmt: skip
def test_the_name_on_the_ticket_is_read_as_surname_and_given_name(
    name: str, parts: tuple[str, str]
) -> None:
    assert split_name(name) == parts


# ------------------------------------------------------------------------- properties

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧玉"
_AROUND = st.text(
    alphabet=st.sampled_from(list("客户反映网速慢请尽快处理已解释,。:;!?、 \n") + list("0123")),
    max_size=30,
)
_WORDS = st.text(alphabet=st.sampled_from(list("客户反映网速慢请尽快处理,。 ")), max_size=20)
_SEPARATORS = st.sampled_from(["", " ", "-", "—", "　", ".", "－", " - ", "~", ":", "*", "|",
                               "+", "；", "_", "/", "#", " ~ ", "=>"])  # fmt: skip
_NUMERALS = {"ascii": "0123456789", "chinese": "〇一二三四五六七八九",
             "formal": "零壹贰叁肆伍陆柒捌玖"}  # fmt: skip
_AS_DIGITS = str.maketrans("〇一二三四五六七八九零壹贰叁肆伍陆柒捌玖", "01234567890123456789")


def _wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def _written_number(draw: st.DrawFn, digits: str, numerals: bool = False) -> str:
    if numerals:
        style = _NUMERALS[draw(st.sampled_from(sorted(_NUMERALS)))]
        digits = digits.translate(str.maketrans("0123456789", style))
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    sep = draw(_SEPARATORS)
    parts = [digits[i:j] for i, j in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    written = sep.join(parts)
    return _wide(written) if draw(st.booleans()) else written


def _bare(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_AS_DIGITS)
    return re.sub(r"[^\w|]|_", "", text).lower()


@given(
    phone=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    before=_AROUND,
    after=_AROUND,
    data=st.data(),
)
def test_the_ticket_s_phone_however_written_is_found(
    phone: str, before: str, after: str, data: st.DataObject
) -> None:
    written = data.draw(_written_number(phone, numerals=True))
    left = _bare(_left(before + written + after, NAME, (phone, ACCOUNT)))
    assert phone[-7:] not in left and phone not in left


@given(
    account=st.from_regex(r"[a-z]{2,4}[0-9]{4,8}[a-z]{0,2}", fullmatch=True),
    upper=st.booleans(),
    before=_AROUND,
    after=_AROUND,
    data=st.data(),
)
def test_the_ticket_s_account_however_written_is_found(
    account: str, upper: bool, before: str, after: str, data: st.DataObject
) -> None:
    written = data.draw(_written_number(account.upper() if upper else account))
    assert account not in _bare(_left(before + written + after, NAME, (PHONE, account)))


@given(
    digits=st.from_regex(r"[1-9][0-9]{6,18}", fullmatch=True),
    before=_AROUND,
    after=_AROUND,
    data=st.data(),
)
def test_any_run_of_seven_digits_however_separated_is_found(
    digits: str, before: str, after: str, data: st.DataObject
) -> None:
    written = data.draw(_written_number(digits, numerals=True))
    assert not re.search(r"[0-9]{7}", _bare(_left(before + written + after)))


@given(
    surname=st.sampled_from([*_SURNAMES, "欧阳", "司马"]),
    given_name=st.text(alphabet=st.sampled_from(list(_GIVEN)), min_size=1, max_size=2),
    form=st.sampled_from(["{n}", "{s}{g}", "{s} {g}", "小{g}", "阿{g}", "{g}先生", "{g}女士",
                          "{s}先生", "{s}女士", "{s}小姐", "{g}哥", "{s}生", "{g}{g}", "老{s}说",
                          "{s}总", "{s}经理", "{s}工", "{s}\u200b{g}", "{s}\u00ad{g}",
                          "\ufeff{n}", "{s}\u2060{g}"]),
    before=_AROUND,
    after=_AROUND,
)  # fmt: skip
def test_the_customer_s_name_however_called_is_found(
    surname: str, given_name: str, form: str, before: str, after: str
) -> None:
    """(The given name alone inside other words is no finding: 说明 for 张明. 老张 is found
    before what a person does, 老张说, or where jieba reads a name: case18f.)"""
    name = surname + given_name
    called = form.format(n=name, s=surname, g=given_name)
    left = re.sub(r"[\s\u200b\u00ad\u2060\ufeff]", "", _left(before + called + after, name))
    assert name not in left
    assert not re.search(f"{re.escape(surname)}(?:先生|女士|小姐|生|总|经理|工)|老{surname}", left)


@given(
    local=st.from_regex(r"[a-z][a-z0-9]{3,10}", fullmatch=True),
    domain=st.sampled_from(["qq", "163", "126", "gmail", "sina", "example"]),
    at=st.sampled_from(["@", "＠", " at ", " AT ", "(at)", "[at]", "#", "艾特", " @ ", "(a)",
                        "【at】", "（at）", " 圈 ", "圈"]),
    dot=st.sampled_from([".", "．", " dot ", "(dot)", "[dot]", "点", " . ", "【dot】", " 点 "]),
    before=_AROUND,
    after=_AROUND,
)  # fmt: skip
def test_an_email_however_disguised_is_found(
    local: str, domain: str, at: str, dot: str, before: str, after: str
) -> None:
    assert local not in _left(f"{before} {local}{at}{domain}{dot}com {after}").lower()


@given(
    surname=st.sampled_from(list(_SURNAMES)),
    given_name=st.text(alphabet=st.sampled_from(list(_GIVEN)), min_size=1, max_size=2),
    label=st.sampled_from(
        ["联系人", "姓名:", "姓名：", "户主", "机主 ", "他老婆", "其母亲", "邻居"]
    ),
    before=_WORDS,
    after=st.sampled_from(["", "。", "再次来电", "说", ",很着急"]),
)  # fmt: skip
def test_any_common_name_after_a_label_is_found(
    surname: str, given_name: str, label: str, before: str, after: str
) -> None:
    """Whoever the ticket names: a label says a name follows."""
    name = surname + given_name
    found = find_personal_data(f"{before}{label}{name}{after}")
    assert any(f.kind == "name" and f.found.startswith(name[:2]) for f in found), found


# ------------------------------------------------------ linear in the length of the text

_SHAPES = ["1", "1-", "a1", "a.", "1 ", "_1", "一", "1号", "1 a ", "联系人王", "王女士"]


@pytest.mark.parametrize("unit", _SHAPES)
def test_a_text_of_forty_thousand_characters_is_checked_at_once(unit: str) -> None:
    """Not a timing: the limit (60 s, where the check takes milliseconds and the process's
    start with the word segmenter a few seconds even on a loaded machine) is only passed by a
    pattern that is quadratic or worse (10,000 digits took 4.8 s, 20,000 about 20 s: 40,000
    would take about 80). At 20,000 characters and 10 s the start alone passed it under load."""
    script = (
        "from deskapp.domain.cases import find_personal_data\n"
        f"find_personal_data({unit!r} * (40000 // {len(unit)}), ('张伟',),"
        " ('13812345678', 'gzkd8812ab'))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


# ---------------------------------------- case18f: what the attack on case18e got past it
# Each (ticket's customer name, text): a finding on a ticket of that customer (phone
# 13812345678, service number gzkd8812ab). jieba's person names (deskapp/domain/person_names.py)
# find the names no list holds; the ticket's own data is found in any form.
_LEAKS_18F = {
    # 1. a full name with a title
    "full_name_titled": [("王女士", "陈建国先生已陪同来厅"), ("王女士", "王芳女士来厅"),
                         ("王女士", "李红小姐来厅"), ("王女士", "刘德华先生")],
    # 2. surnames outside the ~150 list
    "rare_surname": [("王女士", t) for t in (
        "冼女士", "麦先生", "邝小姐", "岑先生", "区女士", "闵先生", "洪女士", "车先生", "上官女士",
        "联系人：诸葛亮", "家属上官婉儿陪同", "联系人闵慧")],
    # 3. the customer's name in other forms
    "customer_forms": [("褚女士", "当天褚秀英在窗口等了很久"), *[("张伟", t) for t in (
        "张科长", "张处长", "张教授", "张董", "张同学", "张护士", "张老伯", "张婆婆", "张老爷子",
        "张 先 生", "张*伟", "ZHANG先生", "Mr Zhang", "Wei来厅")],
        ("买买提·艾力", "Maimaiti来厅")],
    # 4. relatives, agents and labels
    "relatives": [("王女士", f"客户的{r}李秀兰陪同来厅") for r in (
        "老伴", "媳妇", "儿媳", "女婿", "孙子", "岳父", "公公", "婆婆", "舅舅", "保姆", "房东",
        "租客", "代理人", "监护人")]
        + [("王女士", f"{label}李秀兰") for label in (
            "委托人：", "户名", "开户人", "持卡人", "实名登记人", "收件人")],
    # 5. parts of the ticket's phone
    "phone_parts": [("王女士", t) for t in (
        "号码以5678结尾", "138****5678", "号码5678的客户", "后面是5678", "中间四位1234",
        "138开头5678结尾")],
    # 6. births, rooms, certificates
    "birth_room": [("王女士", t) for t in (
        "1975年3月2日出生", "1990年1月1日生", "90年1月1日出生", "出生年份是1950年",
        "住在富力中心2301", "富力中心2301的租户", "住在1-2-301", "军官证号码：南字第765432号")],
}  # fmt: skip
_EXPECTED_PART = {"陈建国先生已陪同来厅": "陈建国", "王芳女士来厅": "王芳", "李红小姐来厅": "李红",
                  "当天褚秀英在窗口等了很久": "褚秀英", "138****5678": "5678",
                  "住在富力中心2301": "2301", "军官证号码：南字第765432号": "765432"}  # fmt: skip


@pytest.mark.parametrize(
    ("ticket_name", "written"), [pair for pairs in _LEAKS_18F.values() for pair in pairs]
)
def test_what_the_attack_on_case18e_got_past_is_found(ticket_name: str, written: str) -> None:
    found = _found(written, ticket_name)
    assert found, written
    if part := _EXPECTED_PART.get(written):
        assert any(part in f.found for f in found), found


# 7. staff names: the hall's staff by full name, the involved staff by surname and title, a
# name after a post; each said to be a staff member's (the message suggests the post).
@pytest.mark.parametrize(
    ("written", "staff", "involved", "found"),
    [("营业员刘洋态度生硬", ("刘洋", "张敏"), ("刘洋",), "刘洋"),
     ("刘洋态度生硬", ("刘洋",), (), "刘洋"),
     ("当时是刘经理接待", ("刘洋",), ("刘洋",), "刘经理"),
     ("营业员小王当场道歉", (), (), "小王"), ("王经理当场核实", (), (), "王经理"),
     ("营业员刘洋态度生硬", (), (), "刘洋")],
)  # fmt: skip
def test_a_staff_member_s_name_is_found_as_one(
    written: str, staff: tuple[str, ...], involved: tuple[str, ...], found: str
) -> None:
    findings = find_personal_data(written, ("赵女士",), ("13812345678",), (), staff, involved)
    assert [(f.kind, f.found) for f in findings] == [("staff", found)]


# 8. ordinary text, on a ticket whose customer's surname is in it, is no finding.
_PLAIN_18F = [("王女士", t) for t in (
    "光猫型号HG8145V5", "手机是Mate60", "路由器WR842N", "换了AX3000", "用的iPhone15Pro",
    "OPPO Reno11信号差", "2号楼营业厅", "小区5栋信号差", "客户王卡套餐到期", "高峰时段来厅",
    # the attack on case18g: 4 of its 120 ordinary sentences
    "升级投诉的风险在于客户扬言要向工信部申诉", "金卡客户享有优先办理的服务",
    "番禺营业厅的排队时间明显比越秀营业厅长", "林和西营业厅的叫号机周一上午坏了",
)] + [("于女士", "速率小于10M"), ("区女士", "小区信号差"), ("时先生", "等了两个小时"),
      ("时先生", "等候时间的长短"), ("时先生", "高峰时段来厅"), ("年先生", "老年客户多"),
      ("米女士", "用的小米手机"), ("解先生", "营业员解释说"), ("解先生", "解释的口径"),
      ("连女士", "连续来电三次"), ("信先生", "信号弱的地方"), ("费先生", "不收小费"),
      ("王女士", "当场查清原因并逐项说明"), ("王女士", "华为路由器与光猫不兼容"),
      ("王女士", "荣耀手机收不到验证码"), ("王女士", "张贴的宣传单与实际资费不符")]  # fmt: skip


@pytest.mark.parametrize(("ticket_name", "plain"), _PLAIN_18F)
def test_ordinary_text_the_attack_saw_refused_is_no_finding(ticket_name: str, plain: str) -> None:
    assert _found(plain, ticket_name) == []


def test_a_name_jieba_reads_in_the_ticket_s_texts_is_found_in_any_form() -> None:
    """A follow-up's note gave 李秀兰: her given name alone is hers on the page too."""
    known = ("回访时客户的老伴李秀兰接的电话",)
    assert [f.found for f in find_personal_data("秀兰后来满意了", ("王女士",), (), known)] == [
        "秀兰"
    ]
    assert find_personal_data("后来满意了", ("王女士",), (), known) == []


# ---------------------------------------- false refusals found by case18g's re-check (issue 18)

_STAFF = ("陈明", "张敏", "王建")


@pytest.mark.parametrize(
    "plain",
    ["一位年长的女士来厅", "带孩子的女士来办理", "一位外地女士来问", "年轻女士说套餐贵",
     "这位老先生来厅", "一位老太太来厅", "该女士表示满意", "其先生也来了", "对方先生说不清楚",
     "客户先生说不清楚", "戴眼镜的先生来了"],
)  # fmt: skip
def test_a_word_before_a_title_is_no_surname(plain: str) -> None:
    """Only a surname (any of the 百家姓 and the south's: 区, 车, 冼) starting a word, or a
    name jieba reads, counts before 先生/女士 (was: any character)."""
    assert _found(plain) == []


@pytest.mark.parametrize("written", ["区先生来厅", "冼女士来厅", "车女士来厅", "方女士来厅",
                                     "欧阳女士来厅", "麦先生说", "该王女士来了"])  # fmt: skip
def test_a_surname_before_a_title_is_still_found(written: str) -> None:
    assert [f.kind for f in _found(written)] == ["name"]


@pytest.mark.parametrize(
    "plain",
    ["营业员陈述了当时的情况", "值班经理陈述经过", "营业员陈列的样机", "营业员陈旧的说法",
     "营业员张口就说不行"],
)  # fmt: skip
def test_a_word_after_a_post_starting_with_a_staff_surname_is_no_finding(plain: str) -> None:
    assert find_personal_data(plain, (NAME,), (PHONE,), (), _STAFF, _STAFF) == []


@pytest.mark.parametrize(
    "plain",
    ["家住白云区,信号差", "越秀区的客户都反映", "去白云山方向的路上", "龙洞营业厅排队",
     "京溪营业厅排队", "查话费要排队", "排队太久了", "陈述经过"],
)  # fmt: skip
def test_places_and_words_jieba_tags_as_names_are_no_finding(plain: str) -> None:
    assert _found(plain) == []


def test_the_ticket_s_own_text_teaches_a_name_jieba_splits_but_not_a_word() -> None:
    """客户何浩然来电 on a 何女士 ticket: jieba reads 何 and 浩然, yet in the ticket's own text the
    customer's surname and what follows it before 来电 is her name; 何时 is a word there."""
    known = ("客户何浩然来电反映宽带网速很慢", "何时来电都没人接")
    found = find_personal_data("后来何浩然对处理结果表示满意", ("何女士",), known=known)
    assert [f.found for f in found] == ["何浩然"]
    assert find_personal_data("客户问何时能恢复", ("何女士",), known=known) == []
    # A compound surname after a label, and on the ticket alone (上官女士).
    assert find_personal_data("当天东方梓涵在窗口等了两个小时", known=("联系人东方梓涵",))
    assert find_personal_data("上官洋第二次来厅", ("上官女士",), known=("客户上官洋来电",))


_NO_TITLE_18G = [
    "值班经理当场向欧阳娜道歉",
    "上官洋第二次来厅",
    "公孙德华认为资费没讲清楚",
    "当天郭欣怡在窗口等了两个小时",
    "蒋建国反映宽带经常断线",
]


@pytest.mark.parametrize("text", _NO_TITLE_18G)
def test_a_name_of_the_attack_on_case18g_with_no_title_is_found(text: str) -> None:
    """A compound surname and what follows it (no word: 东方, 西门 are left out), and a surname
    jieba reads alone before a given name it tags as a word (郭 + 欣怡, 蒋 + 建国)."""
    found = find_personal_data(text)
    assert [f.kind for f in found] == ["name"], found


@pytest.mark.parametrize(
    "text",
    ["装维人员上门时张阿姨不在家", "这次投诉中何师傅要求退还多扣的话费", "罗大爷反映宽带经常断线",
     "当天徐大姐在窗口等了两个小时", "后来陈经理对处理结果表示满意", "我们给孙主任回访了两次"],
)  # fmt: skip
def test_a_surname_called_by_a_title_other_than_mr_or_ms_is_found_with_nothing_known(
    text: str,
) -> None:
    """The attack on case18g: 20 common surnames got through before 经理 (9 of 20), 阿姨 (8),
    师傅 (6), nothing of the ticket known (bench/case_check_rates.py measures them now)."""
    assert find_personal_data(text), text


@pytest.mark.parametrize(
    "text",
    ["向经理反映后当场处理", "对大爷解释了计费规则", "值班经理当场道歉", "出租车师傅送来了手机",
     "保洁阿姨发现了遗落的钱包", "客户经理上门解释", "装维师傅两小时内到场", "班主任打电话来",
     "邻居大爷陪同前来", "这位大姐情绪激动", "店老板投诉网速慢", "请经理过来一下",
     "于是经理决定退费", "同时师傅检查了线路", "当时经理不在场", "后来阿姨表示满意"],
)  # fmt: skip
def test_a_post_or_a_word_before_a_title_is_no_name(text: str) -> None:
    assert not find_personal_data(text), text
