"""The preferences file: keys remapped in [keymap] work and show in the footer and F1 help,
what cannot be used is said and ignored, and a theme chosen is there at the next start."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from app_kit import settings_for
from ui_helpers import settle, sign_in

from deskapp.i18n import t
from deskapp.preferences import PreferencesNotWritten, load_preferences, save_theme
from deskapp.screens.app import DeskApp, make_app
from deskapp.screens.help import screen_keys
from deskapp.screens.keys import desk_binding_ids
from deskapp.screens.queue import QueueScreen
from deskapp.screens.search import SearchScreen
from deskapp.screens.textual_private import notifications
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui
SIZE = (100, 30)
DOC = Path(__file__).resolve().parents[2] / "docs" / "keymap.md"


def _app(desk: Desk, config: Path) -> DeskApp:
    settings = settings_for(Path(desk.path), config=config)
    app = make_app(settings, desk=desk, cursor_blink=False)
    app.animation_level = "none"
    return app


def _messages(app: DeskApp) -> list[str]:
    return [n.message for n in notifications(app)]


async def test_a_remapped_key_works_and_shows(desk: Desk, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    # Keys no binding of the desk has (F10, F11 and Ctrl+Y are taken since issue 18).
    config.write_text('[keymap]\n"app.switch_mode_queue" = "f13"\n"intake.save" = "f14"\n')
    app = _app(desk, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in(pilot)
        keys = {d: k for k, d in screen_keys(app, app.screen)}
        assert keys[t("key.save")] == app.get_key_display(
            next(b.binding for b in app.screen.active_bindings.values()
                 if b.binding.action == "save"))  # fmt: skip
        assert "f14" in {b.binding.key for b in app.screen.active_bindings.values()}
        assert keys[t("queue.title")] == "f13"  # the help (and the footer) say the new key
        footer_keys = {b.binding.key for b in app.screen.active_bindings.values()}
        assert "f13" in footer_keys and "f4" not in footer_keys
        await pilot.press("f4")  # the old key does nothing now
        await settle(pilot)
        assert not isinstance(app.screen, QueueScreen)
        await pilot.press("f13")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_what_cannot_be_used_is_said_and_ignored(desk: Desk, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('theme = "no-such-theme"\n[keymap]\n"intake.nothing" = "f10"\n'
                      '"app.switch_mode_queue" = "ctrl+notakey"\n')  # fmt: skip
    app = _app(desk, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        said = _messages(app)
        assert t("prefs.unknown_id", id="intake.nothing") in said
        assert t("prefs.bad_key", id="app.switch_mode_queue", keys="ctrl+notakey") in said
        assert t("prefs.unknown_theme", theme="no-such-theme") in said
        await sign_in(pilot)
        await pilot.press("f4")  # the default key still works
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_a_clash_is_said_and_the_defaults_kept(desk: Desk, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"app.switch_mode_queue" = "f3"\n')  # F3 is the search
    app = _app(desk, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # (F3 on the search screen itself is its own "back to the box" key, which the remapped
        # F4 would meet there too)
        clash = t(
            "prefs.clash",
            ids="app.switch_mode_queue、app.switch_mode_search、search.focus_query_f3",
            keys="f3",
        )
        assert clash in _messages(app)
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_a_broken_file_does_not_stop_the_desk(desk: Desk, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("theme = [unclosed\n")
    app = _app(desk, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any(m.startswith("配置文件有误") for m in _messages(app))
        await sign_in(pilot)
        assert app.actor is not None


async def test_the_chosen_theme_is_there_at_the_next_start(desk: Desk, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"intake.save" = "ctrl+y"\n')
    app = _app(desk, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "desk-high-contrast"  # as the palette's 切换主题 does
        await settle(pilot)
    prefs = load_preferences(config)
    assert prefs.theme == "desk-high-contrast"
    assert prefs.keymap == {"intake.save": "ctrl+y"}  # the keymap kept

    again = _app(desk, config)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "desk-high-contrast"


def test_the_keymap_page_lists_every_id() -> None:
    documented = set(re.findall(r"^\| `([\w.]+)` \|", DOC.read_text(encoding="utf-8"), re.M))
    assert documented == set(desk_binding_ids())


def test_writing_the_theme_keeps_what_the_file_holds(tmp_path: Path) -> None:
    """Keys this version does not know (a newer desk's, a person's comment) survive the theme
    being written; only the theme line changes."""
    config = tmp_path / "config.toml"
    config.write_text(
        "# written by hand\n"
        'theme = "textual-dark"\n'
        "font_scale = 2  # not known to this desk\n"
        "\n"
        "[keymap]\n"
        '"intake.save" = "ctrl+y"\n'
        "\n"
        "[future]\n"
        'colour = "teal"\n',
        encoding="utf-8",
    )
    save_theme(config, "desk-high-contrast")
    text = config.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["theme"] == "desk-high-contrast"
    assert data["font_scale"] == 2
    assert data["future"] == {"colour": "teal"}
    assert data["keymap"] == {"intake.save": "ctrl+y"}
    assert "# written by hand" in text and "# not known to this desk" in text


def test_a_theme_is_added_to_a_file_without_one(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"intake.save" = "ctrl+y"\n[future]\nx = 1\n', encoding="utf-8")
    save_theme(config, "desk-high-contrast")
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert data == {
        "theme": "desk-high-contrast",
        "keymap": {"intake.save": "ctrl+y"},
        "future": {"x": 1},
    }


# Files a person may well write (found by an attacker of issue 21): each must keep all it holds.
_KEEPS_ALL = {
    "indented theme": '  theme = "textual-dark"\nfont_scale = 2\n[keymap]\n"intake.save" = "f10"\n',
    "multi-line string": 'motto = """\ntheme = "never"\n"""\n[keymap]\n"intake.save" = "ctrl+y"\n',
    "no theme, comment": '# mine\n[keymap]\n"intake.save" = "ctrl+y"  # remapped\n',
}


@pytest.mark.parametrize("content", _KEEPS_ALL.values(), ids=list(_KEEPS_ALL))
def test_writing_the_theme_keeps_every_key(tmp_path: Path, content: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content, encoding="utf-8")
    before = tomllib.loads(content)
    save_theme(config, "desk-high-contrast")
    after = tomllib.loads(config.read_text(encoding="utf-8"))
    assert after == {**before, "theme": "desk-high-contrast"}
    comments = [line.split("#", 1)[1] for line in content.splitlines() if "#" in line]
    assert all(c in config.read_text(encoding="utf-8") for c in comments)


_REFUSED = {  # the file is left byte for byte; the line is the one to correct
    "broken value": ('theme = "textual-dark"\n[keymap]\n"app.quit" = \n"intake.save" = "f10"\n', 3),
    "dotted theme table": ('theme.name = "x"\n[keymap]\n"intake.save" = "ctrl+y"\n', 1),
}


@pytest.mark.parametrize(("content", "line"), _REFUSED.values(), ids=list(_REFUSED))
def test_a_file_the_desk_cannot_edit_is_left_untouched(
    tmp_path: Path, content: str, line: int
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(PreferencesNotWritten) as refused:
        save_theme(config, "desk-high-contrast")
    assert refused.value.line == line
    assert config.read_text(encoding="utf-8") == content


async def test_the_desk_says_the_theme_was_not_saved_and_where(desk: Desk, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    content = '[keymap]\n"intake.save" = "ctrl+y"\n"app.quit" = \n'
    config.write_text(content, encoding="utf-8")
    app = _app(desk, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "desk-high-contrast"
        await settle(pilot)
        said = _messages(app)
    where = t("prefs.at_line", line=3)
    assert t("prefs.file_has_error", path=config, where=where) in said
    assert "第 3 行" in where
    assert config.read_text(encoding="utf-8") == content
