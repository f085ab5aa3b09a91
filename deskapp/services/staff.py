"""Staff and sign-in: work numbers, roles, PINs, and the wrong-PIN lock."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from pydantic import SecretStr

from deskapp.domain.enums import Role
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.permissions import Permission
from deskapp.services.desk import Actor, Desk
from deskapp.services.pins import (
    DUMMY_HASH,
    canonical_pin,
    hash_pin,
    reveal,
    secret_pin,
    verify_pin,
)
from deskapp.store.models import SigninGuard, Staff

WORK_NO = re.compile(r"[A-Za-z0-9]{2,16}")


def actor_of(staff: Staff) -> Actor:
    return Actor(id=staff.id, work_no=staff.work_no, name=staff.name, role=Role(staff.role))


def check_pin_format(desk: Desk, pin: SecretStr | str, field: str = "pin") -> FieldError | None:
    rules = desk.refdata.settings.signin
    digits = canonical_pin(reveal(pin))  # ASCII digits only: str.isdigit() also passes "²" and "٣"
    if not (digits.isascii() and digits.isdigit()) or not (
        rules.pin_min_length <= len(digits) <= rules.pin_max_length
    ):
        return FieldError(
            field, "error.pin.format", {"min": rules.pin_min_length, "max": rules.pin_max_length}
        )
    return None


def add_staff(
    desk: Desk, actor_id: str, work_no: str, name: str, role: Role, pin: SecretStr | str
) -> Staff:
    pin = secret_pin(pin)
    work_no, name = work_no.strip(), name.strip()
    errors: list[FieldError] = []
    if not WORK_NO.fullmatch(work_no):
        errors.append(FieldError("work_no", "error.work_no.format"))
    if not name or len(name) > 40:
        errors.append(
            FieldError(
                "name",
                "error.required" if not name else "error.text.too_long",
                {"max": 40, "length": len(name)},
            )
        )
    if pin_error := check_pin_format(desk, pin):
        errors.append(pin_error)
    if errors:
        raise RuleViolation(errors)
    with desk.write(actor_id) as session:
        if session.scalar(sa.select(Staff.id).where(Staff.work_no == work_no)):
            raise RuleViolation.single("work_no", "error.work_no.taken", work_no=work_no)
        staff = Staff(
            work_no=work_no,
            name=name,
            role=role.value,
            pin_hash=hash_pin(pin),
            created_at=desk.clock.now(),
            created_by=actor_id,
        )
        session.add(staff)
    return staff


def list_staff(desk: Desk, *, active_only: bool = True) -> list[Staff]:
    with desk.read() as session:
        query = sa.select(Staff).order_by(Staff.work_no)
        if active_only:
            query = query.where(Staff.active.is_(True))
        return list(session.scalars(query))


def sign_in(desk: Desk, work_no: str, pin: SecretStr | str) -> Actor:
    """The signed-in actor, or RuleViolation: wrong PIN (with tries left), locked, inactive.

    Five wrong PINs (hall.toml) lock the work number for five minutes. The count lives in the
    database, so restarting the desk does not reset it."""
    pin = secret_pin(pin)  # from here on its repr (and any traceback) shows **********
    rules = desk.refdata.settings.signin
    work_no = canonical_pin(work_no).strip()  # (NFKC too: "１００１" typed in full width)
    now = desk.clock.now()
    with desk.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        guard = session.get(SigninGuard, work_no) or SigninGuard(work_no=work_no)
        if guard.locked_until is not None and guard.locked_until > now:
            minutes = max(1, -(-int((guard.locked_until - now).total_seconds()) // 60))
            raise RuleViolation.single("pin", "error.signin.locked", minutes=minutes)
        staff = session.scalars(sa.select(Staff).where(Staff.work_no == work_no)).first()
        pin_ok = verify_pin(pin, staff.pin_hash if staff else DUMMY_HASH)
        if staff is not None and pin_ok:
            if not staff.active:
                raise RuleViolation.single("work_no", "error.signin.inactive")
            if guard.failures or guard.locked_until:
                guard.failures, guard.locked_until = 0, None
                session.merge(guard)
                session.commit()
            return actor_of(staff)
        guard.failures += 1
        if guard.failures >= rules.max_failures:
            guard.failures = 0
            guard.locked_until = now + timedelta(minutes=rules.lock_minutes)
            session.merge(guard)
            session.commit()
            raise RuleViolation.single("pin", "error.signin.locked", minutes=rules.lock_minutes)
        session.merge(guard)
        session.commit()
        raise RuleViolation.single(
            "pin", "error.signin.wrong", left=rules.max_failures - guard.failures
        )


def verify_manager(
    desk: Desk, work_no: str, pin: SecretStr | str, field: str = "approver"
) -> Actor:
    """A duty or hall manager confirming an action with their own PIN (counts toward the lock)."""
    actor = sign_in(desk, work_no, pin)
    from deskapp.services.audit import enforce

    enforce(desk, actor, Permission.APPROVE_REFUND_BEYOND_RULE, field,
            key="error.approval.not_manager")  # fmt: skip
    return actor
