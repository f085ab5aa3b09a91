"""The whole roles × permissions matrix: the documented table equals the code, and every
service that enforces a permission refuses exactly the roles the matrix says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deskapp.domain.actor import Actor
from deskapp.domain.enums import Role
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import MATRIX, Permission, allowed, require
from deskapp.i18n import error_text

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROLES = [Role.HANDLER, Role.DUTY_MANAGER, Role.HALL_MANAGER]


def _actor(role: Role) -> Actor:
    return Actor(id=f"id-{role.value}", work_no="9999", name="测试", role=role)


def test_the_documented_table_is_the_matrix() -> None:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| (\w+) [^|]*\|(.+)\|\s*$", line)
        if m and m.group(1) in Permission.__members__.values():
            cells = [c.strip() for c in m.group(2).split("|")]
            marks = zip(ROLES, cells, strict=True)
            rows[Permission(m.group(1))] = {role: cell == "✓" for role, cell in marks}
    assert set(rows) == set(Permission)
    for permission, by_role in rows.items():
        for role, ok in by_role.items():
            assert allowed(_actor(role), permission) is ok, (permission, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", list(Permission))
def test_require_refuses_in_words_exactly_outside_the_matrix(
    role: Role, permission: Permission
) -> None:
    actor = _actor(role)
    if permission in MATRIX[role]:
        require(actor, permission)
        return
    with pytest.raises(RuleViolation) as refused:
        require(actor, permission)
    text = error_text(refused.value.errors[0])
    assert "无权" in text and "{" not in text


def test_every_permission_is_held_by_someone() -> None:
    for permission in Permission:
        assert any(permission in MATRIX[role] for role in ROLES)


# ------------------------------------------------------------ through the services

PINS = {"1001": "1111", "1002": "2222", "2001": "8888", "3001": "9999"}
BY_ROLE = {Role.HANDLER: "1002", Role.DUTY_MANAGER: "2001", Role.HALL_MANAGER: "3001"}


def _open_ticket(desk, handler):
    from deskapp.services.intake import IntakeForm, take_complaint

    return take_complaint(desk, handler, IntakeForm(
        customer_name="王先生", contact_phone="13912345678", content="信号差",
        demand="修复", cause_code=desk.refdata.causes.intake_paths()[0].code,
        promised_reply_at="2026-11-25 10:00",
    ))  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_refund_beyond_the_rule_needs_an_approver_allowed_by_the_matrix(
    desk,
    handler,
    role: Role,
) -> None:
    from deskapp.services.staff import verify_manager

    work_no = BY_ROLE[role]
    if Permission.APPROVE_REFUND_BEYOND_RULE in MATRIX[role]:
        assert verify_manager(desk, work_no, PINS[work_no]).work_no == work_no
    else:
        with pytest.raises(RuleViolation):
            verify_manager(desk, work_no, PINS[work_no])


@pytest.mark.parametrize("role", ROLES)
def test_filing_a_handover_follows_the_matrix(desk, actors, role: Role) -> None:
    from deskapp.services import shifts

    outgoing, incoming = actors["1001"], actors["1002"]
    _open_ticket(desk, outgoing)
    shifts.open_shift(desk, outgoing)
    notes = {i.complaint_id: "明天回复" for i in shifts.open_items(desk, outgoing)}
    shift = shifts.close_shift(desk, outgoing, notes, "交接说明")
    shifts.acknowledge(desk, shift.id, incoming.work_no, PINS[incoming.work_no])
    work_no = BY_ROLE[role] if role is not Role.HANDLER else "1001"
    if Permission.FILE_HANDOVER in MATRIX[role]:
        assert shifts.file_handover(desk, shift.id, work_no, PINS[work_no]).status == "filed"
    else:
        with pytest.raises(RuleViolation):
            shifts.file_handover(desk, shift.id, work_no, PINS[work_no])


@pytest.mark.parametrize("role", ROLES)
def test_reassigning_someone_elses_ticket_follows_the_matrix(
    desk,
    actors,
    role: Role,
) -> None:
    from deskapp.services import followup

    ticket = _open_ticket(desk, actors["1001"])  # 1001's ticket; the actor is someone else
    actor, target = actors[BY_ROLE[role]], actors["1002"]

    def call():
        return followup.reassign(desk, actor, ticket.id, to_staff_id=target.id, note="转派")

    if Permission.REASSIGN_ANY in MATRIX[role]:
        assert call().complaint.owner_id == target.id
    else:
        with pytest.raises(RuleViolation):
            call()


def test_a_handler_may_pass_on_their_own_ticket(desk, actors) -> None:
    from deskapp.services import followup

    ticket = _open_ticket(desk, actors["1001"])
    result = followup.reassign(
        desk, actors["1001"], ticket.id, to_staff_id=actors["1002"].id, note="下午请假"
    )
    assert result.complaint.owner_id == actors["1002"].id
    assert result.complaint.first_responder_id == actors["1001"].id
