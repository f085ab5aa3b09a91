"""The arrows of the design hold and cannot bend unseen: the import-linter contracts of
pyproject.toml pass on the tree, each fails on a copy of the tree with one import that breaks
it, and every module of deskapp/ sits in a layer, so a new one cannot escape the contracts."""

from __future__ import annotations

import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import deskapp

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the packages of `tree` (the real one or a copy)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_contracts_hold() -> None:
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(CONFIG['contracts'])} kept, 0 broken" in done.stdout


# One import that breaks each contract (the first four as main had them before the layers were
# enforced), appended to a module of a copy of the tree (a new module where none is named).
# Each names the id of the contract it must break.
BREACHES = {
    "layers, store imports sync": (
        "deskapp/store/breach.py", "from deskapp.sync import hall", "layers"),
    "layers, sync imports services": (
        "deskapp/sync/breach.py", "from deskapp.services import audit", "layers"),
    "layers, domain imports store": (
        "deskapp/domain/breach.py", "import deskapp.store.models", "layers"),
    "screens import the store": (
        "deskapp/screens/breach.py", "from deskapp.store import models", "through-services"),
    "the CLI imports sync": (
        "deskapp/cli.py", "from deskapp.sync import sync", "cli-through-services"),
    "the CLI imports the store": (
        "deskapp/cli.py", "from deskapp.store import engine", "cli-through-services"),
    "cli_faults imports sync": (
        "deskapp/cli_faults.py", "from deskapp.sync import hall", "cli-through-services"),
    "Textual under deskapp": ("deskapp/services/breach.py", "import textual.app", "no-textual"),
    "the UI from elsewhere": ("deskapp/logs.py", "import deskapp.screens.app", "layers"),
}  # fmt: skip


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tree / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


@pytest.mark.parametrize("breach", list(BREACHES))
def test_a_breach_breaks_a_contract(tree_copy: Path, breach: str) -> None:
    path, line, contract_id = BREACHES[breach]
    module = tree_copy / path
    original = module.read_text(encoding="utf-8") if module.exists() else None
    module.write_text((original or "") + f"\n{line}  # noqa\n", encoding="utf-8")
    try:
        done = lint(tree_copy)
    finally:
        if original is None:
            module.unlink()
        else:
            module.write_text(original, encoding="utf-8")
    assert done.returncode != 0, done.stdout
    (contract,) = [c for c in CONFIG["contracts"] if c["id"] == contract_id]
    # lint-imports prints "<name> BROKEN" for each contract broken (names may wrap a line)
    said = " ".join(done.stdout.split())
    assert f"{' '.join(contract['name'].split())} BROKEN" in said, done.stdout


def _layer_modules() -> set[str]:
    (layers,) = [c for c in CONFIG["contracts"] if c["type"] == "layers"]
    return {name.strip() for layer in layers["layers"] for name in re.split(r"[|:]", layer)}


def test_every_module_of_deskapp_sits_in_a_layer() -> None:
    named = _layer_modules()
    modules = {f"deskapp.{m.name}" for m in pkgutil.iter_modules(deskapp.__path__)}
    assert len(modules) > 10  # the scan found the package
    assert modules - named == set(), "modules of deskapp/ in no layer of pyproject.toml"
    assert "deskapp.screens" in named
    assert named - modules == set(), "layers naming modules that do not exist"


def test_no_textual_covers_every_module_but_the_ui() -> None:
    """The "no Textual" contract names every module of deskapp/ but the UI and its door, from
    the package's own list: a new module is held to it from the day it is made."""
    (contract,) = [c for c in CONFIG["contracts"] if c["id"] == "no-textual"]
    modules = {f"deskapp.{m.name}" for m in pkgutil.iter_modules(deskapp.__path__)}
    assert set(contract["source_modules"]) == modules - {"deskapp.screens", "deskapp.launch"}


def test_the_wheel_installs_only_the_deskapp_package(tmp_path: Path) -> None:
    """The UI is packaged as deskapp.screens: the wheel, built for real, puts nothing named
    `screens` (or anything else but deskapp) in site-packages."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("deskapp-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"deskapp"}
    assert "deskapp/screens/app.py" in archive.namelist()


def test_only_the_test_child_kills_a_process() -> None:
    """Fault injection is the tests' own (tests/sync/sync_child.py installs it as a hook):
    nothing the desk ships sends a signal to itself."""
    shipped = [p for package in CONFIG["root_packages"] for p in (ROOT / package).rglob("*.py")]
    killing = [str(p.relative_to(ROOT)) for p in shipped
               if re.search(r"os\.kill\(|SIGKILL", p.read_text(encoding="utf-8"))]  # fmt: skip
    assert killing == []
