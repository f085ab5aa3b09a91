"""A rule of docs/domain.md lives in one place (issue 21): the services and the screens ask
the domain functions the rule tests test, instead of writing the rule again where it can drift.

The checks read the code of deskapp/ and screens/ (every module, from the tree itself), so a
rule written out again anywhere fails here with the file and line."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from deskapp.cli import main
from deskapp.domain.enums import Severity
from deskapp.sync.run import DEFAULT_BATCH

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "deskapp" / "domain"


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for package in ("deskapp", "screens"):
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _outside_domain() -> Iterator[tuple[Path, ast.Module]]:
    for path, tree in _modules():
        if DOMAIN not in path.parents:
            yield path, tree


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def _compares(tree: ast.Module) -> Iterator[tuple[ast.Compare, list[ast.expr]]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            yield node, [node.left, *node.comparators]


def test_severities_are_ordered_only_by_the_domain() -> None:
    """The severity floor of a channel (below it needs a reason) and lowering a ticket's
    severity are deskapp/domain/severity.py's: no other module compares `.rank`s."""
    found = [
        _where(path, node)
        for path, tree in _outside_domain()
        for node, sides in _compares(tree)
        if any(isinstance(side, ast.Attribute) and side.attr == "rank" for side in sides)
    ]
    assert found == []


def test_a_major_complaint_is_recognised_only_by_the_domain() -> None:
    """What a 重大 complaint needs (the report form) is `requires_major_report`'s to say."""

    def major(side: ast.expr) -> bool:
        if isinstance(side, ast.Constant):
            return side.value == "major"
        return isinstance(side, ast.Attribute) and side.attr == "MAJOR"

    found = [
        _where(path, node)
        for path, tree in _outside_domain()
        for node, sides in _compares(tree)
        if any(major(side) for side in sides)
    ]
    assert found == []


SEVERITY_VALUES = {s.value for s in Severity}  # from the enum: a new grade is held too
STR_METHODS = {name for name in dir(str) if not name.startswith("_")}


def _severity_like(expr: ast.AST) -> bool:
    """An expression that reads a severity: a name or attribute called …severity in it."""
    for node in ast.walk(expr):
        name = getattr(node, "id", None) or getattr(node, "attr", None)
        if isinstance(name, str) and name.lower().endswith("severity"):  # not severity_reason
            return True
    return False


def _severity_strings(expr: ast.AST) -> bool:
    """A severity's string value, alone or in a tuple/list/set (`in ("major", "serious")`)."""
    if isinstance(expr, ast.Constant):
        return expr.value in SEVERITY_VALUES
    if isinstance(expr, ast.Tuple | ast.List | ast.Set):
        return any(_severity_strings(element) for element in expr.elts)
    return False


def _severity_decided_by_string(node: ast.AST) -> bool:
    if isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        return any(_severity_like(s) for s in sides) and any(_severity_strings(s) for s in sides)
    if isinstance(node, ast.Match) and _severity_like(node.subject):
        return any(
            isinstance(pattern, ast.MatchValue) and _severity_strings(pattern.value)
            for case in node.cases
            for pattern in ast.walk(case.pattern)
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # `row.severity.startswith("maj")`: the string of a grade read outside its enum
        return node.func.attr in STR_METHODS and _severity_like(node.func.value)
    return False


def test_severities_are_read_only_through_their_enum_and_the_domain() -> None:
    """No module outside deskapp/domain decides on a severity by its string value: compared,
    tested for membership, matched, or cut with a string method. The grades and what each
    requires are the domain's (Severity, requires_major_report, check_severity)."""
    found = [
        _where(path, node)
        for path, tree in _outside_domain()
        for node in ast.walk(tree)
        if _severity_decided_by_string(node)
    ]
    assert found == []


def test_the_strict_reference_model_is_defined_once() -> None:
    """The reference data files (data/*.toml) are read by models that refuse unknown keys and
    cannot be changed: one base class says so, every file's models derive from it."""

    def strict(node: ast.ClassDef) -> bool:
        for statement in node.body:
            if (
                isinstance(statement, ast.Assign)
                and any(
                    isinstance(t, ast.Name) and t.id == "model_config" for t in statement.targets
                )
                and isinstance(statement.value, ast.Call)
            ):
                words = {k.arg: k.value for k in statement.value.keywords}
                if "extra" in words and "frozen" in words:
                    return True
        return False

    found = [
        _where(path, node)
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and strict(node)
    ]
    assert len(found) == 1, found


def test_deskapp_sync_batches_as_the_desk_does() -> None:
    """`deskapp sync` without --batch-size pushes and pulls in the batches the desk's own
    synchronization uses."""
    command = main.commands["sync"]
    option = next(p for p in command.params if p.name == "batch_size")
    assert option.default == DEFAULT_BATCH


def test_the_deadline_modules_are_named_after_deadlines() -> None:
    """`clock` is the desk's time source (deskapp/clock.py) and nothing else: the modules that
    compute a ticket's time limits are named after deadlines, so a reader does not open the
    wrong one of four modules called clock(s)."""
    named = sorted(
        str(path.relative_to(ROOT))
        for folder in ("deskapp", "screens")
        for path in (ROOT / folder).rglob("*clock*.py")
        if "migrations" not in path.parts  # revision files keep the names they were made with
    )
    assert named == ["deskapp/clock.py"]


def test_ticket_numbers_are_issued_in_one_place() -> None:
    """A ticket number is issued by deskapp/services/ticket_numbers.py alone (never below a
    number already in the store): no other module formats a number or touches the counter, so
    a second issuer (the importer's once re-issued …-0001 after a restore) cannot come back."""
    issuer = ROOT / "deskapp" / "services" / "ticket_numbers.py"
    names = {"format_ticket_number", "TicketCounter"}

    def uses(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in names
        if isinstance(node, ast.Attribute):
            return node.attr in names
        if isinstance(node, ast.ImportFrom):
            return any(alias.name in names for alias in node.names)
        return False

    found = [
        _where(path, node)
        for path, tree in _modules()
        if path != issuer and not any("migrations" in part for part in path.parts)
        for node in ast.walk(tree)
        if uses(node)
    ]
    assert found == []
    used = {
        getattr(node, "id", None) or getattr(node, "attr", None)
        for node in ast.walk(ast.parse(issuer.read_text(encoding="utf-8")))
        if uses(node) and not isinstance(node, ast.ImportFrom)
    }
    assert used == names  # the scan looks for the names the issuer really uses
