"""Click's own messages (a wrong option, a missing one, a value of the wrong kind) in the desk's
language: deskapp/cli_words.py puts the catalogue's `[click]` table where click's gettext
markers look, and the list of what to translate is click's own source."""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

from deskapp.cli_words import CLICK_MODULES, PREFIX
from deskapp.i18n import LANGUAGES, catalogue, language, set_language
from tests.cli.cli_kit import run


def _click_messages() -> list[str]:
    """Every literal click passes to `_()` or `ngettext()` in the modules the desk translates."""
    found: list[str] = []
    for name in CLICK_MODULES:
        tree = ast.parse(inspect.getsource(importlib.import_module(name)))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "ngettext")):  # fmt: skip
                found += [a.value for a in node.args
                          if isinstance(a, ast.Constant) and isinstance(a.value, str)]  # fmt: skip
    return found


def test_every_message_click_marks_is_in_every_catalogue() -> None:
    messages = _click_messages()
    assert len(messages) > 40  # the walk found click's messages, not nothing
    for lang in LANGUAGES:
        assert [m for m in messages if PREFIX + m not in catalogue(lang)] == [], lang


@pytest.fixture
def english():
    before = language()
    set_language("en")
    yield
    set_language(before)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("staff", "list", "--bogus"), "✗ 没有选项 '--bogus'。(用法:"),
        (("nosuch",), "✗ 没有命令 'nosuch'。(用法:"),
        (("staff", "lst"), "是不是要写 'list'?"),
        (("--lang", "fr"), "'--lang' 的值无效:'fr' 不在可选值 'en', 'zh' 之中。"),
        (("staff", "add"), "✗ 缺少选项 '--work-no'"),
    ],
)
def test_a_usage_error_is_said_in_chinese(args: tuple[str, ...], said: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert said in result.output
    assert result.output.count("\n") == 1  # one line


def test_in_english_click_speaks_as_it_wrote(english: None) -> None:
    result = run("staff", "list", "--bogus")
    assert result.output.startswith("✗ No such option '--bogus'. (usage: ")
