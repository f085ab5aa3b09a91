"""Staff and sign-in: adding staff, PIN hashing, the wrong-PIN lock and its persistence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from svc_forms import PINS, staffed_desk

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Role
from deskapp.domain.errors import RuleViolation
from deskapp.services.desk import Actor, Desk
from deskapp.services.pins import verify_pin
from deskapp.services.staff import actor_of, add_staff, list_staff, sign_in, verify_manager
from deskapp.store.models import ChangeLog, SigninEvent, Staff


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    """As tests/conftest.py's `desk` (same calls, same state), copied from a template."""
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def change_count(desk: Desk) -> int:
    with desk.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(ChangeLog))


def hall_manager(desk: Desk) -> Actor:
    return next(actor_of(s) for s in list_staff(desk) if s.role == Role.HALL_MANAGER)


def refusal(desk: Desk, work_no: str, pin: str) -> tuple[str, str, dict]:
    with pytest.raises(RuleViolation) as exc:
        sign_in(desk, work_no, pin)
    (error,) = exc.value.errors
    return error.field, error.key, error.params


# ------------------------------------------------------------------ adding staff


def test_added_staff_are_listed_with_roles_and_logged(desk: Desk) -> None:
    staff = list_staff(desk)
    assert [(s.work_no, s.name, s.role) for s in staff] == [
        ("1001", "张敏", "handler"),
        ("1002", "刘洋", "handler"),
        ("2001", "王芳", "duty_manager"),
        ("3001", "陈静", "hall_manager"),
    ]
    for s in staff:
        assert s.pin_hash.startswith("scrypt$")
        assert verify_pin(PINS[s.work_no], s.pin_hash)
        assert not verify_pin("0000", s.pin_hash)
    with desk.read() as session:
        logged = session.scalars(sa.select(ChangeLog).where(ChangeLog.entity == "staff")).all()
    assert sorted(r.entity_id for r in logged) == sorted(s.id for s in staff)
    assert {(r.op, r.actor_id) for r in logged} == {("insert", "system:test")}


def test_work_number_and_name_are_trimmed(desk: Desk) -> None:
    staff = add_staff(desk, hall_manager(desk), " 1003 ", " 赵丽 ", Role.HANDLER, "4321")
    assert (staff.work_no, staff.name) == ("1003", "赵丽")
    assert sign_in(desk, "1003", "4321").name == "赵丽"


@pytest.mark.parametrize(
    ("work_no", "name", "pin", "expected"),
    [
        ("1", "赵丽", "4321", {("work_no", "error.work_no.format")}),
        ("10 03", "赵丽", "4321", {("work_no", "error.work_no.format")}),
        ("1" * 17, "赵丽", "4321", {("work_no", "error.work_no.format")}),
        ("工号1", "赵丽", "4321", {("work_no", "error.work_no.format")}),
        ("1003", "", "4321", {("name", "error.required")}),
        ("1003", "   ", "4321", {("name", "error.required")}),
        ("1003", "字" * 41, "4321", {("name", "error.text.too_long")}),
        ("1003", "赵丽", "123", {("pin", "error.pin.format")}),
        ("1003", "赵丽", "1" * 13, {("pin", "error.pin.format")}),
        ("1003", "赵丽", "12a4", {("pin", "error.pin.format")}),
        ("1003", "赵丽", "", {("pin", "error.pin.format")}),
        (
            "x",
            "",
            "1",
            {
                ("work_no", "error.work_no.format"),
                ("name", "error.required"),
                ("pin", "error.pin.format"),
            },
        ),
    ],
)
def test_add_staff_validation(
    desk: Desk, work_no: str, name: str, pin: str, expected: set[tuple[str, str]]
) -> None:
    before = change_count(desk)
    with pytest.raises(RuleViolation) as exc:
        add_staff(desk, hall_manager(desk), work_no, name, Role.HANDLER, pin)
    assert {(e.field, e.key) for e in exc.value.errors} == expected
    assert change_count(desk) == before
    assert len(list_staff(desk)) == 4


def test_pin_length_limits_come_from_hall_settings(desk: Desk) -> None:
    with pytest.raises(RuleViolation) as exc:
        add_staff(desk, hall_manager(desk), "1003", "赵丽", Role.HANDLER, "12")
    assert exc.value.errors[0].params == {"min": 4, "max": 12}
    add_staff(desk, hall_manager(desk), "1003", "赵丽", Role.HANDLER, "1" * 12)
    add_staff(desk, hall_manager(desk), "1004", "钱多", Role.HANDLER, "1" * 4)


@pytest.mark.parametrize("work_no", ["1001", " 1001 "])
def test_duplicate_work_number_is_refused(desk: Desk, work_no: str) -> None:
    before = change_count(desk)
    with pytest.raises(RuleViolation) as exc:
        add_staff(desk, hall_manager(desk), work_no, "冒名", Role.HANDLER, "5555")
    assert {(e.field, e.key) for e in exc.value.errors} == {("work_no", "error.work_no.taken")}
    assert exc.value.errors[0].params == {"work_no": "1001"}
    assert change_count(desk) == before
    assert sign_in(desk, "1001", PINS["1001"]).name == "张敏"


def test_the_pin_is_never_stored_in_clear(desk: Desk, db_path: Path) -> None:
    pin = "739258146031"  # long and odd enough never to appear by chance
    add_staff(desk, hall_manager(desk), "7001", "测试员甲", Role.HANDLER, pin)
    sign_in(desk, "7001", pin)
    with pytest.raises(RuleViolation):
        sign_in(desk, "7001", pin[::-1])

    def store_bytes() -> bytes:  # the database with its WAL and shared-memory files
        files = [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]
        return b"".join(p.read_bytes() for p in files)

    live = store_bytes()
    desk.engine.dispose()  # the last close checkpoints the WAL into the main file
    for content in (live, store_bytes()):
        assert "测试员甲".encode() in content  # we are reading the right bytes
        for typed in (pin, pin[::-1]):
            assert typed.encode() not in content
            assert typed.encode("utf-16-le") not in content
    with desk.read() as s:
        stored = s.scalar(sa.select(Staff.pin_hash).where(Staff.work_no == "7001"))
    assert stored is not None and pin not in stored


# ------------------------------------------------------------------ signing in


def test_sign_in_returns_the_actor(desk: Desk, actors: dict[str, Actor]) -> None:
    actor = sign_in(desk, " 2001 ", PINS["2001"])
    assert actor == actors["2001"]
    assert actor.role is Role.DUTY_MANAGER and actor.is_manager
    assert not sign_in(desk, "1001", PINS["1001"]).is_manager


def test_wrong_pins_count_down_then_lock_for_five_minutes(desk: Desk) -> None:
    lefts = [refusal(desk, "1001", "0000") for _ in range(4)]
    assert lefts == [("pin", "error.signin.wrong", {"left": n}) for n in (4, 3, 2, 1)]
    assert refusal(desk, "1001", "0000") == ("pin", "error.signin.locked", {"minutes": 5})
    # Locked: even the right PIN is refused, and the other staff are not affected.
    assert refusal(desk, "1001", PINS["1001"]) == ("pin", "error.signin.locked", {"minutes": 5})
    assert sign_in(desk, "1002", PINS["1002"]).work_no == "1002"


def test_the_lock_survives_closing_and_reopening_the_desk(
    desk: Desk, db_path: Path, clock: FrozenClock
) -> None:
    for _ in range(5):
        with pytest.raises(RuleViolation):
            sign_in(desk, "1001", "0000")
    desk.close()
    reopened = Desk.open(db_path, clock=clock)
    try:
        assert refusal(reopened, "1001", PINS["1001"])[1] == "error.signin.locked"
        clock.advance(timedelta(minutes=5))
        assert sign_in(reopened, "1001", PINS["1001"]).work_no == "1001"
    finally:
        reopened.close()


def test_the_failure_count_survives_reopening_too(
    desk: Desk, db_path: Path, clock: FrozenClock
) -> None:
    for _ in range(3):
        with pytest.raises(RuleViolation):
            sign_in(desk, "1001", "0000")
    desk.close()
    reopened = Desk.open(db_path, clock=clock)
    try:
        assert refusal(reopened, "1001", "0000") == ("pin", "error.signin.wrong", {"left": 1})
    finally:
        reopened.close()


def test_the_lock_expires_after_five_minutes(desk: Desk, clock: FrozenClock) -> None:
    for _ in range(5):
        with pytest.raises(RuleViolation):
            sign_in(desk, "1001", "0000")
    clock.advance(timedelta(minutes=2))
    assert refusal(desk, "1001", PINS["1001"]) == ("pin", "error.signin.locked", {"minutes": 3})
    clock.advance(timedelta(minutes=2, seconds=59))
    assert refusal(desk, "1001", PINS["1001"]) == ("pin", "error.signin.locked", {"minutes": 1})
    clock.advance(timedelta(seconds=1))
    assert sign_in(desk, "1001", PINS["1001"]).work_no == "1001"
    # A fresh start: the count begins again at five.
    assert refusal(desk, "1001", "0000") == ("pin", "error.signin.wrong", {"left": 4})


def test_a_wrong_pin_after_the_lock_expires_starts_a_new_count(
    desk: Desk, clock: FrozenClock
) -> None:
    for _ in range(5):
        with pytest.raises(RuleViolation):
            sign_in(desk, "1001", "0000")
    clock.advance(timedelta(minutes=5))
    assert refusal(desk, "1001", "0000") == ("pin", "error.signin.wrong", {"left": 4})


def test_a_right_pin_resets_the_count(desk: Desk) -> None:
    for _ in range(3):
        with pytest.raises(RuleViolation):
            sign_in(desk, "1001", "0000")
    sign_in(desk, "1001", PINS["1001"])
    assert refusal(desk, "1001", "0000") == ("pin", "error.signin.wrong", {"left": 4})
    with desk.read() as s:  # three wrong, cleared by the right PIN, one wrong
        kinds = s.scalars(sa.select(SigninEvent.kind).order_by(SigninEvent.id)).all()
    assert kinds == ["failed"] * 3 + ["cleared", "failed"]


def test_unknown_work_numbers_get_the_same_answer(desk: Desk) -> None:
    known = refusal(desk, "1001", "0000")
    unknown = refusal(desk, "9999", "0000")
    assert unknown == known == ("pin", "error.signin.wrong", {"left": 4})
    for _ in range(3):
        refusal(desk, "9999", "1234")
    assert refusal(desk, "9999", "1234") == ("pin", "error.signin.locked", {"minutes": 5})


def test_an_inactive_member_cannot_sign_in(desk: Desk, actors: dict[str, Actor]) -> None:
    with desk.write("system:test") as session:
        session.get(Staff, actors["1002"].id).active = False
    assert refusal(desk, "1002", PINS["1002"]) == ("work_no", "error.signin.inactive", {})
    assert "1002" not in {s.work_no for s in list_staff(desk)}
    assert "1002" in {s.work_no for s in list_staff(desk, active_only=False)}
    with pytest.raises(RuleViolation) as exc:  # and a wrong PIN still says only "wrong"
        sign_in(desk, "1002", "0000")
    assert exc.value.keys() == {"error.signin.wrong"}


def test_verify_manager(desk: Desk, actors: dict[str, Actor]) -> None:
    assert verify_manager(desk, "2001", PINS["2001"]) == actors["2001"]
    assert verify_manager(desk, "3001", PINS["3001"]) == actors["3001"]
    with pytest.raises(RuleViolation) as exc:
        verify_manager(desk, "1002", PINS["1002"])
    assert {(e.field, e.key) for e in exc.value.errors} == {
        ("approver", "error.approval.not_manager")
    }


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "scrypt$16384$8$1$onlyfive",
        "bcrypt$16384$8$1$Cual90e28LYl0hp5D9brKQ==$GfLeeiMaL7Pe2et9Ah6tCrbD1kSPvAR1T/1xtnJpU50=",
        "scrypt$abc$8$1$Cual90e28LYl0hp5D9brKQ==$GfLeeiMaL7Pe2et9Ah6tCrbD1kSPvAR1T/1xtnJpU50=",
        "scrypt$16384$8$1$not*base64$GfLeeiMaL7Pe2et9Ah6tCrbD1kSPvAR1T/1xtnJpU50=",
        "scrypt$1073741824$8$1$Cual90e28LYl0hp5D9brKQ==$GfLeeiMaL7Pe2et9Ah6tCrbD1kSPvAR1T/1xtnJpU50=",
        "scrypt$2$1$1$Cual90e28LYl0hp5D9brKQ==$GfLeeiMaL7Pe2et9Ah6tCrbD1kSPvAR1T/1xtnJpU50=",
        "scrypt$16383$8$1$Cual90e28LYl0hp5D9brKQ==$GfLeeiMaL7Pe2et9Ah6tCrbD1kSPvAR1T/1xtnJpU50=",
        "scrypt$16384$8$1$$GfLeeiMaL7Pe2et9Ah6tCrbD1kSPvAR1T/1xtnJpU50=",
    ],
    ids=[
        "empty",
        "too-few-parts",
        "other-scheme",
        "cost-not-a-number",
        "salt-not-base64",
        "cost-of-a-gigabyte",
        "cost-far-too-low",
        "cost-not-a-power-of-two",
        "no-salt",
    ],
)
def test_a_malformed_or_tampered_pin_hash_is_no_match_and_no_error(stored: str) -> None:
    # A staff row can arrive through the hall store: whatever its hash says, sign-in answers
    # "wrong PIN" at once instead of failing or working for minutes.
    assert verify_pin("1111", stored) is False


def test_the_desks_own_hash_still_verifies() -> None:
    from deskapp.services.pins import hash_pin

    stored = hash_pin("1111")
    assert verify_pin("1111", stored) and verify_pin("１１１１", stored)
    assert not verify_pin("1112", stored)


def test_a_work_number_that_cannot_exist_is_answered_wrong_and_not_counted(desk: Desk) -> None:
    for typed in ("1", "工号1001", "1" * 17):
        assert refusal(desk, typed, "0000") == ("pin", "error.signin.wrong", {"left": 5})
    with desk.read() as s:
        assert s.scalars(sa.select(SigninEvent)).all() == []


def test_a_terminal_without_staff_refuses_sign_in_without_counting(bare_desk: Desk) -> None:
    """Never synchronized: no PIN can be right yet, and the tries must not lock out the real
    1001 before the staff arrive (a store never set up is told `init` first: fix22e)."""
    from deskapp.services.terminal import init_terminal

    init_terminal(bare_desk, "GZ01", "T02", "Asia/Shanghai")
    for _ in range(7):
        with pytest.raises(RuleViolation) as refused:
            sign_in(bare_desk, "1001", "1111")
        assert [e.key for e in refused.value.errors] == ["error.signin.no_staff"]
    with bare_desk.read() as s:
        assert s.scalars(sa.select(SigninEvent)).all() == []


def test_an_unknown_work_number_is_never_stored(desk: Desk) -> None:
    """A PIN typed into the work-number field (a lost Tab: "10011111") must not land in a
    synchronized signin_event row: unknown work numbers are counted in memory only, with the
    same answers and the same local lock."""
    typed = "10011111"
    answers = [refusal(desk, typed, "1234") for _ in range(5)]
    assert answers[0] == ("pin", "error.signin.wrong", {"left": 4})
    assert answers[-1] == ("pin", "error.signin.locked", {"minutes": 5})
    assert refusal(desk, typed, "1234") == ("pin", "error.signin.locked", {"minutes": 5})
    with desk.read() as session:
        stored = session.scalars(sa.select(SigninEvent.work_no)).all()
        logged = session.scalars(sa.select(ChangeLog)).all()
    assert typed not in stored
    assert not [row for row in logged if typed in str(row.__dict__)]
    assert refusal(desk, "1001", "0000") == ("pin", "error.signin.wrong", {"left": 4})
    with desk.read() as session:  # a real member's wrong PIN is still kept and synchronized
        assert "1001" in session.scalars(sa.select(SigninEvent.work_no)).all()
