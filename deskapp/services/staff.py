"""Staff and sign-in: work numbers, roles, PINs, and the wrong-PIN lock."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.clean_input import check_clean
from deskapp.domain.enums import Role
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.permissions import Permission, require
from deskapp.domain.work_no import WORK_NO
from deskapp.services.client_limit import take_pin_check
from deskapp.services.desk import Actor, Desk
from deskapp.services.pins import (
    DUMMY_HASH,
    canonical_pin,
    hash_pin,
    reveal,
    secret_pin,
    verify_pin,
)
from deskapp.store.models import SigninEvent, Staff


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


def _check_new_member(desk: Desk, work_no: str, name: str, pin: SecretStr | str) -> tuple[str, str]:
    work_no, name = work_no.strip(), name.strip()
    errors: list[FieldError] = []
    if not WORK_NO.fullmatch(work_no):
        errors.append(FieldError("work_no", "error.work_no.format"))
    if name_error := check_text("name", name, required=True, max_len=40):
        errors.append(name_error)
    if pin_error := check_pin_format(desk, pin):
        errors.append(pin_error)
    if errors:
        raise RuleViolation(errors)
    return work_no, name


def _insert_member(
    session: Session,
    desk: Desk,
    by: str,
    work_no: str,
    name: str,
    role: Role,
    pin: SecretStr | str,
) -> Staff:
    if session.scalar(sa.select(col(Staff.id)).where(col(Staff.work_no) == work_no)):
        raise RuleViolation.single("work_no", "error.work_no.taken", work_no=work_no)
    staff = Staff(
        work_no=work_no,
        name=name,
        role=role.value,
        pin_hash=hash_pin(pin),
        created_at=desk.clock.now(),
        created_by=by,
    )
    session.add(staff)
    return staff


def _manager(session: Session, desk: Desk, actor: Actor, subject: str) -> Actor:
    """The actor as the store knows them now, refused unless a hall manager (audited). A
    role changed or a member deactivated since they signed in (here or, once synchronized,
    on another terminal) counts, not the role they signed in with."""
    staff = session.get(Staff, actor.id)
    current = actor_of(staff) if staff is not None and staff.active else None
    if current is None:
        current = Actor(id=actor.id, work_no=actor.work_no, name=actor.name, role=Role.HANDLER)
    require(current, Permission.MANAGE_STAFF, "actor", subject=subject)  # Desk.write audits
    return current


def add_staff(
    desk: Desk, actor: Actor, work_no: str, name: str, role: Role, pin: SecretStr | str
) -> Staff:
    """A new member, added by a hall manager (员工管理 is theirs alone: docs/permissions.md)."""
    pin = secret_pin(pin)
    work_no, name = _check_new_member(desk, work_no, name, pin)
    with desk.write(actor.id) as session:
        _manager(session, desk, actor, work_no)
        staff = _insert_member(session, desk, actor.id, work_no, name, role, pin)
    return staff


def seed_staff(desk: Desk, by: str, members: Iterable[tuple[str, str, Role, str]]) -> list[Staff]:
    """The first members of an empty store, added by tooling (`by`: the demo, the tests, the
    benchmarks) in one transaction: nobody could approve them. Refused once the store has any
    member: from then on a hall manager adds the others (`add_staff`)."""
    checked = [(*_check_new_member(desk, w, n, p), r, p) for w, n, r, p in members]
    with desk.write(by) as session:
        if session.scalar(sa.select(col(Staff.id)).limit(1)) is not None:
            raise RuleViolation.single("actor", "error.staff.not_empty")
        added = [_insert_member(session, desk, by, w, n, r, p) for w, n, r, p in checked]
    return added


def add_first_hall_manager(desk: Desk, by: str, work_no: str, name: str, pin: str) -> Staff:
    """The very first member of an empty store, a hall manager (`deskapp staff add` with no
    one to approve it); refused once the store has any member."""
    return seed_staff(desk, by, [(work_no, name, Role.HALL_MANAGER, pin)])[0]


def _member(session: Session, staff_id: str) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise RuleViolation.single("staff", "error.staff.unknown_member")
    return staff


def _keep_a_hall_manager(session: Session, staff: Staff) -> None:
    """Refuse to leave the hall without an active hall manager: nobody could manage staff.
    Only one who can sign in counts: a work number that lost a sync collision
    (`<work_no>~<id>`, deskapp/sync/unique.py) is active but nobody can sign in as it."""
    others = session.scalars(
        sa.select(col(Staff.work_no)).where(
            col(Staff.role) == Role.HALL_MANAGER.value,
            col(Staff.active).is_(True),
            col(Staff.id) != staff.id,
        )
    )
    if not any(WORK_NO.fullmatch(work_no) for work_no in others):
        raise RuleViolation.single("staff", "error.staff.last_hall_manager")


def change_role(desk: Desk, actor: Actor, staff_id: str, role: Role) -> Staff:
    with desk.write(actor.id) as session:
        staff = _member(session, staff_id)
        _manager(session, desk, actor, staff.work_no)
        if staff.role == role.value:
            raise RuleViolation.single("role", "error.staff.role_unchanged")
        if staff.role == Role.HALL_MANAGER.value and staff.active:
            _keep_a_hall_manager(session, staff)
        staff.role = role.value
    return staff


def set_active(desk: Desk, actor: Actor, staff_id: str, active: bool) -> Staff:
    """Deactivate (停用) or reactivate a member. A deactivated member cannot sign in, here
    and, once synchronized, on every terminal of the hall; their records keep their name."""
    with desk.write(actor.id) as session:
        staff = _member(session, staff_id)
        _manager(session, desk, actor, staff.work_no)
        if staff.active == active:
            raise RuleViolation.single("staff", "error.staff.active_unchanged")
        if not active and staff.role == Role.HALL_MANAGER.value:
            _keep_a_hall_manager(session, staff)
        staff.active = active
    return staff


def reset_pin(desk: Desk, actor: Actor, staff_id: str, pin: str) -> Staff:
    """A new PIN for a member who forgot theirs (the hall manager tells them in person)."""
    if pin_error := check_pin_format(desk, pin):
        raise RuleViolation([pin_error])
    with desk.write(actor.id) as session:
        staff = _member(session, staff_id)
        _manager(session, desk, actor, staff.work_no)
        staff.pin_hash = hash_pin(pin)
    return staff


def unlock(desk: Desk, actor: Actor, work_no: str) -> None:
    """End a work number's lock (and its count of wrong PINs) before its time, hall-wide once
    synchronized: a `cleared` sign-in event."""
    work_no = canonical_pin(work_no).strip()
    terminal = desk.terminal()
    with desk.write(actor.id) as session:
        _manager(session, desk, actor, work_no)
        state = _signin_state(session, desk, work_no)
        if not state.failures and state.locked_until is None:
            raise RuleViolation.single("staff", "error.staff.not_locked")
        session.add(SigninEvent(
            work_no=work_no, kind=CLEARED, reason="unlocked", at=desk.clock.now(),
            actor_id=actor.id, hall_code=terminal.hall_code, terminal_code=terminal.terminal_code,
        ))  # fmt: skip


def authorize_manager(desk: Desk, work_no: str, pin: str, *, subject: str = "") -> Actor:
    """A hall manager proving who they are for staff management outside the desk (the CLI):
    their PIN (counts toward the lock), then the matrix (a refusal is audited, with `subject`:
    the work number the refused change was for, as the service's own refusal records it)."""
    from deskapp.services.audit import enforce

    actor = sign_in(desk, work_no, pin)
    enforce(desk, actor, Permission.MANAGE_STAFF, "work_no", key="error.staff.not_hall_manager",
            subject=subject)  # fmt: skip
    return actor


def list_staff(desk: Desk, *, active_only: bool = True) -> list[Staff]:
    with desk.read() as session:
        query = sa.select(Staff).order_by(col(Staff.work_no))
        if active_only:
            query = query.where(col(Staff.active).is_(True))
        return list(session.scalars(query))


def has_staff(desk: Desk) -> bool:
    """Whether anyone can sign in here at all (a new terminal has no staff until it syncs)."""
    with desk.read() as session:
        return session.scalars(sa.select(col(Staff.id)).limit(1)).first() is not None


# ------------------------------------------------------------------ sign-in and the lock

FAILED, LOCKED, CLEARED = "failed", "locked", "cleared"
SIGNIN_ACTOR_ID = "system:signin"


@dataclass(frozen=True)
class SigninState:
    failures: int  # wrong PINs counting toward the next lock
    locked_until: datetime | None
    lock_recorded: bool  # a `locked` row already says so (the audit needs one per lock)


# The events of a known work number (stored) or of an unknown one (this terminal's memory).
E = TypeVar("E", "SigninEvent", "_LocalEvent")


def signin_state(events: list[E], max_failures: int, lock: timedelta) -> SigninState:
    """The lock of one work number from its sign-in events, whichever terminals wrote them:
    in time order, a `cleared` ends the count, every `max_failures`-th wrong PIN starts a lock
    of `lock` from its own moment. Rows merge by set union, so every terminal that holds the
    same rows derives the same state."""
    count, locked_until, started, recorded = 0, None, None, False
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        if event.kind == CLEARED:
            count, locked_until, started, recorded = 0, None, None, False
        elif event.kind == FAILED:
            count += 1
            if count >= max_failures:
                count, started, recorded = 0, event.at, False
                ends = event.at + lock
                locked_until = ends if locked_until is None else max(locked_until, ends)
        elif event.kind == LOCKED and started is not None and event.at >= started:
            recorded = True
    return SigninState(count, locked_until, recorded)


def _signin_state(session: Session, desk: Desk, work_no: str) -> SigninState:
    rules = desk.refdata.settings.signin
    last_cleared = (
        sa.select(sa.func.max(col(SigninEvent.at)))
        .where(col(SigninEvent.work_no) == work_no, col(SigninEvent.kind) == CLEARED)
        .scalar_subquery()
    )
    events = list(session.scalars(
        sa.select(SigninEvent).where(
            col(SigninEvent.work_no) == work_no,
            sa.or_(last_cleared.is_(None), col(SigninEvent.at) >= last_cleared),
        )
    ))  # fmt: skip
    return signin_state(events, rules.max_failures, timedelta(minutes=rules.lock_minutes))


@dataclass(frozen=True)
class _LocalEvent:
    """A wrong PIN for a work number nobody has, kept in this terminal's memory only."""

    at: datetime
    id: int
    kind: str


# Wrong PINs of unknown work numbers, by store and work number: never written, because what
# was typed there may be a PIN (a fast typist's lost Tab: "10011111"), and a stored row
# synchronizes to the hall. The answer and the local lock are the same as for a real one.
_UNKNOWN_FAILURES: dict[tuple[str, str], list[_LocalEvent]] = {}
_UNKNOWN_LOCK = threading.Lock()
_UNKNOWN_KEPT = 1000  # work numbers remembered at most (the oldest forgotten first)


def _refuse_unknown(desk: Desk, work_no: str, now: datetime) -> RuleViolation:
    rules = desk.refdata.settings.signin
    key = (str(desk.engine.url), work_no)
    with _UNKNOWN_LOCK:
        events = _UNKNOWN_FAILURES.pop(key, [])
        _UNKNOWN_FAILURES[key] = events  # the most recent last
        while len(_UNKNOWN_FAILURES) > _UNKNOWN_KEPT:
            del _UNKNOWN_FAILURES[next(iter(_UNKNOWN_FAILURES))]
        lock = timedelta(minutes=rules.lock_minutes)
        state = signin_state(events, rules.max_failures, lock)
        if state.locked_until is not None and state.locked_until > now:
            minutes = max(1, -(-int((state.locked_until - now).total_seconds()) // 60))
            return RuleViolation.single("pin", "error.signin.locked", minutes=minutes)
        events.append(_LocalEvent(now, len(events), FAILED))
        if state.failures + 1 >= rules.max_failures:
            return RuleViolation.single("pin", "error.signin.locked", minutes=rules.lock_minutes)
        left = rules.max_failures - state.failures - 1
        return RuleViolation.single("pin", "error.signin.wrong", left=left)


def _is_staff(desk: Desk, work_no: str) -> bool:
    with desk.read() as session:
        found = session.scalars(
            sa.select(col(Staff.id)).where(col(Staff.work_no) == work_no)
        ).first()
        return found is not None


class LockedByWrongPin(RuleViolation):
    """The wrong PIN that reached the limit: said as a lock, but it was a wrong PIN (an
    approval's audit records it as one)."""


def sign_in(desk: Desk, work_no: str, pin: SecretStr | str) -> Actor:
    """The signed-in actor, or RuleViolation: wrong PIN (with tries left), locked, inactive.

    Five wrong PINs (hall.toml) lock the work number for five minutes. Each wrong PIN, each
    lock and the end of a count are `signin_event` rows: kept in the store (a restart resets
    nothing), audited, and synchronized, so wrong PINs typed at different terminals of the
    hall add up once the terminals have synchronized. A desk served to a browser also limits
    PIN checks per browser client (services/client_limit.py)."""
    take_pin_check()
    pin = secret_pin(pin)  # from here on its repr (and any traceback) shows **********
    rules = desk.refdata.settings.signin
    work_no = canonical_pin(work_no).strip()  # (NFKC too: "１００１" typed in full width)
    if clean_error := check_clean("work_no", work_no):
        raise RuleViolation([clean_error])  # (a lone surrogate cannot even be looked up)
    if not WORK_NO.fullmatch(work_no):  # no such work number can exist: nothing to count
        verify_pin(pin, DUMMY_HASH)  # the same time as any other answer
        raise RuleViolation.single("pin", "error.signin.wrong", left=rules.max_failures)
    now = desk.clock.now()
    if not has_staff(desk) and not desk.is_initialised():
        # No terminal identity: `init` first (a join, sync, refuses such a store).
        raise RuleViolation.single(
            "work_no", "error.signin.not_initialised", command=desk.init_command()
        )
    if not has_staff(desk):
        # A terminal that never synchronized: no PIN can be right yet, and counting the
        # attempt would lock the real owner of the work number out once the staff arrive.
        raise RuleViolation.single("work_no", "error.signin.no_staff", command=desk.join_command())
    if not _is_staff(desk, work_no):  # counted here only, never stored (see _refuse_unknown)
        verify_pin(pin, DUMMY_HASH)  # the same time as any other answer
        raise _refuse_unknown(desk, work_no, now)
    terminal = desk.terminal()

    def event(kind: str, reason: str = "", actor_id: str = "") -> SigninEvent:
        return SigninEvent(
            work_no=work_no, kind=kind, reason=reason, at=now, actor_id=actor_id,
            hall_code=terminal.hall_code, terminal_code=terminal.terminal_code,
        )  # fmt: skip

    refusal: RuleViolation | None = None
    signed_in: Actor | None = None
    with desk.write(SIGNIN_ACTOR_ID) as session:
        state = _signin_state(session, desk, work_no)
        if state.locked_until is not None and state.locked_until > now:
            if not state.lock_recorded:  # counted locked across terminals: say so once
                session.add(event(LOCKED))
            minutes = max(1, -(-int((state.locked_until - now).total_seconds()) // 60))
            refusal = RuleViolation.single("pin", "error.signin.locked", minutes=minutes)
        else:
            staff = session.scalars(sa.select(Staff).where(col(Staff.work_no) == work_no)).first()
            pin_ok = verify_pin(pin, staff.pin_hash if staff else DUMMY_HASH)
            if staff is not None and pin_ok:
                if not staff.active:
                    refusal = RuleViolation.single("work_no", "error.signin.inactive")
                else:
                    if state.failures or state.locked_until is not None:
                        session.add(event(CLEARED, "signed_in", staff.id))
                    signed_in = actor_of(staff)
            else:
                session.add(event(FAILED))
                if state.failures + 1 >= rules.max_failures:
                    session.add(event(LOCKED))
                    refusal = LockedByWrongPin.single(
                        "pin", "error.signin.locked", minutes=rules.lock_minutes
                    )
                else:
                    refusal = RuleViolation.single(
                        "pin", "error.signin.wrong", left=rules.max_failures - state.failures - 1
                    )
    if refusal is not None:
        raise refusal  # after the commit: the wrong PIN is counted
    assert signed_in is not None
    return signed_in


@dataclass(frozen=True)
class SigninEventView:
    at: datetime
    work_no: str
    name: str  # "" for a work number nobody has
    kind: str
    reason: str
    terminal: str


def signin_events(desk: Desk, since: datetime, limit: int = 200) -> list[SigninEventView]:
    """Wrong PINs, locks and unlocks since `since`, newest first, from every terminal that
    has synchronized (the hall manager's staff screen)."""
    with desk.read() as session:
        rows = session.execute(
            sa.select(SigninEvent, col(Staff.name))
            .outerjoin(Staff, col(Staff.work_no) == SigninEvent.work_no)
            .where(col(SigninEvent.at) >= since)
            .order_by(col(SigninEvent.at).desc(), col(SigninEvent.id).desc())
            .limit(limit)
        ).all()
    return [
        SigninEventView(e.at, e.work_no, name or "", e.kind, e.reason,
                        f"{e.hall_code}-{e.terminal_code}")
        for e, name in rows
    ]  # fmt: skip


def locked_work_numbers(desk: Desk) -> dict[str, datetime]:
    """Work numbers locked now, with the moment the lock ends."""
    now = desk.clock.now()
    recent = now - timedelta(minutes=desk.refdata.settings.signin.lock_minutes)
    with desk.read() as session:
        work_nos = session.scalars(  # a lock starts at a wrong PIN and lasts lock_minutes
            sa.select(col(SigninEvent.work_no))
            .where(col(SigninEvent.kind) == FAILED, col(SigninEvent.at) >= recent)
            .distinct()
        ).all()
        states = {w: _signin_state(session, desk, w) for w in work_nos}
    return {
        w: s.locked_until
        for w, s in sorted(states.items())
        if s.locked_until is not None and s.locked_until > now
    }


def verify_manager(
    desk: Desk,
    work_no: str,
    pin: SecretStr | str,
    field: str = "approver",
    permission: Permission = Permission.APPROVE_REFUND_BEYOND_RULE,
) -> Actor:
    """A duty or hall manager confirming an action with their own PIN (counts toward the lock);
    their role must hold `permission` (refused and audited otherwise)."""
    actor = sign_in(desk, work_no, pin)
    from deskapp.services.audit import enforce

    enforce(desk, actor, permission, field, key="error.approval.not_manager")
    return actor
