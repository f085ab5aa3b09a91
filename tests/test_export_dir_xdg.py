"""The default export folder follows the user's XDG documents folder (an attacker's report,
issue 18): `XDG_DOCUMENTS_DIR` when set (absolute), else the line of
`$XDG_CONFIG_HOME/user-dirs.dirs` (or `~/.config/user-dirs.dirs`) that `xdg-user-dirs-update`
writes (a Chinese desktop's `$HOME/文档`), else `~/Documents`, missing or not. Each case in a
process of its own with only the variables given (a real environment and real files, as a
desk started from a shell); `DESKAPP_EXPORT_DIR` still comes first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PRINT = "from deskapp.config import DeskSettings; print(DeskSettings().export_dir)"


def _export_dir(**env: str) -> Path:
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT") if k in os.environ}
    done = subprocess.run([sys.executable, "-c", PRINT], env={**keep, **env},
                          capture_output=True, text=True, encoding="utf-8", timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home" / ".config").mkdir(parents=True)
    return tmp_path / "home"


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG user folders are Linux desktops'")
def test_the_export_folder_follows_the_users_xdg_documents_folder(
    home: Path, tmp_path: Path
) -> None:
    # Nothing set: ~/Documents, though it does not exist (made at the first export).
    assert _export_dir(HOME=str(home)) == home / "Documents" / "deskapp"
    assert not (home / "Documents").exists()
    # The desktop's own file, as xdg-user-dirs-update writes it, in ~/.config ...
    (home / ".config" / "user-dirs.dirs").write_text(
        '# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR="$HOME/桌面"\n'
        'XDG_DOCUMENTS_DIR="$HOME/文档"\n',
        encoding="utf-8",
    )
    assert _export_dir(HOME=str(home)) == home / "文档" / "deskapp"
    # ... or in $XDG_CONFIG_HOME, which is read instead.
    config = tmp_path / "config"
    config.mkdir()
    (config / "user-dirs.dirs").write_text(f'XDG_DOCUMENTS_DIR="{tmp_path}/shared docs"\n',
                                           encoding="utf-8")  # fmt: skip
    assert _export_dir(HOME=str(home), XDG_CONFIG_HOME=str(config)) == (
        tmp_path / "shared docs" / "deskapp"
    )
    # The variable itself, when set to an absolute path; a relative one is not a folder.
    docs = tmp_path / "docs"
    assert _export_dir(HOME=str(home), XDG_DOCUMENTS_DIR=str(docs)) == docs / "deskapp"
    assert _export_dir(HOME=str(home), XDG_DOCUMENTS_DIR="docs") == home / "文档" / "deskapp"
    # The desk's own setting first.
    mine = tmp_path / "mine"
    assert _export_dir(HOME=str(home), XDG_DOCUMENTS_DIR=str(docs),
                       DESKAPP_EXPORT_DIR=str(mine)) == mine  # fmt: skip
