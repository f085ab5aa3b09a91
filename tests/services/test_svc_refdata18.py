"""Issue 18 (an attack on data/scripts.toml): a reference file the hall edited wrongly is
refused when the desk opens, in words naming the file and the line or [[entry]], never as an
incident, the same way for every file of data/ the desk reads (RefData.check). A script
naming no cause of the tree, a cause written twice and a text holding a control character are
refused like a syntax error."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from deskapp.cli_faults import ExitCode, fault_of
from deskapp.i18n import t
from deskapp.incidents import describe
from deskapp.refdata import RefData, ReferenceDataError, default_data_dir
from deskapp.services.desk import Desk

SHIPPED = default_data_dir()
SCRIPTS = (SHIPPED / "scripts.toml").read_text(encoding="utf-8")
# the shipped file's entries (its header names [[script]] too): an added one is the next
ENTRIES = SCRIPTS.splitlines().count("[[script]]")


def _data(tmp_path: Path, name: str, text: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SHIPPED, data)
    (data / name).write_text(text, encoding="utf-8")
    return data


def _refused(data: Path) -> ReferenceDataError:
    with pytest.raises(ReferenceDataError) as raised:
        RefData(data).check()
    return raised.value


def _added(cause: str, text: str) -> str:
    return SCRIPTS + f'\n[[script]]\ncause = "{cause}"\ntext = "{text}"\n'


NEXT = f"第 {ENTRIES + 1} 条"
WRONG_SCRIPTS = [
    # the attacker's line: the parser stops at the end of the file, its last line is named
    pytest.param(SCRIPTS + "\ngarbage = [\n", "data.syntax_end", ["第", "行(文件末尾)"],
                 id="syntax-at-end"),
    pytest.param('[[script]]\ngarbage = [\ncause = "NET"\ntext = "x"\n', "data.syntax",
                 ["第 3 行第 1 列"], id="syntax-line"),
    pytest.param(_added("NOPE.X", "不存在的原因"), "data.unknown_cause", [NEXT, "NOPE.X"],
                 id="unknown-cause"),
    pytest.param(_added("NET", "又一条"), "data.duplicate_cause", [NEXT, "与第 1 条重复"],
                 id="duplicate-cause"),
    pytest.param(_added("NET.COVER", "a\\u001b[2Jb"), "data.text.control", [NEXT, "控制字符"],
                 id="escape"),
    pytest.param(_added("HALL", "\\u202e倒序"), "data.text.bidi", [NEXT], id="bidi"),
    pytest.param('[[script]]\ntext = "x"\n', "data.missing", ["第 1 条 [[script]] 缺少 cause"],
                 id="no-cause"),
]  # fmt: skip


@pytest.mark.parametrize(("written", "key", "words"), WRONG_SCRIPTS)
def test_a_wrong_scripts_file_is_refused_in_words_naming_the_file_and_the_place(
    tmp_path: Path, written: str, key: str, words: list[str]
) -> None:
    data = _data(tmp_path, "scripts.toml", written)
    error = _refused(data)
    assert error.name == "scripts.toml" and [p.key for p in error.problems] == [key]
    fault = describe(error)
    assert fault.kind == "data" and not fault.incident  # said, never an incident
    assert "data/scripts.toml" in fault.message
    for said in words:
        assert said in fault.message, fault.message
    assert "\x1b" not in fault.message and "\u202e" not in fault.message
    # The command says the same, with the exit code of a bad input; no store is made.
    with pytest.raises(ReferenceDataError) as raised:
        Desk.open(tmp_path / "desk.db", data_dir=data)
    assert not (tmp_path / "desk.db").exists()
    cli = fault_of(raised.value)
    assert cli.code == ExitCode.BAD_INPUT and cli.expected
    assert "data/scripts.toml" in cli.message and all(said in cli.message for said in words)


def test_every_wrong_entry_is_named_at_once(tmp_path: Path) -> None:
    written = _added("NOPE.X", "x") + '\n[[script]]\ncause = "NET"\ntext = "\\u0007"\n'
    error = _refused(_data(tmp_path, "scripts.toml", written))
    # the last entry: the first NET's twin, and its text holds a bell
    assert [(p.key, p.entry) for p in error.problems] == [
        ("data.unknown_cause", ENTRIES + 1),
        ("data.duplicate_cause", ENTRIES + 2),
        ("data.text.control", ENTRIES + 2),
    ]


def test_a_multi_line_script_and_the_shipped_file_are_accepted(tmp_path: Path) -> None:
    RefData(SHIPPED).check()
    data = _data(tmp_path, "scripts.toml", '[[script]]\ncause = "NET"\ntext = """一行\n二行"""\n')
    assert RefData(data).scripts == {"NET": "一行\n二行"}


# One wrong edit of each file the desk reads, and the words that place it.
WRONG_FILES = [
    ("hall.toml", lambda s: s.replace("max_failures", "max_failure", 1),
     "有不认识的键 signin.max_failure"),
    ("categories.toml", lambda s: s + "\ngarbage = [\n", "不符合 TOML 写法"),
    ("departments.toml", lambda s: s.replace("[[department]]", "[[department]]\ncolour = 1", 1),
     "第 1 条 [[department]] 有不认识的键 colour"),
    ("escalation.toml", lambda s: s + '\n[[level]]\nname = "x"\n', "缺少 code"),
    ("refund_errors.toml", lambda s: "", "error_type"),
    ("time_limits.toml", lambda s: s + "\n= 1\n", "不符合 TOML 写法"),
    ("holidays.toml", lambda s: s + "\n[[[\n", "不符合 TOML 写法"),
    ("accountability.toml", lambda s: s + "\n[nope]\n", "有不认识的键 nope"),
    ("customer_base.toml", lambda s: s.replace("\n[control]\n", "\n[control]\nnope = 1\n", 1),
     "有不认识的键 control.nope"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "edit", "words"), [pytest.param(*case, id=case[0]) for case in WRONG_FILES]
)
def test_every_file_the_desk_reads_is_checked_when_it_opens(
    tmp_path: Path, name: str, edit: Callable[[str], str], words: str
) -> None:
    data = _data(tmp_path, name, edit((SHIPPED / name).read_text(encoding="utf-8")))
    with pytest.raises(ReferenceDataError) as raised:
        Desk.open(tmp_path / "desk.db", data_dir=data)
    fault = describe(raised.value)
    assert raised.value.name == name and fault.kind == "data"
    assert fault.message.startswith(
        t("fault.bad_data", path=str(data / name), detail="\0").partition("\0")[0]
    )
    assert words in fault.message, fault.message


@pytest.mark.parametrize("zone", ["Asia/Shangai", "", "../etc/passwd", "UTC+8"])
def test_an_unknown_time_zone_in_hall_toml_is_refused_when_the_desk_opens(
    tmp_path: Path, zone: str
) -> None:
    shipped = (SHIPPED / "hall.toml").read_text(encoding="utf-8")
    data = _data(tmp_path, "hall.toml", shipped.replace('"Asia/Shanghai"', f'"{zone}"', 1))
    with pytest.raises(ReferenceDataError) as raised:
        Desk.open(tmp_path / "desk.db", data_dir=data)
    message = describe(raised.value).message
    assert "不认识的时区" in message and "hall.timezone" in message, message
    assert not (tmp_path / "desk.db").exists()  # nothing made by a refused open
