"""Issue 18 (the attack on words18): the cause picker found nothing for 停电 although 基站停电 is
a level-4 finding of 网络质量 › 网络故障 › 区域性通信中断, nor for its full pinyin (tingdian).
A substring of any level's name finds the level-3 path it is under, in Chinese, full pinyin
and initials, after every match of the path itself."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from deskapp.domain.categories import CauseTree

DATA = Path(__file__).resolve().parents[2] / "data" / "categories.toml"


@pytest.fixture(scope="module")
def tree() -> CauseTree:
    with DATA.open("rb") as fh:
        return CauseTree.from_mapping(tomllib.load(fh))


@pytest.mark.parametrize(
    "query", ["停电", "基站停电", "tingdian", "jizhantingdian", "jztd", "挖断光缆"]
)
def test_a_level_4_finding_s_name_finds_the_path_it_is_under(tree: CauseTree, query: str) -> None:
    assert "NET.OUTAGE.AREA" in [p.code for p in tree.find(query)]


def test_a_finding_s_match_comes_after_the_path_s_own(tree: CauseTree) -> None:
    found = [p.code for p in tree.find("中断")]
    assert found[0] == "NET.OUTAGE.AREA"  # 区域性通信中断 itself
    assert tree.find("室内")[0].code == "NET.COVER.INDOOR"


def test_no_match_crosses_two_findings(tree: CauseTree) -> None:
    # 基站停电 then 施工挖断光缆: 电施 is in neither, nor anywhere else in the tree.
    assert tree.find("电施") == []
