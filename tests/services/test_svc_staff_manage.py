"""Staff management (员工管理) belongs to the hall manager, enforced in services/staff.py: every
operation, for every role, through the service; refusals audited, nothing written; the rules
that keep a hall manager; the first member of an empty store."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from svc_forms import PINS, staffed_desk

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Role
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import MATRIX, Permission, PermissionRefused
from deskapp.services import staff as staff_service
from deskapp.services.desk import Actor, Desk
from deskapp.services.staff import (
    actor_of,
    add_first_hall_manager,
    add_staff,
    authorize_manager,
    change_role,
    list_staff,
    reset_pin,
    seed_staff,
    set_active,
    sign_in,
    signin_events,
    unlock,
)
from deskapp.store.models import ChangeLog, Refusal, Staff

BY_ROLE = {Role.HANDLER: "1002", Role.DUTY_MANAGER: "2001", Role.HALL_MANAGER: "3001"}


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def actors(desk: Desk) -> dict[str, Actor]:
    return {s.work_no: actor_of(s) for s in list_staff(desk, active_only=False)}


def member(desk: Desk, work_no: str) -> Staff:
    return next(s for s in list_staff(desk, active_only=False) if s.work_no == work_no)


def lock(desk: Desk, work_no: str) -> None:
    for _ in range(5):
        with pytest.raises(RuleViolation):
            sign_in(desk, work_no, "0000")


# Every staff-management operation: name -> (call as `actor`, what it is on, its effect seen).
def _add(desk: Desk, actor: Actor) -> Any:
    return add_staff(desk, actor, "5001", "新同事", Role.HANDLER, "5555")


def _role(desk: Desk, actor: Actor) -> Any:
    return change_role(desk, actor, member(desk, "1001").id, Role.DUTY_MANAGER)


def _deactivate(desk: Desk, actor: Actor) -> Any:
    return set_active(desk, actor, member(desk, "1001").id, False)


def _reset(desk: Desk, actor: Actor) -> Any:
    return reset_pin(desk, actor, member(desk, "1001").id, "246810")


def _unlock(desk: Desk, actor: Actor) -> Any:
    return unlock(desk, actor, "1001")


OPERATIONS: dict[str, tuple[Callable[[Desk, Actor], Any], str, Callable[[Desk], bool]]] = {
    "add_staff": (_add, "5001", lambda d: any(s.work_no == "5001" for s in list_staff(d))),
    "change_role": (_role, "1001", lambda d: member(d, "1001").role == "duty_manager"),
    "set_active": (_deactivate, "1001", lambda d: not member(d, "1001").active),
    "reset_pin": (_reset, "1001", lambda d: sign_in(d, "1001", "246810").work_no == "1001"),
    "unlock": (_unlock, "1001", lambda d: sign_in(d, "1001", PINS["1001"]).work_no == "1001"),
}


def test_every_management_operation_of_the_service_is_walked() -> None:
    """Generated from staff.py: every public function taking a signed-in `actor`."""
    found = {
        name
        for name, fn in inspect.getmembers(staff_service, inspect.isfunction)
        if fn.__module__ == staff_service.__name__
        and not name.startswith("_")
        and "actor" in inspect.signature(fn).parameters
    }
    assert found == set(OPERATIONS)


def _holds(done: Callable[[Desk], bool], desk: Desk) -> bool:
    try:
        return done(desk)
    except RuleViolation:  # the old PIN still works / the lock is still on
        return False


def _log(desk: Desk, entity: str) -> list[ChangeLog]:
    with desk.read() as s:
        return list(s.scalars(sa.select(ChangeLog).where(ChangeLog.entity == entity)))


def _refusals(desk: Desk) -> list[Refusal]:
    with desk.read() as s:
        return list(s.scalars(sa.select(Refusal)))


@pytest.mark.parametrize("role", list(BY_ROLE))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_staff_management_is_the_hall_managers_for_every_operation(
    desk: Desk, role: Role, operation: str
) -> None:
    call, subject, done = OPERATIONS[operation]
    if operation == "unlock":
        lock(desk, "1001")
    actor = actors(desk)[BY_ROLE[role]]
    staff_log, signin_log = len(_log(desk, "staff")), len(_log(desk, "signin_event"))
    if Permission.MANAGE_STAFF in MATRIX[role]:
        call(desk, actor)
        assert not _refusals(desk)
        assert done(desk)
        written = [r for r in _log(desk, "staff") + _log(desk, "signin_event")]
        assert actor.id in {r.actor_id for r in written}  # logged as theirs, synchronized
        return
    with pytest.raises(PermissionRefused) as refused:
        call(desk, actor)
    assert refused.value.errors[0].field == "actor"
    [entry] = _refusals(desk)
    assert (entry.actor_id, entry.permission, entry.subject) == (
        actor.id, "manage_staff", subject)  # fmt: skip
    # Nothing written: no staff change, no unlock.
    assert len(_log(desk, "staff")) == staff_log
    assert len(_log(desk, "signin_event")) == signin_log
    assert not _holds(done, desk)


def test_a_role_lost_since_signing_in_counts(desk: Desk, clock: FrozenClock) -> None:
    """The hall manager's session outlives their demotion (here, or synchronized from another
    terminal): the service checks the role the store holds now."""
    hm = actors(desk)["3001"]
    second = add_staff(desk, hm, "3002", "第二厅经理", Role.HALL_MANAGER, "3333")
    change_role(desk, actor_of(second), hm.id, Role.HANDLER)
    with pytest.raises(PermissionRefused):
        add_staff(desk, hm, "5001", "新同事", Role.HANDLER, "5555")  # hm: the old snapshot
    assert "5001" not in {s.work_no for s in list_staff(desk)}
    set_active(desk, actor_of(second), hm.id, False)
    with pytest.raises(PermissionRefused):
        reset_pin(desk, hm, hm.id, "123456")


@pytest.mark.parametrize("how", ["deactivate", "demote"])
def test_the_last_active_hall_manager_stays(desk: Desk, how: str) -> None:
    hm = actors(desk)["3001"]
    with pytest.raises(RuleViolation) as refused:
        if how == "deactivate":
            set_active(desk, hm, hm.id, False)
        else:
            change_role(desk, hm, hm.id, Role.DUTY_MANAGER)
    assert refused.value.keys() == {"error.staff.last_hall_manager"}
    assert member(desk, "3001").active and member(desk, "3001").role == "hall_manager"


def test_a_deactivated_member_cannot_sign_in_and_can_be_reactivated(desk: Desk) -> None:
    hm = actors(desk)["3001"]
    set_active(desk, hm, member(desk, "1002").id, False)
    with pytest.raises(RuleViolation) as refused:
        sign_in(desk, "1002", PINS["1002"])
    assert refused.value.keys() == {"error.signin.inactive"}
    with pytest.raises(RuleViolation) as again:
        set_active(desk, hm, member(desk, "1002").id, False)
    assert again.value.keys() == {"error.staff.active_unchanged"}
    set_active(desk, hm, member(desk, "1002").id, True)
    assert sign_in(desk, "1002", PINS["1002"]).work_no == "1002"


def test_a_reset_pin_replaces_the_old_one_and_is_checked(desk: Desk) -> None:
    hm = actors(desk)["3001"]
    with pytest.raises(RuleViolation) as bad:
        reset_pin(desk, hm, member(desk, "1001").id, "12")
    assert bad.value.keys() == {"error.pin.format"}
    reset_pin(desk, hm, member(desk, "1001").id, "246810")
    with pytest.raises(RuleViolation):
        sign_in(desk, "1001", PINS["1001"])
    assert sign_in(desk, "1001", "246810").work_no == "1001"


def test_unlock_ends_a_lock_and_is_listed(desk: Desk, clock: FrozenClock) -> None:
    hm = actors(desk)["3001"]
    with pytest.raises(RuleViolation) as nothing:
        unlock(desk, hm, "1001")
    assert nothing.value.keys() == {"error.staff.not_locked"}
    lock(desk, "1001")
    clock.advance(timedelta(minutes=1))
    unlock(desk, hm, "1001")
    assert sign_in(desk, "1001", PINS["1001"]).work_no == "1001"
    listed = signin_events(desk, clock.now() - timedelta(hours=1))
    assert [(e.kind, e.reason) for e in listed][:2] == [("cleared", "unlocked"), ("locked", "")]
    assert [e.kind for e in listed].count("failed") == 5


def test_the_first_member_of_an_empty_store_only(bare_desk: Desk) -> None:
    from deskapp.services.terminal import init_terminal

    init_terminal(bare_desk, "GZ01", "T05", "Asia/Shanghai")
    first = add_first_hall_manager(bare_desk, "system:cli", "3001", "陈静", "9999")
    assert first.role == "hall_manager"
    for attempt in (
        lambda: add_first_hall_manager(bare_desk, "system:cli", "3002", "冒名", "1234"),
        lambda: seed_staff(bare_desk, "system:cli", [("1009", "冒名", Role.HALL_MANAGER, "1234")]),
    ):
        with pytest.raises(RuleViolation) as refused:
            attempt()
        assert refused.value.keys() == {"error.staff.not_empty"}
    assert [s.work_no for s in list_staff(bare_desk)] == ["3001"]


@pytest.mark.parametrize("role", list(BY_ROLE))
def test_authorizing_outside_the_desk_takes_a_hall_managers_pin(desk: Desk, role: Role) -> None:
    work_no = BY_ROLE[role]
    with pytest.raises(RuleViolation) as wrong:
        authorize_manager(desk, work_no, "0000")
    assert wrong.value.keys() == {"error.signin.wrong"}
    if role is Role.HALL_MANAGER:
        assert authorize_manager(desk, work_no, PINS[work_no]).work_no == work_no
        assert not _refusals(desk)
    else:
        with pytest.raises(PermissionRefused):
            authorize_manager(desk, work_no, PINS[work_no])
        [entry] = _refusals(desk)
        assert entry.permission == "manage_staff"
