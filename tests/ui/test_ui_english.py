"""The English catalogue: every key of the Chinese one, with the same placeholders, and the
intake screen in English (a snapshot taken in a process started with DESKAPP_LANG=en)."""

from __future__ import annotations

import os
import string
import subprocess
import sys
from pathlib import Path

import pytest

from deskapp.i18n import LANGUAGES, catalogue

HERE = Path(__file__).parent


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_is_in_both_catalogues_with_the_same_placeholders() -> None:
    assert set(LANGUAGES) == {"en", "zh"}
    zh, en = catalogue("zh"), catalogue("en")
    assert sorted(zh.keys() - en.keys()) == []  # missing in English
    assert sorted(en.keys() - zh.keys()) == []  # in English only
    assert [k for k in zh if _fields(zh[k]) != _fields(en[k])] == []
    assert [k for k, v in en.items() if not v.strip()] == []


@pytest.mark.ui
def test_the_intake_screen_in_english(request: pytest.FixtureRequest) -> None:
    args = [
        sys.executable,
        "-m",
        "pytest",
        str(HERE / "english" / "en_intake_snapshot.py"),
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "--rootdir",
        str(HERE.parents[1]),
    ]
    if request.config.getoption("--snapshot-update", default=False):
        args.append("--snapshot-update")
    env = {**os.environ, "DESKAPP_LANG": "en"}
    run = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300,
                         cwd=HERE.parents[1])  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout
