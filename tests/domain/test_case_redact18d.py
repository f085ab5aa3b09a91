"""Issue 18, what the re-check of the morning meeting's page found (deskapp/domain/cases.py:
redact): a long run of digits took seconds (a pattern tried from every character of the run,
each try reading to its end)."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata

import pytest

from deskapp.domain.cases import redact

# Shapes of text on which a pattern tried from every character of a run reads to the run's end.
_SHAPES = ["1", "1-", "a1", "a.", "1 ", "_1", "一", "1号", "1 a "]


@pytest.mark.parametrize("unit", _SHAPES)
def test_a_text_of_twenty_thousand_characters_is_redacted_at_once(unit: str) -> None:
    """Not a timing: the limit (10 s, where the page takes milliseconds) is only passed by a
    pattern that is quadratic or worse (10,000 digits took 4.8 s, 20,000 about 20 s)."""
    script = (
        "from deskapp.domain.cases import redact\n"
        f"redact({unit!r} * (20000 // {len(unit)}), ('张伟',), ('13812345678', 'gzkd8812ab'))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=10)


NAME, PHONE, ACCOUNT = "张伟", "13812345678", "gzkd8812ab"


def _page(text: str) -> str:
    return redact(text, (NAME,), (PHONE, ACCOUNT))


@pytest.mark.parametrize(
    "plain",
    ["2026-11-15", "2026.11.15", "2026/11/15", "11-15 10:30来厅", "2026-11-15 10:30到11:45",
     "2026-11-01至2026-11-30账单", "10:30-11:45、14:00-15:30两次", "20:00-21:00 21:00-22:00",
     "扣了12,800.00元", "扣了 ¥12,800.00", "充值1280000元"],
)  # fmt: skip
def test_dates_times_spans_and_amounts_are_kept(plain: str) -> None:
    assert _page(plain) == plain


@pytest.mark.parametrize(
    "written",
    ["1 3-8 12:34 5678", "12-12-34-56-78", "139-8765-4321", "13:98:76:54:32:1",
     "139 8765 4321 2026-11-15", "2026-11-15 10:30 139 8765"],
)  # fmt: skip
def test_a_number_with_a_date_or_time_in_it_is_still_masked(written: str) -> None:
    """A date or a time inside a run is kept only when such pieces are all the run holds."""
    page = _page(f"电话{written}。")
    assert not re.search(r"[0-9]", page), page


@pytest.mark.parametrize(
    "written", ["10：30－11：45", "２０２６／１１／１５", "QQ号：12345678", "尾号是：5678"]
)
def test_the_page_keeps_the_texts_own_punctuation(written: str) -> None:
    """Full-width signs are read as ASCII to find things, never written so."""
    page = _page(f"客户说{written}。")
    assert all(ch in page for ch in "：－／" if ch in written), page
    assert ":" not in page and "-" not in page and "/" not in page, page


def test_the_tickets_own_number_with_a_long_run_of_signs_between_its_groups_is_masked() -> None:
    """Up to 8 signs for the ticket's own number (any run of 7+ digits allows 3)."""
    assert _page("电话138 ---- 1234 ---- 5678。") == "电话***********。"


@pytest.mark.parametrize(
    ("written", "kept"),
    [("后四码5678", "后四码"), ("末尾5678", "末尾"), ("最后4个数字5678", "最后4个数字"),
     ("后几位5678", "后几位"), ("号码最后是5678", "号码最后是")],
)  # fmt: skip
def test_the_tail_announced_in_other_words_is_masked(written: str, kept: str) -> None:
    assert _page(written) == kept + "****"


def test_last_once_is_no_tail() -> None:
    assert _page("最后一次来") == "最后一次来"


@pytest.mark.parametrize(
    ("ticket_name", "written"),
    [("张伟", "Zhāng Wěi来了"), ("张伟", "Zha\u0304ng We\u030ci来了"), ("张伟", "z h a n g w e i"),
     ("张伟", "张\u2061伟"), ("张伟", "张\u034f伟"), ("张伟", "张\u180e伟"), ("张伟", "张-伟说"),
     ("张伟", "张_伟"), ("李女士", "李红讲"), ("李女士", "李红打电话"), ("李女士", "李红来了"),
     ("李女士", "李红的手机"), ("李女士", "李红同志"), ("李女士", "她叫 李 红。")],
)  # fmt: skip
def test_the_name_in_other_disguises_is_masked(ticket_name: str, written: str) -> None:
    page = redact(written, (ticket_name,), (PHONE,))
    shown = unicodedata.normalize("NFKD", page).casefold()
    assert not re.search(r"张|李|伟|红|zhang|wei|z h a|\u2061|\u034f|\u180e", shown), page
    assert "客户" in page, page


@pytest.mark.parametrize(
    "written", ["zw88 at qq", "zw88 在 qq 点 com", "zw88 小老鼠 163.com", "zw88%163.com"]
)
def test_an_email_in_yet_another_disguise_is_masked(written: str) -> None:
    assert _page(f"邮箱{written}。") == "邮箱[邮箱]。"


@pytest.mark.parametrize(
    "plain",
    ["look at this", "我在qq上说", "走路10分钟", "说明情况", "这条路第一次修", "最后一次来"],
)
def test_words_like_those_are_kept(plain: str) -> None:
    assert _page(plain) == plain


@pytest.mark.parametrize(
    ("written", "kept"),
    [("企鹅号12345678", "企鹅号"), ("微信ID zw_abcdef", "微信ID "), ("微 信 zw_abcdef", "微 信 "),
     ("v x zw_abcdef", "v x "), ("抖音号dy_abcdef", "抖音号")],
)  # fmt: skip
def test_an_im_id_after_other_words_is_masked(written: str, kept: str) -> None:
    page = _page(written)
    assert page.startswith(kept) and set(page[len(kept) :]) == {"*"}, page


@pytest.mark.parametrize("written", ["住石牌村45-2", "住石牌村45之2", "住石牌村第45"])
def test_an_address_without_a_house_word_is_masked(written: str) -> None:
    assert _page(written) == "住[地址]"
