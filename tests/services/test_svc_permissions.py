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
from deskapp.services.demo import closing_facts

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROLES = list(Role)


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


def _refusals(desk) -> list:
    """The audit entries of refusals, and a check that each is in the change log too (it
    reaches the hall with the next sync)."""
    import sqlalchemy as sa

    from deskapp.store.models import ChangeLog, Refusal

    with desk.read() as session:
        rows = list(session.scalars(sa.select(Refusal).order_by(Refusal.at)))
        logged = set(session.scalars(
            sa.select(ChangeLog.entity_id).where(ChangeLog.entity == "refusal")))  # fmt: skip
    assert logged == {r.id for r in rows}
    return rows


def _assert_refused_once(desk, actor_id: str, permission: Permission, subject: str = "") -> None:
    [entry] = _refusals(desk)
    assert (entry.actor_id, entry.permission) == (actor_id, permission.value)
    assert entry.subject == subject
    assert entry.terminal_code and entry.at == desk.clock.now()


BY_ROLE = {
    Role.HANDLER: "1002",
    Role.DUTY_MANAGER: "2001",
    Role.HALL_MANAGER: "3001",
    Role.QA_MANAGER: "4001",
    Role.SERVICE_HEAD: "4002",
}
SUPERVISORS = (
    ("4001", "赵督办", Role.QA_MANAGER, "4444"),
    ("4002", "钱主任", Role.SERVICE_HEAD, "5555"),
)
PINS |= {"4001": "4444", "4002": "5555"}


@pytest.fixture
def desk(desk):
    """The conftest desk with one member of each supervising role too."""
    from deskapp.services.staff import actor_of, add_staff, list_staff

    manager = actor_of(next(s for s in list_staff(desk) if s.work_no == "3001"))
    for work_no, name, role, pin in SUPERVISORS:
        add_staff(desk, manager, work_no, name, role, pin)
    return desk


def test_every_role_has_a_member_here() -> None:
    assert set(BY_ROLE) == set(Role)


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
        assert not _refusals(desk)
    else:
        with pytest.raises(RuleViolation):
            verify_manager(desk, work_no, PINS[work_no])
        staff_id = desk_staff_id(desk, work_no)
        _assert_refused_once(desk, staff_id, Permission.APPROVE_REFUND_BEYOND_RULE)


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
        assert not _refusals(desk)
    else:
        with pytest.raises(RuleViolation):
            shifts.file_handover(desk, shift.id, work_no, PINS[work_no])
        _assert_refused_once(desk, actors[work_no].id, Permission.FILE_HANDOVER, shift.id)


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
        assert not _refusals(desk)
    else:
        with pytest.raises(RuleViolation):
            call()
        # Refused inside the write: the ticket is untouched, the refusal is kept.
        _assert_refused_once(desk, actor.id, Permission.REASSIGN_ANY, ticket.id)
        with desk.read() as session:
            from deskapp.store.models import Complaint

            assert session.get(Complaint, ticket.id).owner_id == actors["1001"].id


def test_a_handler_may_pass_on_their_own_ticket(desk, actors) -> None:
    from deskapp.services import followup

    ticket = _open_ticket(desk, actors["1001"])
    result = followup.reassign(
        desk, actors["1001"], ticket.id, to_staff_id=actors["1002"].id, note="下午请假"
    )
    assert result.complaint.owner_id == actors["1002"].id
    assert result.complaint.first_responder_id == actors["1001"].id


def desk_staff_id(desk, work_no: str) -> str:
    from deskapp.services.staff import list_staff

    return next(s.id for s in list_staff(desk) if s.work_no == work_no)


@pytest.mark.parametrize("role", ROLES)
def test_exporting_reports_follows_the_matrix(desk, actors, tmp_path, role: Role) -> None:
    from deskapp.domain.indicators import month_of
    from deskapp.services import exports
    from deskapp.services.reports import ReportRequest, build_report

    actor = actors[BY_ROLE[role]]
    today = desk.clock.now().astimezone(desk.tz).date()
    report = build_report(desk, ReportRequest(month_of(today)))
    if Permission.EXPORT_REPORTS in MATRIX[role]:
        assert exports.export_as(desk, actor, report, "csv", tmp_path / "out").is_file()
        assert not _refusals(desk)
    else:
        with pytest.raises(RuleViolation):
            exports.export_as(desk, actor, report, "csv", tmp_path)
        assert not (tmp_path / "out").exists()
        _assert_refused_once(desk, actor.id, Permission.EXPORT_REPORTS)


@pytest.mark.parametrize("role", ROLES)
def test_signing_off_the_day_follows_the_matrix(desk, actors, role: Role) -> None:
    from deskapp.services import day_close

    work_no = BY_ROLE[role]
    today = desk.clock.now().astimezone(desk.tz).date()
    if Permission.SIGN_OFF_DAY in MATRIX[role]:
        # Allowed: what refuses now is the day's checklist (not synchronized), not the matrix.
        with pytest.raises(RuleViolation) as refused:
            day_close.sign_off(desk, today, work_no, PINS[work_no])
        assert refused.value.keys() == {"error.day.gap_sync"}
        assert not _refusals(desk)
    else:
        with pytest.raises(RuleViolation):
            day_close.sign_off(desk, today, work_no, PINS[work_no])
        _assert_refused_once(desk, actors[work_no].id, Permission.SIGN_OFF_DAY, today.isoformat())


def test_refusals_are_listed_newest_first_with_names(desk, actors) -> None:
    from datetime import timedelta

    from deskapp.services.audit import recent_refusals
    from deskapp.services.staff import verify_manager

    for _ in range(2):
        with pytest.raises(RuleViolation):
            verify_manager(desk, "1002", PINS["1002"])
        desk.clock.advance(timedelta(minutes=1))
    listed = recent_refusals(desk, desk.clock.now() - timedelta(hours=1))
    assert [r.work_no for r in listed] == ["1002", "1002"]
    assert listed[0].at > listed[1].at
    assert listed[0].name == "刘洋" and listed[0].permission == "approve_refund_beyond_rule"


# ------------------------------------------- the whole matrix, generated, through the services
# For each permission, the service that enforces it, called by a member of each role. The
# parametrization comes from Permission × Role and the expectation from MATRIX, so a new
# permission fails `test_every_permission_has_a_service_probe` until it has a probe here, and
# the documented table is checked against MATRIX above.


def _as_role(role: Role, handler: str = "1002") -> str:
    return handler if role is Role.HANDLER else BY_ROLE[role]


def _ack_all(desk) -> None:
    """As if the hall had acknowledged every change (the day's checklist asks for it)."""
    import sqlalchemy as sa

    from deskapp.store.models import ChangeLog

    with desk.engine.begin() as conn:
        conn.execute(sa.update(ChangeLog).values(acked_at=desk.clock.now()))


def _probe_refund(desk, actors, role):
    w = _as_role(role)
    from deskapp.services.staff import verify_manager

    return actors[w], "", lambda: verify_manager(desk, w, PINS[w])


def _probe_handover(desk, actors, role):
    from deskapp.services import shifts

    outgoing, incoming = actors["1001"], actors["1002"]
    _open_ticket(desk, outgoing)
    shifts.open_shift(desk, outgoing)
    notes = {i.complaint_id: "明天回复" for i in shifts.open_items(desk, outgoing)}
    shift = shifts.close_shift(desk, outgoing, notes, "交接说明")
    shifts.acknowledge(desk, shift.id, incoming.work_no, PINS[incoming.work_no])
    w = _as_role(role, "1001")
    return actors[w], shift.id, lambda: shifts.file_handover(desk, shift.id, w, PINS[w])


def _probe_sign_off(desk, actors, role):
    from deskapp.services import day_close

    today = desk.clock.now().astimezone(desk.tz).date()
    _ack_all(desk)
    w = _as_role(role)
    return actors[w], today.isoformat(), lambda: day_close.sign_off(desk, today, w, PINS[w])


def _probe_reopen_day(desk, actors, role):
    from deskapp.services import opinion_book
    from deskapp.services.day_lock import LateApproval

    entry = opinion_book.add_entry(
        desk, actors["1001"], opinion_book.EntryForm(page="1", line="1", content="排队太久")
    )
    today = desk.clock.now().astimezone(desk.tz).date()
    _sign_off_row(desk, actors["2001"], today)  # the lock (sign_off itself: the probe above)
    w = _as_role(role)
    late = LateApproval(w, PINS[w], "客户来电补充")
    return (
        actors[w],
        "",
        lambda: opinion_book.process_entry(desk, actors["1001"], entry.id, "已答复", late=late),
    )


def _sign_off_row(desk, manager, day) -> None:
    from deskapp.store.models import DayClose

    terminal = desk.terminal()
    with desk.write(manager.id) as session:
        session.add(DayClose(
            day=day.isoformat(), hall_code=terminal.hall_code,
            terminal_code=terminal.terminal_code, signed_off_by=manager.id,
            signed_off_at=desk.clock.now(),
        ))  # fmt: skip


def _probe_conflict(desk, actors, role):
    from deskapp.services.conflicts import settle_conflict

    actor = actors[_as_role(role)]
    # No real conflict here (they take two terminals: tests/sync): an allowed role gets past
    # the matrix to the look-up ("no such conflict"), a refused one never reaches it.
    return actor, "c-1", lambda: settle_conflict(desk, actor, "c-1", "a")


def _probe_reassign(desk, actors, role):
    from deskapp.services import followup

    ticket = _open_ticket(desk, actors["1001"])
    actor = actors[_as_role(role)]
    target = actors["2001"] if actor.work_no == "1002" else actors["1002"]
    return (
        actor,
        ticket.id,
        lambda: followup.reassign(desk, actor, ticket.id, to_staff_id=target.id, note="转派"),
    )


def _probe_full_phone(desk, actors, role):
    from deskapp.services.search import complaint_detail

    ticket = _open_ticket(desk, actors["1001"])

    def call():
        detail = complaint_detail(desk, ticket.id)
        assert detail.complaint.contact_phone == "13912345678"  # the whole number
        return detail

    return actors[_as_role(role)], ticket.id, call


def _probe_export(desk, actors, role):
    from deskapp.domain.indicators import month_of
    from deskapp.services import exports
    from deskapp.services.reports import ReportRequest, build_report

    actor = actors[_as_role(role)]
    report = build_report(desk, ReportRequest(month_of(desk.clock.now().astimezone(desk.tz))))
    out = Path(desk.engine.url.database).parent / "export"  # the test's own tmp_path
    return actor, "", lambda: exports.export_as(desk, actor, report, "csv", out)


def _probe_accountability(desk, actors, role):
    from deskapp.domain.indicators import month_of
    from deskapp.services.reports import ReportRequest, accountability_report

    actor = actors[_as_role(role)]
    request = ReportRequest(month_of(desk.clock.now().astimezone(desk.tz).date()))
    return actor, "report", lambda: accountability_report(desk, actor, request)


def _probe_staff(desk, actors, role):
    from deskapp.services.staff import add_staff

    actor = actors[_as_role(role)]
    return actor, "5001", lambda: add_staff(desk, actor, "5001", "新同事", Role.HANDLER, "5555")


def _probe_watch_list(desk, actors, role):
    from deskapp.services.customer import WatchForm, save_watch_entry

    actor = actors[_as_role(role)]
    form = WatchForm(customer="13912345678", advice="先听完再解释", review_on="2026-12-31")
    return actor, "watch_list", lambda: save_watch_entry(desk, actor, form)


def _probe_batch(desk, actors, role):
    from deskapp.services.batches import BatchForm, open_batch

    actor = actors[_as_role(role)]
    form = BatchForm(title="城东基站故障", cause_code="NET.OUTAGE")
    return actor, "batch", lambda: open_batch(desk, actor, form)


def _probe_case(desk, actors, role):
    from deskapp.services import followup
    from deskapp.services.cases import mark_case

    actor = actors[_as_role(role)]
    ticket = _open_ticket(desk, actors["1001"])
    followup.close(
        desk, actors["1001"], ticket.id, outcome="已解决", facts=closing_facts(desk, ticket.id)
    )
    return (
        actor,
        ticket.id,
        lambda: mark_case(desk, actor, ticket.id, "先听完再解释", "营业厅核实后当场处理"),
    )


def _probe_close_any(desk, actors, role):
    from deskapp.services import followup

    ticket = _open_ticket(desk, actors["1001"])
    actor = actors[_as_role(role)]
    return (
        actor,
        ticket.id,
        lambda: followup.close(
            desk, actor, ticket.id, outcome="已解决", facts=closing_facts(desk, ticket.id)
        ),
    )


def _probe_escalate(desk, actors, role):
    from deskapp.services import followup

    ticket = _open_ticket(desk, actors["1001"])  # at the first level: every level may report it
    actor = actors[_as_role(role)]
    return actor, ticket.id, lambda: followup.escalate(desk, actor, ticket.id, note="上报")


def _probe_extension(desk, actors, role):
    """延期审批: the role's member decides a handler's request with their own PIN."""
    from deskapp.services import followup
    from deskapp.services.extensions import pending_of

    ticket = _open_ticket(desk, actors["1001"])
    followup.request_extension(desk, actors["1001"], ticket.id, clock="resolution_general",
                               new_due="2026-12-01 17:00", reason="等待部门结果")  # fmt: skip
    (pending,) = pending_of(desk, ticket.id)
    w = _as_role(role)
    return actors[w], "", lambda: followup.decide_extension(
        desk, actors[w], ticket.id, extension_id=pending.id, decision="approve",
        approver_work_no=w, approver_pin=PINS[w])  # fmt: skip


PROBES = {
    Permission.APPROVE_REFUND_BEYOND_RULE: _probe_refund,
    Permission.APPROVE_EXTENSION: _probe_extension,
    Permission.CLOSE_ANY: _probe_close_any,
    Permission.ESCALATE: _probe_escalate,
    Permission.FILE_HANDOVER: _probe_handover,
    Permission.SIGN_OFF_DAY: _probe_sign_off,
    Permission.REOPEN_DAY: _probe_reopen_day,
    Permission.SETTLE_CONFLICT: _probe_conflict,
    Permission.REASSIGN_ANY: _probe_reassign,
    Permission.SEE_FULL_PHONE: _probe_full_phone,
    Permission.EXPORT_REPORTS: _probe_export,
    Permission.SEE_ACCOUNTABILITY: _probe_accountability,
    Permission.MANAGE_STAFF: _probe_staff,
    Permission.MANAGE_WATCH_LIST: _probe_watch_list,
    Permission.MANAGE_BATCH: _probe_batch,
    Permission.MARK_CASE: _probe_case,
}
# Held by every role and so enforced by no service: a role losing it fails the walk below
# until the service showing it (complaint_detail) enforces it.
UNREFUSED = {Permission.SEE_FULL_PHONE}


def test_every_permission_has_a_service_probe() -> None:
    assert set(PROBES) == set(Permission)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", list(Permission))
def test_the_whole_matrix_through_the_services(
    desk, actors, role: Role, permission: Permission
) -> None:
    from deskapp.domain.permissions import PermissionRefused

    actor, subject, call = PROBES[permission](desk, actors, role)
    assert actor.role is role
    if permission in MATRIX[role]:
        try:
            call()
        except PermissionRefused:  # pragma: no cover (the failure being tested for)
            pytest.fail(f"{role} refused {permission}, which the matrix grants")
        except RuleViolation:
            assert permission is Permission.SETTLE_CONFLICT  # past the matrix: no such conflict
        assert not _refusals(desk)
        return
    assert permission not in UNREFUSED, f"{role} lost {permission}: enforce it in the service"
    with pytest.raises(PermissionRefused):
        call()
    _assert_refused_once(desk, actor.id, permission, subject)


def test_a_handler_reports_up_to_the_duty_manager_only(desk, actors) -> None:
    """逐级上报 (attack on issue 16, 2): a handler pressing `e` twice reported a ticket past the
    duty manager. Each level reports up from its own level: the second step is the duty
    manager's, refused in words to the handler and audited; the duty manager takes it on."""
    from deskapp.domain.permissions import PermissionRefused
    from deskapp.services import followup

    ticket = _open_ticket(desk, actors["1001"])
    followup.escalate(desk, actors["1001"], ticket.id, note="客户要求找经理")
    with pytest.raises(PermissionRefused) as refused:
        followup.escalate(desk, actors["1001"], ticket.id, note="再上报")
    text = error_text(refused.value.errors[0])
    assert "无权" in text and "逐级上报" in text and "{" not in text
    _assert_refused_once(desk, actors["1001"].id, Permission.ESCALATE, ticket.id)
    done = followup.escalate(desk, actors["2001"], ticket.id, note="报厅经理")
    assert done.complaint.escalation_level == 2
    # the QA manager's level is above it: they may report it on to the head
    followup.escalate(desk, actors["4001"], done.complaint.id, note="报客服部")
    with pytest.raises(PermissionRefused):  # but the duty manager no longer may
        followup.escalate(desk, actors["2001"], ticket.id, note="再报")


def test_a_supervisor_does_not_close_a_handlers_ticket(desk, actors) -> None:
    """Attack on issue 16, 2: a QA manager's session closed a handler's 一般 ticket. Closing
    someone else's ticket is `close_any`, which the supervising roles do not hold."""
    from deskapp.domain.permissions import PermissionRefused
    from deskapp.services import followup

    ticket = _open_ticket(desk, actors["1001"])
    for work_no in ("4001", "4002"):
        with pytest.raises(PermissionRefused) as refused:
            followup.close(
                desk,
                actors[work_no],
                ticket.id,
                outcome="已解决",
                facts=closing_facts(desk, ticket.id),
            )
        assert "无权" in error_text(refused.value.errors[0])
    assert followup.close(
        desk, actors["1001"], ticket.id, outcome="已解决", facts=closing_facts(desk, ticket.id)
    ).complaint.closed_at
