"""责任界定: who was responsible for what the customer complained of, recorded at closing (a
department of data/departments.toml, a staff member, the customer, i.e. no fault of the hall,
or a third party), and 无责投诉 set or cleared after the facts were checked, with a reason."""

from __future__ import annotations

from collections.abc import Collection, Container
from enum import StrEnum

from deskapp.domain.errors import RuleViolation

THIRD_PARTY_LIMIT = 200


class ResponsibleKind(StrEnum):
    DEPARTMENT = "department"  # a department (its 接口人 in data/departments.toml)
    STAFF = "staff"  # a member of the hall's staff
    CUSTOMER = "customer"  # the customer: no fault of the company
    THIRD_PARTY = "third_party"  # someone outside (a bank, a dealer, a content provider)


def check_responsible(
    kind: str,
    ref: str,
    note: str,
    departments: Container[str],
    staff: Container[str],
    *,
    required: bool = True,
) -> ResponsibleKind | None:
    """The responsible party as recorded: `ref` names the department or staff member, `note`
    the third party. Every close of a ticket not solved on the spot records it (`required`);
    None only where it is not asked (history rows imported as they came)."""
    if not kind:
        if required:
            raise RuleViolation.single("responsible_kind", "error.responsible.required")
        return None
    try:
        chosen = ResponsibleKind(kind)
    except ValueError:
        raise RuleViolation.single("responsible_kind", "error.responsible.kind") from None
    if chosen is ResponsibleKind.DEPARTMENT and ref not in departments:
        raise RuleViolation.single("responsible_department", "error.department.unknown")
    if chosen is ResponsibleKind.STAFF and ref not in staff:
        raise RuleViolation.single("responsible_staff", "error.staff.unknown")
    if chosen is ResponsibleKind.THIRD_PARTY and not note.strip():
        raise RuleViolation.single("responsible_note", "error.responsible.third_party")
    return chosen


def check_finding(finding: str, findings: Collection[str]) -> str:
    """The root cause at level 4 (核实后的原因), one of the ticket's cause's findings: required at
    closing whenever the cause tree offers findings for the ticket's cause."""
    if not finding:
        if findings:
            raise RuleViolation.single("finding", "error.finding.required")
        return ""
    if finding not in findings:
        raise RuleViolation.single("finding", "error.cause.unknown")
    return finding


def check_no_fault_change(current: bool, wanted: bool, reason: str) -> None:
    """无责 is set or cleared only after the facts are checked, with a reason, and only to
    change it."""
    if current == wanted:
        raise RuleViolation.single("no_fault", "error.no_fault.unchanged")
    if not reason.strip():
        raise RuleViolation.single("reason", "error.required")
