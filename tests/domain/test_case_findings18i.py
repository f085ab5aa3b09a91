"""Issue 18 (the attack on words18): the case page's check let a vehicle plate, the customer's
home estate, a MAC address and a five-digit QQ number through. Each is found now, and the
ordinary words beside them (小区停电, 住院, 家里宽带, 2号楼, 车库没信号) are still no finding."""

from __future__ import annotations

import pytest

from deskapp.domain.cases import find_personal_data


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [("城西光缆被挖断,客户车牌粤A12345的车也进不了小区", "plate", "粤A12345"),
     ("车牌京A·12345的客户", "plate", "京A·12345"), ("客户开的是沪B 5X7Y8", "plate", "沪B 5X7Y8"),
     ("新能源车粤B-D12345停在门口", "plate", "粤B-D12345"),
     ("客户的 MAC 地址 AA:BB:CC:DD:EE:FF", "mac", "AA:BB:CC:DD:EE:FF"),
     ("光猫MAC为aa-bb-cc-dd-ee-0f", "mac", "aa-bb-cc-dd-ee-0f"),
     ("客户QQ号五位数:12345", "im", "12345"), ("微信是 一二三四五六", "im", "一二三四五六"),
     ("客户住幸福里小区", "address", "幸福里小区"),
     ("客户家在天河区幸福里小区", "address", "天河区幸福里小区"),
     ("客户住在幸福里,宽带经常断", "address", "幸福里"),
     ("家住白云区景泰街", "address", "白云区景泰街")],
)  # fmt: skip
def test_a_plate_a_mac_a_qq_number_and_a_home_place_are_found(
    text: str, kind: str, found: str
) -> None:
    assert [(f.kind, f.found) for f in find_personal_data(text)] == [(kind, found)]


def test_the_attack_s_sentence_is_refused_for_the_plate_and_the_estate() -> None:
    text = "城西光缆被挖断,客户车牌粤A12345的车也进不了小区,客户住幸福里小区"
    found = [(f.kind, f.found) for f in find_personal_data(text)]
    assert found == [("plate", "粤A12345"), ("address", "幸福里小区")]


@pytest.mark.parametrize(
    "plain",
    ["小区停电", "客户住院了三天", "家里宽带断了", "2号楼营业厅", "车库没信号", "地下车库没有信号",
     "住宅小区停电", "小区住户反映", "每个人都要记住，客户找到谁，谁就负责到底", "住在这里的客户",
     "客户住在同一个小区", "家在农村", "家住附近", "住得很远", "家住白云区,信号差",
     "微信支付12800元", "客户加了QQ群", "新款5G手机", "粤A1234", "MAC地址已核对", "住在楼上"],
)  # fmt: skip
def test_ordinary_words_beside_them_are_no_finding(plain: str) -> None:
    assert find_personal_data(plain) == []


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [("客户住址:幸福里小区,反映基站停电后信号差", "address", "幸福里小区"),
     ("地址是幸福里小区", "address", "幸福里小区"), ("家庭住址幸福里", "address", "幸福里"),
     ("住的是幸福里小区", "address", "幸福里小区"),
     ("客户家就在幸福里小区", "address", "幸福里小区"),
     ("家位于幸福里小区", "address", "幸福里小区"),
     ("客户的家是幸福里小区", "address", "幸福里小区"),
     ("mac:AABBCCDDEEFF", "mac", "AABBCCDDEEFF"), ("车牌粤 A 1 2 3 4 5", "plate", "粤 A 1 2 3 4 5"),
     ("扣扣12345", "im", "12345")],
)  # fmt: skip
def test_what_the_recheck_of_18i_got_past_is_found(text: str, kind: str, found: str) -> None:
    """An address's label (住址, 地址), 家就在/家位于/家是, a MAC written together after its
    label, a plate spaced letter by letter, QQ said aloud (扣扣)."""
    assert [(f.kind, f.found) for f in find_personal_data(text)] == [(kind, found)]


@pytest.mark.parametrize(
    "plain", ["营业厅地址在天河路", "地址填写错误导致未送达", "住址变更后未同步", "家是温暖的港湾"]
)
def test_an_address_s_label_with_no_home_after_it_is_no_finding(plain: str) -> None:
    assert find_personal_data(plain) == []
