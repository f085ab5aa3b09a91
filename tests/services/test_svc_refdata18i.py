"""Issue 18 (the attack on words18): a mistake in the cause tree, data/categories.toml, was said
in the domain's English (`missing code`, `unknown key(s) bogus; only code, name and cause
are allowed`, `code must start with its parent's code NET.OUTAGE.`), and a number written for
a code was said to be missing. Each is said in the catalogue's words now, naming the place in
the tree and the key; and the file named is the one read, in the data directory given
(`--data-dir`), not `data/…`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from deskapp.incidents import describe
from deskapp.refdata import RefData, ReferenceDataError, default_data_dir

SHIPPED = default_data_dir()
ENGLISH = re.compile(
    r"missing|unknown key|must|item \d|under [A-Z]|[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}"
)
AREA = '    code = "NET.OUTAGE.AREA"\n    name = "区域性通信中断"\n'

CASES = [
    # (what is written instead of NET.OUTAGE.AREA's code and name, the words said)
    ('    code = 5\n    name = "区域性通信中断"\n', ["NET.OUTAGE 下第 1 个原因", "code 应为文字"]),
    ('    code = "NET.OUTAGE.AREA"\n    name = ""\n',
     ["NET.OUTAGE 下第 1 个原因(NET.OUTAGE.AREA)", "name 不能为空"]),
    ('    code = "NET.OUTAGE.AREA"\n', ["NET.OUTAGE 下第 1 个原因(NET.OUTAGE.AREA)", "缺少 name"]),
    (AREA + '    bogus = 1\n',
     ["NET.OUTAGE 下第 1 个原因(NET.OUTAGE.AREA)", "有不认识的键 bogus",
      "只能写 code、name 和 cause"]),
    ('    code = "NET.OUTAGEX.AREA"\n    name = "区域性通信中断"\n',
     ["NET.OUTAGE 下第 1 个原因(NET.OUTAGEX.AREA)", "code 应以上级的代码 NET.OUTAGE. 开头"]),
    ('    code = "NET.OUTAGE.area"\n    name = "区域性通信中断"\n',
     ["code 应为 NET.OUTAGE. 加一段大写英文字母"]),
    ('    code = "NET.OUTAGE.AREA"\n    name = "区域›通信中断"\n', ["name 不能含有 “›”"]),
    ('    code = "NET.OUTAGE.AREA"\n    name = 3\n', ["(NET.OUTAGE.AREA) name 应为文字"]),
]  # fmt: skip


def _written(tmp_path: Path, instead: str) -> Path:
    data = tmp_path / "elsewhere"
    shutil.copytree(SHIPPED, data)
    text = (data / "categories.toml").read_text(encoding="utf-8")
    assert AREA in text
    (data / "categories.toml").write_text(text.replace(AREA, instead, 1), encoding="utf-8")
    return data


@pytest.mark.parametrize(("instead", "words"), CASES)
def test_a_mistake_in_the_cause_tree_is_said_in_the_catalogue_s_words(
    tmp_path: Path, instead: str, words: list[str]
) -> None:
    data = _written(tmp_path, instead)
    with pytest.raises(ReferenceDataError) as raised:
        RefData(data).check()
    message = describe(raised.value).message
    assert not ENGLISH.search(message), message
    for said in words:
        assert said in message, message


def test_a_root_s_mistake_names_the_category_entry(tmp_path: Path) -> None:
    data = tmp_path / "elsewhere"
    shutil.copytree(SHIPPED, data)
    text = (data / "categories.toml").read_text(encoding="utf-8")
    (data / "categories.toml").write_text(text.replace('code = "NET"', 'code = "net"', 1))
    with pytest.raises(ReferenceDataError) as raised:
        RefData(data).check()
    message = describe(raised.value).message
    assert "第 1 条 [[category]](net) code 应为一段大写英文字母" in message, message


def test_the_file_named_is_the_one_read_in_the_data_directory_given(tmp_path: Path) -> None:
    data = _written(tmp_path, '    code = 5\n    name = "区域性通信中断"\n')
    with pytest.raises(ReferenceDataError) as raised:
        RefData(data).check()
    assert str(data / "categories.toml") in describe(raised.value).message
    scripts = tmp_path / "other"
    shutil.copytree(SHIPPED, scripts)
    (scripts / "scripts.toml").write_text('[[script]]\ncause = "NO.SUCH"\ntext = "好"\n')
    with pytest.raises(ReferenceDataError) as raised:
        RefData(scripts).check()
    message = describe(raised.value).message
    assert str(scripts / "scripts.toml") in message and "data/scripts.toml" not in message


def test_every_tree_key_has_its_words_in_every_language() -> None:
    from deskapp.i18n import LANGUAGES, catalogue

    keys = {"none", "not_table", "missing", "empty", "text", "unknown_key", "too_deep",
            "separator", "root_code", "prefix", "segment", "duplicate_code", "duplicate_name",
            "cause_list", "root", "child", "at", "coded"}  # fmt: skip
    for lang in LANGUAGES:
        assert {k for k in keys if f"data.tree.{k}" not in catalogue(lang)} == set(), lang
