"""`deskapp cases export` (issue 18): the morning meeting's page holds the customers'
complaints, so, like Ctrl+E in the desk, only a duty or hall manager exports it: their work
number (--as) and PIN (unechoed, or DESKAPP_MANAGER_PIN). Anyone else is refused, in words,
and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_kit import run, staffed_store


@pytest.fixture
def db(tmp_path: Path) -> str:
    return staffed_store(tmp_path / "t.db")


def _pages(folder: Path) -> list[Path]:
    return list(folder.glob("*.txt")) if folder.exists() else []


@pytest.mark.parametrize(
    ("who", "env", "said"),
    [((), {}, "值班经理或厅经理"),  # no work number: nothing asked, nothing written
     (("--as", "1002"), {"DESKAPP_MANAGER_PIN": "2222"}, "无权"),  # a handler
     (("--as", "3001"), {"DESKAPP_MANAGER_PIN": "0000"}, "PIN")],  # a wrong PIN
)  # fmt: skip
def test_only_a_manager_exports_the_cases(
    db: str, tmp_path: Path, who: tuple[str, ...], env: dict[str, str], said: str
) -> None:
    out = tmp_path / "out"
    result = run("--db", db, "cases", "export", "--out", str(out), *who, env=env)
    assert result.exit_code != 0, result.output
    assert said in result.output, result.output
    assert _pages(out) == []
    assert "2222" not in result.output and "0000" not in result.output


def test_a_hall_manager_exports_with_the_pin_typed_unechoed(db: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("--db", db, "cases", "export", "--out", str(out), "--as", "3001",
                 input="9999\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "9999" not in result.output
    assert len(_pages(out)) == 1
