"""Issue 18 (the attack on words18): `deskapp cases export` printed `✗ actor: 投诉处理员无权…`
(a key's English name), `Directory '/etc/passwd' 是文件` (click's path type's name, made
before the desk's language was chosen) and the system's English reasons (Read-only file
system); and a failed export said 已填写的内容都还在 where nothing was typed."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from cli_kit import run, staffed_store

from deskapp.i18n import os_reason, set_language, t


@pytest.fixture
def db(tmp_path: Path) -> str:
    return staffed_store(tmp_path / "t.db")


def test_a_refusal_says_no_field_name_in_english(db: str, tmp_path: Path) -> None:
    result = run("--db", db, "cases", "export", "--out", str(tmp_path / "out"), "--as", "1002",
                 env={"DESKAPP_MANAGER_PIN": "2222"})  # fmt: skip
    assert result.exit_code != 0 and "无权" in result.output, result.output
    assert "actor" not in result.output, result.output


def test_a_file_given_for_the_folder_is_said_in_chinese(db: str, tmp_path: Path) -> None:
    a_file = tmp_path / "passwd"
    a_file.write_text("x")
    result = run("--db", db, "cases", "export", "--out", str(a_file), "--as", "3001",
                 env={"DESKAPP_MANAGER_PIN": "9999"})  # fmt: skip
    assert result.exit_code != 0, result.output
    assert "Directory" not in result.output and "文件夹" in result.output, result.output


def test_a_folder_that_cannot_be_written_is_said_in_chinese(db: str, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    blocker = tmp_path / "no"
    blocker.write_text("a file where a folder should be")
    result = run("--db", db, "cases", "export", "--out", str(missing), "--as", "3001",
                 env={"DESKAPP_MANAGER_PIN": "9999"})  # fmt: skip
    assert result.exit_code != 0, result.output
    assert "directory" not in result.output.lower(), result.output
    assert "已填写" not in result.output


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.ENOENT, errno.ENOSPC])
def test_the_system_s_reasons_are_said_in_the_desk_s_language(code: int) -> None:
    reason = os_reason(OSError(code, "English words", "/x"))
    assert reason != "English words" and not reason.isascii(), reason


def test_a_failed_export_in_the_desk_says_nothing_was_written() -> None:
    set_language("zh")
    said = t("fault.folder", path="/x", reason="文件系统只读")
    assert "已填写的内容都还在" not in said and "没有写入任何文件" in said


def test_a_reference_folder_that_is_not_there_is_said_unreadable_not_wrongly_written(
    db: str, tmp_path: Path
) -> None:
    """Recheck of 18i: a missing --data-dir said 写法有误 (wrongly written) and the system's
    reason in English (No such file or directory)."""
    missing = tmp_path / "nonexist"
    result = run("--db", db, "--data-dir", str(missing), "report")
    assert result.exit_code != 0
    assert f"读不到参考数据文件 {missing / 'hall.toml'}" in result.output, result.output
    assert "写法有误" not in result.output and "No such file" not in result.output
    assert t("oserror.ENOENT") in result.output
