"""Who an import is recorded under (importer.importing_actor): a hall manager's vouching is
the only one accepted, and anyone else's is refused and audited; a work number nobody has,
or a deactivated member's, gets the same answer as a wrong PIN (no oracle of who exists)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from svc_forms import PINS, staffed_desk

from deskapp.cli import main
from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import PermissionRefused
from deskapp.services.audit import recent_refusals
from deskapp.services.desk import Desk
from deskapp.services.importer import importing_actor
from deskapp.services.staff import actor_of, list_staff, set_active


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def answer(desk: Desk, work_no: str, pin: str, vouched_by: str = "") -> set[str]:
    with pytest.raises(RuleViolation) as refused:
        importing_actor(desk, work_no, pin, vouched_by=vouched_by)
    return refused.value.keys()


def test_a_vouching_by_someone_not_a_hall_manager_is_refused_and_audited(desk: Desk) -> None:
    since = desk.clock.now() - timedelta(minutes=1)
    with pytest.raises(PermissionRefused) as refused:
        importing_actor(desk, "1001", PINS["2001"], vouched_by="2001")
    assert refused.value.keys() == {"error.import.not_hall_manager"}
    [row] = recent_refusals(desk, since)
    assert (row.work_no, row.role, row.permission, row.subject) == (
        "2001", "duty_manager", "manage_staff", "1001")  # fmt: skip
    assert importing_actor(desk, "1001", PINS["3001"], vouched_by="3001").work_no == "1001"
    assert len(recent_refusals(desk, since)) == 1


def test_the_import_commands_refused_vouching_shows_in_deskapp_refusals(
    desk: Desk, tmp_path: Path
) -> None:
    db = ["--db", str(desk.engine.url.database)]
    (tmp_path / "in.csv").write_text("受理时间\n", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(
        main, [*db, "import", str(tmp_path / "in.csv"), "--as", "1001", "--manager", "2001"],
        input=f"{PINS['2001']}\n",
    )  # fmt: skip
    assert refused.exit_code == 2 and "代为确认导入须是厅经理" in refused.output
    listed = runner.invoke(main, [*db, "refusals"])
    assert listed.exit_code == 0
    assert any("2001" in line and "1001" in line for line in listed.output.splitlines())


def test_an_unknown_or_deactivated_importer_gets_the_wrong_pin_answer(desk: Desk) -> None:
    wrong = answer(desk, "1001", "0000")
    assert wrong == {"error.signin.wrong"}
    assert answer(desk, "4321", "0000") == wrong  # nobody has 4321
    assert answer(desk, "4321", PINS["1001"]) == wrong
    hm = actor_of(next(s for s in list_staff(desk) if s.work_no == "3001"))
    member = next(s for s in list_staff(desk) if s.work_no == "1002")
    set_active(desk, hm, member.id, False)
    assert answer(desk, "1002", "0000") == wrong  # deactivated: the PIN is checked first
    # Only the right PIN learns that the member is deactivated (as at the desk's sign-in).
    assert answer(desk, "1002", PINS["1002"]) == {"error.signin.inactive"}
