"""Issue 18, what an independent attacker still got past the morning meeting's page and the
case search (deskapp/domain/cases.py:redact): numbers with other separators or in formal
numerals, the tail of a number however announced, names by title, in traditional characters,
in pinyin, in Latin letters, with · or hidden characters; spaced accounts, QQ and WeChat ids;
addresses without a road word; e-mails in other disguises. The properties are in
test_case_redact18b.py. Also a service number typed with a stray sign (parse_service_number)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from deskapp.domain.cases import redact
from deskapp.domain.phone import parse_service_number

NAME, PHONE, ACCOUNT = "张伟", "13812345678", "gzkd8812ab"


def _page(text: str, name: str = NAME) -> str:
    return redact(text, (name,), (PHONE, ACCOUNT))


@pytest.mark.parametrize(
    "written",
    ["138~1234~5678", "138:1234:5678", "138*1234*5678", "138|1234|5678", "138+1234+5678",
     "138；1234；5678", "138_1234_5678", "138 ~ 1234 ~ 5678", "壹叁捌壹贰叁肆伍陆柒捌",
     "一三八一二三四五六七八", "139~8765~4321", "139|8765|4321", "壹叁柒贰贰贰贰叁叁叁叁",
     "6222~0210~0112~3456"],
)  # fmt: skip
def test_a_number_with_any_separator_or_in_formal_numerals_is_masked(written: str) -> None:
    page = _page(f"客户电话{written},请回电")
    assert page.startswith("客户电话*") and page.endswith(",请回电"), page
    assert not re.search(r"[0-9一二三四五六七八九壹贰叁肆伍陆柒捌玖]", page), page


@pytest.mark.parametrize("span", ["10:30-11:45", "9:05~12:00", "10:30 - 11:45", "8:00至17:30"])
def test_a_span_of_the_day_is_kept(span: str) -> None:
    """Any sign may be a gap, yet 10:30-11:45 is a time, not an 8-digit number."""
    assert _page(f"排队时间{span},等了75分钟") == f"排队时间{span},等了75分钟"
    assert "*" in _page("电话13:81:23:45:67:8"), "not a span: masked"


def test_four_signs_in_a_row_are_not_a_way_of_typing_a_number() -> None:
    """The gap is at most 3 signs: 2026 ---- 11 is two numbers, not a run of six digits."""
    assert _page("1234 ---- 567") == "1234 ---- 567"


@pytest.mark.parametrize(
    ("written", "kept"),
    [("后4位5678", "后4位"), ("尾号是：5678", "尾号是"), ("末四位5678", "末四位"),
     ("身份证后六位123456", "身份证后六位"), ("尾号 5678", "尾号")],
)  # fmt: skip
def test_the_tail_of_a_number_however_announced_is_masked(written: str, kept: str) -> None:
    page = _page(written)
    assert page.startswith(kept), page
    assert not re.search(r"5678|123456", page), page


@pytest.mark.parametrize(
    ("ticket_name", "written", "gone"),
    [("李女士", "客户李红反映,李红说", "红"), ("李女士", "客户李红反映,李红的号码", "红"),
     ("李女士", "用户李红梅表示不满", "红梅"),
     ("张伟", "老张说网速慢", "张"), ("张伟", "张总来电", "张"), ("张伟", "张经理", "张"),
     ("张伟", "张工说", "张"), ("张伟", "張偉來了", "偉"), ("張偉", "张伟来了", "伟"),
     ("王秀英", "王\u200b秀\u200b英来了", "秀"), ("王秀英", "秀\u00ad英说", "秀"),
     ("王秀英", "王\u2060秀英", "王"), ("张伟", "张\ufeff伟", "张"),
     ("张伟", "Zhang Wei来了", "Wei"), ("张伟", "ZHANGWEI", "ZHANG"),
     ("张伟", "id zhangwei", "zhang"), ("张伟", "Wei Zhang", "Zhang"), ("吕伟", "lv wei", "wei"),
     ("Lily Wang", "Lily Wang来电,lily说", "ily"), ("Lily Wang", "wang说", "wang"),
     ("买买提·艾力", "买买提说,艾力来了", "买买提"),
     ("买买提·艾力", "艾力来了", "艾力")],
)  # fmt: skip
def test_the_name_in_any_of_its_forms_is_masked(ticket_name: str, written: str, gone: str) -> None:
    page = _page(written, ticket_name)
    assert gone.casefold() not in page.casefold(), page
    assert "客户" in page or "某" in page, page


@pytest.mark.parametrize(
    "written",
    ["GZKD 9912 AB", "GZKD_9912_AB", "GZKD.9912.AB", "gz 123456", "zhangwei_1990", "wx_ab1234",
     "GZKD-9912-AB"],
)  # fmt: skip
def test_an_account_with_spaces_underscores_or_dots_is_masked(written: str) -> None:
    page = _page(f"账号{written}。")
    assert page == "账号[账号]。", page


@pytest.mark.parametrize(
    "written",
    ["QQ 12345678", "qq号:123456", "QQ号是 98765", "微信 1234567890", "微信号：lily_wang99",
     "微信zhangwei"],
)  # fmt: skip
def test_a_qq_number_or_wechat_id_is_masked(written: str) -> None:
    page = _page(f"加{written},谢谢")
    assert page.endswith("*,谢谢"), page
    assert not re.search(r"[0-9]{5}|wang|zhangwei", page), page


@pytest.mark.parametrize(
    ("written", "page"),
    [("住石牌村45号", "住[地址]"), ("大沙地东 123 号", "[地址]"),
     ("家在广州大道中一千二百号", "家在[地址]"), ("我家住在幸福路18号3栋", "我家住在[地址]")],
)  # fmt: skip
def test_an_address_is_masked_and_what_stands_before_it_kept(written: str, page: str) -> None:
    assert _page(written) == page


@pytest.mark.parametrize(
    "plain",
    ["11月15号来办理", "坐3号线过来", "iPhone 15 Pro 信号差", "5G 1000M 宽带", "排第12号",
     "8号窗口排队", "这位先生很着急", "高峰期说明情况"],
)  # fmt: skip
def test_a_date_a_line_or_a_product_is_kept(plain: str) -> None:
    assert _page(plain) == plain


@pytest.mark.parametrize(
    "written",
    ["zhangwei(a)qq.com", "zhangwei【at】qq【dot】com", "zhangwei 圈 qq 点 com", "zhangwei@qq",
     "zhangwei（at）qq（dot）com", "zhangwei＠qq"],
)  # fmt: skip
def test_an_email_in_another_disguise_is_masked(written: str) -> None:
    page = _page(f"邮箱{written}。")
    assert page == "邮箱[邮箱]。", page


@pytest.mark.parametrize(
    "typed",
    ["GZKD7777AB.", "GZKD7777AB_", "_GZKD7777AB", " gzkd7777ab。", "GZKD7777AB,", "(GZKD7777AB)"],
)
def test_a_service_number_with_a_stray_sign_is_the_same_customer(typed: str) -> None:
    assert parse_service_number(typed) == "gzkd7777ab"
    assert parse_service_number("gz_broadband.01") == "gz_broadband.01"  # signs inside stay


def test_nothing_shown_is_a_digit_in_disguise() -> None:
    """The whole page as NFKC: no 7 digits in a row survive any of the above."""
    text = "客户李红(138~1234~5678)反映: QQ 12345678, 住石牌村45号, 邮箱 zhangwei(a)qq.com"
    page = unicodedata.normalize("NFKC", _page(text, "李女士"))
    assert not re.search(r"[0-9]{4}", page), page
    assert "红" not in page, page
