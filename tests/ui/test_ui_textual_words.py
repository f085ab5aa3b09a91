"""Every word Textual itself can put before the handler is in the desk's language.

The words are found in Textual's own source (what it notifies, its prompts and placeholders,
its palette commands, the keys it would show, its "no matches" and "Loading..." lines); then
the desk is driven wherever Textual would show one of them (every mode at 100x30 and 80x24, a
part being read, the palette and its list of themes with nothing found, the keys command, a
screenshot saved and one that fails, Ctrl+C outside a field, an open Select) and none of those
English words is on the screen or in a notification."""

from __future__ import annotations

import ast
import inspect
import re
import stat
from pathlib import Path

import pytest
from textual.app import App
from textual.command import CommandPalette
from ui_helpers import (
    NARROW,
    WIDE,
    build_app,
    focus_by_tab,
    screen_text,
    settle,
    sign_in,
    type_text,
)

from deskapp.screens.app import SIGNED_IN_MODES
from deskapp.screens.help import HelpScreen
from deskapp.screens.textual_private import notifications
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui

# Calls whose string arguments Textual shows: (name, positions, keywords).
SHOWN_BY = {
    "notify": ((0, 1), ("message", "title")),
    "SystemCommand": ((0, 1), ()),
    "Binding": ((2,), ("description", "tooltip")),
    "Text": ((0,), ()),
    "Content": ((0,), ()),
    "Label": ((0,), ()),
    "Static": ((0,), ()),
}
SHOWN_KEYWORDS = ("placeholder", "prompt", "tooltip")
# Textual's parts that never reach a desk's screen.
NOT_SHOWN_PARTS = ("demo/", "_markup_playground.py", "cli/", "renderables/gradient.py")


def _literal(node: ast.AST) -> str:
    """A string literal, or an f-string's longest fixed part."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        return max((str(p) for p in parts), key=len, default="")
    return ""


def _is_hidden_binding(call: ast.Call) -> bool:
    return any(
        k.arg == "show" and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in call.keywords
    )


def textual_words() -> set[str]:
    """The English words Textual's source can show, as written there."""
    root = Path(inspect.getfile(App)).parent  # Textual's package
    words: set[str] = set()
    for path in root.rglob("*.py"):
        if path.relative_to(root).as_posix().startswith(NOT_SHOWN_PARTS):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found: list[ast.AST] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                positions, keywords = SHOWN_BY.get(name, ((), ()))
                if not (name == "Binding" and _is_hidden_binding(node)):
                    found += [node.args[i] for i in positions if i < len(node.args)]
                    found += [k.value for k in node.keywords if k.arg in keywords]
                found += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
            elif isinstance(node, ast.Assign) and any(
                getattr(target, "id", "") == "BINDINGS" for target in node.targets
            ):  # ("escape", "dismiss", "Dismiss menu"): a binding shown in the footer
                found += [e.elts[2] for e in getattr(node.value, "elts", [])
                          if isinstance(e, ast.Tuple) and len(e.elts) > 2]  # fmt: skip
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                defaulted = args.args[len(args.args) - len(args.defaults) :]
                pairs = zip(defaulted, args.defaults, strict=True)
                pairs_kw = zip(args.kwonlyargs, args.kw_defaults, strict=True)
                found += [d for a, d in [*pairs, *pairs_kw] if d is not None
                          and a.arg in ("placeholder", "prompt")]  # fmt: skip
            for literal in map(_literal, found):
                words.update(w for w in [literal.strip()] if re.search(r"[A-Za-z]{2}", w))
    return words


def test_the_scan_finds_the_words_textual_is_known_to_show() -> None:
    """The scan is not empty-handed: what a handler met in English is among what it finds."""
    known = {"Failed to save screenshot", "Search for themes…", "Search for commands…",
             "No matches found", "Dismiss menu", "Loading...", "Do you want to quit?",
             "Change the current theme", "Select"}  # fmt: skip
    assert known <= textual_words()


def _english_in(text: str, words: set[str]) -> list[str]:
    return sorted(w for w in words if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text))


class Seen:
    """Everything the screen showed and the desk notified, step by step."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.steps: dict[str, str] = {}

    def take(self, step: str) -> str:
        said = " ".join(f"{n.title} {n.message}" for n in notifications(self.app))
        self.steps[step] = f"{screen_text(self.app)}\n{said}"
        return self.steps[step]

    def english(self, words: set[str]) -> dict[str, list[str]]:
        found = {step: _english_in(text, words) for step, text in self.steps.items()}
        return {step: hits for step, hits in found.items() if hits}


async def _palette_command(pilot, words: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+p")
    await settle(pilot)
    await type_text(pilot, words)
    await settle(pilot, 0.5)
    await pilot.press("down", "enter")
    await settle(pilot)


async def test_textuals_words_never_show_in_english(desk: Desk, tmp_path: Path) -> None:
    words = textual_words()
    app = build_app(desk)
    app.export_dir = tmp_path / "exports"
    seen = Seen(app)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        seen.take("sign-in")
        await sign_in(pilot, "3001", "9999")  # the hall manager: every mode opens
        for size in (WIDE, NARROW):
            await pilot.resize_terminal(*size)
            for mode in SIGNED_IN_MODES:
                app.switch_mode(mode)
                await settle(pilot)
                seen.take(f"{mode} {size}")
        await pilot.resize_terminal(*WIDE)

        # A part being read (animations are off here, as on a slow remote terminal).
        app.switch_mode("reports")
        await settle(pilot)
        tabs = app.screen.query_one("#report-tabs")
        tabs.loading = True
        await pilot.pause()
        assert "正在读取" in seen.take("loading")
        tabs.loading = False
        await settle(pilot)

        # The palette, with nothing found.
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "zzzz")
        await settle(pilot, 1.2)  # Textual waits a moment before saying nothing matched
        assert "没有找到匹配项" in seen.take("palette")
        await pilot.press("escape")
        await settle(pilot)

        # 切换主题: Textual's list of themes, in the desk's palette.
        await _palette_command(pilot, "切换主题")
        assert isinstance(app.screen, CommandPalette)
        assert "查找主题" in seen.take("themes")
        await type_text(pilot, "zzzz")
        await settle(pilot, 1.2)
        assert "没有找到匹配项" in seen.take("themes, none found")
        await pilot.press("escape")
        await settle(pilot)

        # 按键说明: the desk's help, not Textual's key panel.
        await _palette_command(pilot, "按键说明")
        assert isinstance(app.screen, HelpScreen)
        seen.take("keys")
        await pilot.press("escape")
        await settle(pilot)

        # 截图: saved in the export folder, said in the desk's words.
        await _palette_command(pilot, "截图")
        await settle(pilot, 0.5)  # Textual takes it a moment later, then writes in a thread
        await settle(pilot, 0.5)
        assert "截图已保存" in seen.take("screenshot")
        shots = list((tmp_path / "exports").glob("*.svg"))
        assert shots
        # Written like every export (issue 18): the owner's only, whatever the umask.
        assert all(stat.S_IMODE(shot.stat().st_mode) == 0o600 for shot in shots), shots
        app.clear_notifications()
        # … and one that cannot be written: the export "folder" is a file.
        (tmp_path / "not-a-folder").write_text("")
        app.export_dir = tmp_path / "not-a-folder"
        await _palette_command(pilot, "截图")
        await settle(pilot, 0.5)
        await settle(pilot, 0.5)
        assert "截图未能保存" in seen.take("screenshot failed")
        app.clear_notifications()

        # Ctrl+C where there is nothing to copy: how to quit, in the desk's words.
        app.switch_mode("queue")
        await settle(pilot)
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert "退出投诉处理台" in seen.take("ctrl+c")
        app.clear_notifications()

        # An open Select: its Esc in the footer.
        app.switch_mode("intake")
        await settle(pilot)
        await focus_by_tab(pilot, "channel")
        await pilot.press("enter")
        await settle(pilot)
        assert "收起列表" in seen.take("select open")
        await pilot.press("escape")
        await settle(pilot)

    assert seen.english(words) == {}
