"""Every claim in README.md and docs/ names the test that shows it: each test a document names
in backticks (`tests/ui/test_x.py::test_y`, `test_x.py::test_y`, `test_y`, `TestZ`) exists,
in the file named. A test renamed or removed without its claim fails here, so a claim cannot go
on naming a test that no longer shows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_DEFINED = re.compile(r"^\s*(?:async\s+)?def\s+(test_\w+)|^class\s+(Test\w+)", re.MULTILINE)
_NAMED = re.compile(
    r"(?P<file>(?:tests/)?(?:[\w]+/)*test_\w+\.py)(?:::(?P<first>\w+))?(?:::(?P<second>\w+))?"
    r"|\b(?P<bare>test_\w+|Test[A-Z]\w+)\b"
)


def _tests_by_file() -> dict[Path, set[str]]:
    return {
        path: {a or b for a, b in _DEFINED.findall(path.read_text(encoding="utf-8"))}
        for path in (ROOT / "tests").rglob("test_*.py")
    }


def _file(named: str, files: dict[Path, set[str]]) -> list[Path]:
    if named.startswith("tests/"):
        return [ROOT / named] if (ROOT / named) in files else []
    return [path for path in files if path.as_posix().endswith("/" + named)]


def _unknown_names(document: Path, files: dict[Path, set[str]]) -> list[str]:
    every = set().union(*files.values())
    unknown = []
    for quoted in re.findall(r"`([^`\n]+)`", document.read_text(encoding="utf-8")):
        for found in _NAMED.finditer(quoted):
            if found["bare"]:
                if found["bare"] not in every:
                    unknown.append(found["bare"])
                continue
            paths = _file(found["file"], files)
            names = [n for n in (found["first"], found["second"]) if n]
            if not paths or any(all(n not in files[p] for p in paths) for n in names):
                unknown.append(found.group())
    return unknown


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_test_a_document_names_exists(document: Path) -> None:
    assert _unknown_names(document, _tests_by_file()) == []


def test_a_renamed_test_is_caught(tmp_path: Path) -> None:
    """The check itself: a name no test has is reported, in each way a document names one."""
    document = tmp_path / "claims.md"
    document.write_text(
        "`tests/test_claims.py::test_no_such_test`, `test_claims.py::test_gone`, `test_never`, "
        "`tests/test_claims.py::test_every_test_a_document_names_exists` (a real one)",
        encoding="utf-8",
    )
    assert _unknown_names(document, _tests_by_file()) == [
        "tests/test_claims.py::test_no_such_test", "test_claims.py::test_gone", "test_never"
    ]  # fmt: skip
