"""The category cause tree: the shipped reference data, its validation, and the intake matcher."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import threading
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from deskapp.domain.categories import CausePath, CauseTree

REPO = Path(__file__).parents[2]
DATA = REPO / "data" / "categories.toml"
CODE_RE = re.compile(r"[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)*")


@cache
def real_tree() -> CauseTree:
    # Shared and pre-warmed so Hypothesis examples do not time the one-off pinyin import.
    with DATA.open("rb") as fh:
        tree = CauseTree.from_mapping(tomllib.load(fh))
    tree.warm()
    return tree


def node(code: str, name: str, *kids: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "name": name}
    if kids:
        out["cause"] = list(kids)
    return out


def small_tree_data() -> dict[str, Any]:
    # Level-3 names chosen so each ranking tier is hit by a known query.
    return {
        "category": [
            node(
                "X",
                "测试",
                node(
                    "X.A",
                    "无信号问题",
                    node("X.A.OTHER", "其他", node("X.A.OTHER.Z", "甲"), node("X.A.OTHER.Y", "乙")),
                    node("X.A.INDOOR", "室内无信号", node("X.A.INDOOR.Z", "甲")),
                ),
                node(
                    "X.B",
                    "杂项",
                    node("X.B.EXACT", "无信号", node("X.B.EXACT.Z", "甲")),
                    node("X.B.SIGNAL", "信号", node("X.B.SIGNAL.Z", "甲")),
                    node("X.B.TOMATO", "西红柿", node("X.B.TOMATO.Z", "甲")),
                ),
            ),
            node("Y", "其他类", node("Y.A", "杂项", node("Y.A.B", "信号弱"))),
        ]
    }


def small_tree() -> CauseTree:
    return CauseTree.from_mapping(small_tree_data())


def codes(paths: list[CausePath]) -> list[str]:
    return [p.code for p in paths]


def pinyin_of(name: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin

    def clean(parts: list[str]) -> str:
        return re.sub(r"[^a-z0-9]", "", "".join(parts).lower())

    return (
        clean(lazy_pinyin(name, style=Style.FIRST_LETTER)),
        clean(lazy_pinyin(name, style=Style.NORMAL)),
    )


# -- the shipped data --------------------------------------------------------------------------


def test_real_data_has_the_nine_service_process_categories_in_order() -> None:
    roots = real_tree().roots()
    assert [(p.code, p.name) for p in roots] == [
        ("NET", "网络质量"),
        ("NEWBIZ", "新业务"),
        ("TARIFF", "资费"),
        ("PROMO", "优惠促销"),
        ("PUBLICITY", "宣传"),
        ("BILLINFO", "话费信息"),
        ("PAYMENT", "缴费"),
        ("HANDLING", "投诉处理"),
        ("HALL", "营业厅服务"),
    ]
    assert all(p.level == 1 for p in roots)


def test_real_data_shape_per_level() -> None:
    tree = real_tree()
    for root in tree.roots():
        level2 = tree.children(root.code)
        assert 3 <= len(level2) <= 5, root.label
        for cause in level2:
            level3 = tree.children(cause.code)
            assert 2 <= len(level3) <= 4, cause.label
            for intake in level3:
                level4 = tree.children(intake.code)
                assert 2 <= len(level4) <= 4, intake.label
                for finding in level4:
                    assert finding.level == 4
                    assert tree.children(finding.code) == []


def test_real_data_intake_paths_are_level_3_with_findings() -> None:
    tree = real_tree()
    intake = tree.intake_paths()
    assert intake
    assert all(p.level == 3 for p in intake)
    assert all(len(tree.children(p.code)) >= 2 for p in intake)
    assert len({p.code for p in intake}) == len(intake)
    for p in intake:
        assert all(CODE_RE.fullmatch(c) for c in p.codes)
        assert p.root == p.codes[0]
        assert tree.path(p.code) == p


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("NET.COVER.INDOOR.BTS_FAULT", "网络质量 › 覆盖 › 室内无信号 › 基站故障"),
        ("NET.COVER.INDOOR.NEW_ESTATE", "网络质量 › 覆盖 › 室内无信号 › 新建小区未覆盖"),
        ("BILLINFO.ACCURACY.CALL_TIME", "话费信息 › 计费准确性 › 通话时长计费错误"),
        ("BILLINFO.ROAMING.BORDER", "话费信息 › 漫游 › 边界漫游误收费"),
        ("NEWBIZ.SUBSCRIBE.UNCONSENTED", "新业务 › 订购 › 未经同意开通业务"),
        ("PAYMENT.SUSPEND.NO_NOTICE", "缴费 › 停机 › 欠费停机未提前通知"),
        ("HALL.ATTITUDE", "营业厅服务 › 服务态度"),
        ("HALL.WAITING", "营业厅服务 › 等候时间"),
    ],
)
def test_real_data_contains_the_causes_named_in_the_domain(code: str, label: str) -> None:
    assert real_tree().path(code).label == label


# -- CausePath and lookups ---------------------------------------------------------------------


def test_cause_path_properties() -> None:
    p = CausePath(("NET", "NET.COVER", "NET.COVER.INDOOR"), ("网络质量", "覆盖", "室内无信号"))
    assert p.code == "NET.COVER.INDOOR"
    assert p.label == "网络质量 › 覆盖 › 室内无信号"
    assert p.root == "NET"
    assert p.level == 3
    with pytest.raises(ValueError):
        CausePath(("NET",), ())


def test_lookups() -> None:
    tree = small_tree()
    assert codes(tree.roots()) == ["X", "Y"]
    assert codes(tree.intake_paths()) == [
        "X.A.OTHER",
        "X.A.INDOOR",
        "X.B.EXACT",
        "X.B.SIGNAL",
        "X.B.TOMATO",
        "Y.A.B",
    ]
    assert codes(tree.children("X.A.OTHER")) == ["X.A.OTHER.Z", "X.A.OTHER.Y"]
    assert codes(tree.children("X")) == ["X.A", "X.B"]
    assert tree.children("Y.A.B") == []
    assert tree.path("X.A.OTHER.Y").names == ("测试", "无信号问题", "其他", "乙")
    assert "X.A" in tree
    assert "NOPE" not in tree
    with pytest.raises(KeyError):
        tree.path("NOPE")
    with pytest.raises(KeyError):
        tree.children("X.NOPE")


# -- validation --------------------------------------------------------------------------------


def _bad(mutate: str) -> dict[str, Any]:
    data = copy.deepcopy(small_tree_data())
    x = data["category"][0]
    x_a = x["cause"][0]
    x_a_other = x_a["cause"][0]
    leaf = x_a_other["cause"][0]
    match mutate:
        case "duplicate code":
            x_a["cause"].append(node("X.A.OTHER", "另一个"))
        case "duplicate root code":
            data["category"].append(node("X", "重复"))
        case "missing name":
            del x_a_other["name"]
        case "blank name":
            x_a["name"] = "  "
        case "missing code":
            del leaf["code"]
        case "not prefixed by parent":
            x_a["cause"].append(node("Y.A.NEW", "新的"))
        case "prefix without dot":
            x_a["cause"].append(node("X.AB", "新的"))
        case "two segments at once":
            x["cause"].append(node("X.C.D", "新的"))
        case "lowercase code":
            x["cause"].append(node("X.c", "新的"))
        case "root with dot":
            data["category"].append(node("Z.Z", "新的"))
        case "depth 5":
            leaf["cause"] = [node("X.A.OTHER.Z.DEEP", "太深")]
        case "unknown key":
            x_a["causes"] = []
        case "separator in name":
            x_a["name"] = "无信号›问题"
        case "duplicate sibling name":
            x["cause"].append(node("X.C", "杂项"))
        case "cause not a list":
            x_a["cause"] = {"code": "X.A.Q", "name": "单个"}
        case "no categories":
            data = {"category": []}
        case "no category key":
            data = {"categories": data["category"]}
        case _:
            raise AssertionError(mutate)
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        ("duplicate code", "duplicate code X.A.OTHER"),
        ("duplicate root code", "duplicate code X"),
        ("missing name", "missing `name`"),
        ("blank name", "missing `name`"),
        ("missing code", "missing `code`"),
        ("not prefixed by parent", "parent's code X.A."),
        ("prefix without dot", "parent's code X.A."),
        ("two segments at once", "one segment"),
        ("lowercase code", "one segment"),
        ("root with dot", "one segment"),
        ("depth 5", "too deep"),
        ("unknown key", "causes"),
        ("separator in name", "›"),
        ("duplicate sibling name", "duplicate name"),
        ("cause not a list", "must be a list"),
        ("no categories", "no [[category]]"),
        ("no category key", "no [[category]]"),
    ],
)
def test_from_mapping_rejects(mutate: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        CauseTree.from_mapping(_bad(mutate))


def test_error_names_the_offending_node() -> None:
    with pytest.raises(ValueError, match=r"under X\.A item 3 \(Y\.A\.NEW\)"):
        CauseTree.from_mapping(_bad("not prefixed by parent"))


def test_the_small_fixture_itself_is_valid() -> None:
    # Guards the validation tests above: each failure must come from its own mutation.
    assert small_tree().path("X.A.OTHER.Z").level == 4


# -- find --------------------------------------------------------------------------------------


def test_find_by_chinese_substring_of_any_level() -> None:
    tree = real_tree()
    assert codes(tree.find("室内")) == ["NET.COVER.INDOOR"]
    assert codes(tree.find("停机"))[:1] == ["PAYMENT.SUSPEND.NO_NOTICE"]
    by_root = tree.find("网络质量")
    assert by_root and all(p.root == "NET" for p in by_root)
    assert len(by_root) == len([p for p in tree.intake_paths() if p.root == "NET"])


def test_find_across_levels_ignores_separator_and_spaces() -> None:
    tree = real_tree()
    assert codes(tree.find("覆盖 › 室内")) == ["NET.COVER.INDOOR"]
    assert codes(tree.find("覆盖室内无信号")) == ["NET.COVER.INDOOR"]


@pytest.mark.parametrize(
    "query", ["snwxh", "SNWXH", "s n w x h", "ｓｎｗｘｈ", "wxh", "swxh", "snxh"]
)
def test_find_by_pinyin_initials(query: str) -> None:
    assert "NET.COVER.INDOOR" in codes(real_tree().find(query))


def test_find_by_initials_across_levels() -> None:
    # 覆盖 (fg) then 室内 (sn): initials of adjoining levels joined.
    assert codes(real_tree().find("fgsn")) == ["NET.COVER.INDOOR"]


@pytest.mark.parametrize("query", ["xinhao", "shinei", "WuXinHao", "wu'xin'hao"])
def test_find_by_full_pinyin(query: str) -> None:
    assert "NET.COVER.INDOOR" in codes(real_tree().find(query))


def test_find_no_match() -> None:
    assert real_tree().find("qqqqzzz") == []
    assert real_tree().find("不存在的原因") == []


@pytest.mark.parametrize("query", ["", "   ", " › "])
def test_empty_query_lists_intake_paths_in_file_order(query: str) -> None:
    tree = real_tree()
    assert tree.find(query, limit=1000) == tree.intake_paths()
    assert tree.find(query) == tree.intake_paths()[:50]
    assert tree.find(query, limit=3) == tree.intake_paths()[:3]
    assert tree.find(query, limit=0) == []


def test_rank_chinese_exact_then_contains_then_elsewhere() -> None:
    # 无信号 is the exact level-3 name; 室内无信号 contains it; 其他 only sits under 无信号问题.
    assert codes(small_tree().find("无信号")) == ["X.B.EXACT", "X.A.INDOOR", "X.A.OTHER"]


def test_rank_initials_prefix_before_other_pinyin_matches() -> None:
    # xh: 西红柿 (xhs) and 信号 (xh) start with it, 无信号 (wxh) / 室内无信号 / 信号弱 contain it,
    # 其他 matches only through its level-2 name 无信号问题 (wxhwt).
    assert codes(small_tree().find("xh")) == [
        "X.B.SIGNAL",
        "X.B.TOMATO",
        "Y.A.B",
        "X.A.INDOOR",
        "X.B.EXACT",
        "X.A.OTHER",
    ]


def test_rank_full_pinyin_prefix_before_pinyin_inside_the_name() -> None:
    assert codes(small_tree().find("xinhao")) == [
        "X.B.SIGNAL",  # full pinyin starts with it
        "Y.A.B",  # full pinyin starts with it (xinhaoruo)
        "X.A.INDOOR",  # inside the level-3 pinyin, file order
        "X.B.EXACT",
        "X.A.OTHER",  # only in the level-2 pinyin
    ]


def test_rank_exact_chinese_name_beats_everything() -> None:
    assert codes(small_tree().find("信号"))[:1] == ["X.B.SIGNAL"]


def test_chinese_queries_do_not_import_pypinyin_and_warm_does() -> None:
    script = """
import sys, tomllib
from deskapp.domain.categories import CauseTree
assert "pypinyin" not in sys.modules, "imported at module load"
with open("data/categories.toml", "rb") as fh:
    tree = CauseTree.from_mapping(tomllib.load(fh))
assert tree.find("室内") and tree.find("") and tree.find("5G信号")
assert "pypinyin" not in sys.modules, "imported for a Chinese query"
tree.warm()
assert "pypinyin" in sys.modules
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_warm_from_another_thread_while_finding() -> None:
    tree = small_tree()
    results: list[list[str]] = []

    def search() -> None:
        results.append(codes(tree.find("xinhao")))

    threads = [threading.Thread(target=tree.warm)] + [
        threading.Thread(target=search) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    assert all(r == results[0] for r in results)


# -- properties --------------------------------------------------------------------------------


@settings(deadline=None)
@given(st.sampled_from(real_tree().intake_paths()))
def test_every_intake_path_is_found_by_its_own_name(p: CausePath) -> None:
    tree = real_tree()
    assert p in tree.find(p.names[-1])
    initials, full = pinyin_of(p.names[-1])
    everything = len(tree.intake_paths())
    assert p in tree.find(initials, limit=everything)
    assert p in tree.find(full, limit=everything)


@settings(deadline=None)
@given(
    st.sampled_from(real_tree().intake_paths()),
    st.integers(min_value=0, max_value=12),
    st.integers(min_value=1, max_value=6),
)
def test_chinese_query_finds_exactly_the_paths_whose_names_contain_it(
    p: CausePath, start: int, length: int
) -> None:
    # Any slice of a real label (levels joined) is a realistic Chinese query.
    joined = "".join(p.names)
    query = joined[start : start + length]
    # Without a Chinese character the query is also read as pinyin (e.g. "G" from 5G).
    assume(re.search(r"[\u4e00-\u9fff]", query))
    tree = real_tree()
    found = tree.find(query, limit=10_000)
    # (and those with a level-4 finding holding it: 停电 in 基站停电, test_categories18i.py)
    expected = [
        q
        for q in tree.intake_paths()
        if query.lower() in "".join(q.names).lower()
        or any(query.lower() in c.name.lower() for c in tree.children(q.code))
    ]
    assert sorted(codes(found)) == sorted(codes(expected))
    assert p in found


@settings(deadline=None)
@given(st.text(max_size=8), st.integers(min_value=0, max_value=120))
def test_find_returns_distinct_intake_paths_within_limit(query: str, limit: int) -> None:
    tree = real_tree()
    found = tree.find(query, limit=limit)
    assert len(found) <= limit
    assert len(set(found)) == len(found)
    assert all(p.level == 3 for p in found)


_segment = st.from_regex(r"[A-Z][A-Z0-9_]{0,3}", fullmatch=True)
_name = st.text(alphabet="信号网络覆盖缴费停机宣传资费漫游", min_size=1, max_size=4)


@st.composite
def _trees(draw: st.DrawFn, level: int = 1, parent: str = "") -> list[dict[str, Any]]:
    segments = draw(st.lists(_segment, min_size=1, max_size=3, unique=True))
    names = draw(st.lists(_name, min_size=len(segments), max_size=len(segments), unique=True))
    nodes = []
    for segment, name in zip(segments, names, strict=True):
        code = f"{parent}.{segment}" if parent else segment
        item: dict[str, Any] = {"code": code, "name": name}
        if level < 4 and draw(st.booleans()):
            item["cause"] = draw(_trees(level + 1, code))
        nodes.append(item)
    return nodes


@settings(deadline=None)
@given(_trees())
def test_any_well_formed_tree_loads_and_round_trips(roots: list[dict[str, Any]]) -> None:
    tree = CauseTree.from_mapping({"category": roots})
    assert codes(tree.roots()) == [r["code"] for r in roots]

    def walk(nodes: list[dict[str, Any]]) -> None:
        for item in nodes:
            path = tree.path(item["code"])
            assert path.level == item["code"].count(".") + 1
            assert path.names[-1] == item["name"]
            assert codes(tree.children(item["code"])) == [c["code"] for c in item.get("cause", [])]
            walk(item.get("cause", []))

    walk(roots)
    intake = tree.intake_paths()
    assert all(p.level == 3 for p in intake)
    assert tree.find("", limit=10_000) == intake
