"""fix18h: HOME unset and a user with no passwd entry (a service account, a container's
uid): platformdirs cannot place the defaults and raised, so signing in said "出现意外错误"
and every command failed. Now each default that has no home folder is a path never made:
only what writes there fails, in words naming the variable that sets it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from deskapp.cli_faults import ExitCode, fault_of
from deskapp.config import DeskSettings
from deskapp.i18n import t
from deskapp.incidents import describe
from deskapp.paths import NO_HOME, NoHomeFolder, write_export

# The user's passwd entry made to fail in the child: os.path.expanduser reads it when HOME
# is unset (as for a uid /etc/passwd does not list).
NO_PASSWD = "import pwd, sys\ndef _none(uid): raise KeyError(uid)\npwd.getpwuid = _none\n"


def _deskapp(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
    code = NO_PASSWD + "from deskapp.cli import main\nsys.argv[0] = 'deskapp'\nmain()\n"
    return subprocess.run([sys.executable, "-c", code, *args], env={**keep, **env},
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.skipif(sys.platform != "linux", reason="HOME and passwd are POSIX's")
def test_without_a_home_folder_the_commands_run_and_only_the_default_store_is_refused(
    tmp_path: Path,
) -> None:
    done = _deskapp("init", "--hall", "GZ01", "--terminal", "T01",
                    DESKAPP_DB=str(tmp_path / "desk.db"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "desk.db").exists()
    # No DESKAPP_DB either: the store's default has no place; said, nothing made under /.
    done = _deskapp("init", "--hall", "GZ01", "--terminal", "T01")
    assert done.returncode == ExitCode.FILE_ERROR, done.stderr
    assert "DESKAPP_DB" in done.stderr and "Traceback" not in done.stderr
    assert not NO_HOME.exists()


def test_without_a_home_folder_only_an_export_fails_naming_deskapp_export_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_home(*args: object, **kwargs: object) -> str:
        raise RuntimeError("could not determine the home directory")

    for name in ("user_documents_dir", "user_config_dir", "user_data_dir"):
        monkeypatch.setattr(platformdirs, name, no_home)
    monkeypatch.delenv("DESKAPP_EXPORT_DIR", raising=False)
    settings = DeskSettings(db=tmp_path / "desk.db")  # signing in builds these: no error
    with pytest.raises(NoHomeFolder) as refused:
        write_export(settings.export_dir / "page.txt", lambda p: p.write_text("x"))
    assert not NO_HOME.exists()
    words = t("error.no_home", variable="DESKAPP_EXPORT_DIR")
    assert describe(refused.value).message == words
    fault = fault_of(refused.value)
    assert fault.code == ExitCode.FILE_ERROR and "DESKAPP_EXPORT_DIR" in fault.message
