"""The catalogue's marshal copy (deskapp/i18n.py, issue 22): the same words as the TOML file,
re-read when the file changes, and a copy that cannot be read or written only costs a parse."""

from __future__ import annotations

import shutil
from pathlib import Path

from deskapp.i18n import LOCALES, _cached_catalogue, parse_catalogue


def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "zh.toml"
    shutil.copyfile(LOCALES / "zh.toml", path)
    return path


def test_the_copy_holds_the_same_words_as_the_file(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    first = _cached_catalogue(path)  # parsed, and the copy written
    copies = list((tmp_path / "__pycache__").iterdir())
    assert len(copies) == 1
    assert _cached_catalogue(path) == first == parse_catalogue(LOCALES / "zh.toml")


def test_a_changed_file_is_read_again_and_its_old_copy_removed(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _cached_catalogue(path)
    path.write_text('[app]\ntitle = "新的标题"\n', encoding="utf-8")
    assert _cached_catalogue(path) == {"app.title": "新的标题"}
    assert len(list((tmp_path / "__pycache__").iterdir())) == 1


def test_a_damaged_copy_is_parsed_again(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _cached_catalogue(path)
    (copy,) = (tmp_path / "__pycache__").iterdir()
    copy.write_bytes(b"\x00not marshal")
    assert _cached_catalogue(path) == parse_catalogue(path)


def test_a_folder_that_cannot_be_written_only_costs_a_parse(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    (tmp_path / "__pycache__").write_text("a file where the folder would be")
    assert _cached_catalogue(path) == parse_catalogue(path)
