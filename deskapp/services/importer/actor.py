"""Who an import is recorded under, proven by a PIN."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import Permission
from deskapp.services.desk import Actor, Desk
from deskapp.store.models import Staff


def importing_actor(desk: Desk, work_no: str, pin: str, *, vouched_by: str = "") -> Actor:
    """The staff member an import is recorded under (actor of the change log, and owner and
    first responder of rows without a 处理人工号), proven by their own PIN, or by the PIN of
    the hall manager `vouched_by` (whose work number is then checked instead). The PIN check
    is a sign-in: a wrong PIN counts toward the lock like one typed at the desk, and a work
    number nobody has gets the wrong-PIN answer (no oracle of who exists)."""
    from deskapp.services.audit import enforce
    from deskapp.services.staff import actor_of, sign_in

    if not vouched_by.strip():
        return sign_in(desk, work_no, pin)  # unknown: wrong PIN; deactivated: only after it
    manager = sign_in(desk, vouched_by, pin)
    # Vouching for another's identity is the hall manager's, like the rest of 员工管理:
    # refused and audited (`deskapp refusals`) for anyone else.
    enforce(desk, manager, Permission.MANAGE_STAFF, "manager",
            key="error.import.not_hall_manager", subject=work_no.strip())  # fmt: skip
    with desk.read() as session:
        staff = session.scalars(
            sa.select(Staff).where(
                col(Staff.work_no) == work_no.strip(), col(Staff.active).is_(True)
            )
        ).first()
    if staff is None:  # told to a hall manager proven by PIN, who may list the staff anyway
        raise RuleViolation.single("as", "error.import.actor_unknown", work_no=work_no)
    return actor_of(staff)
