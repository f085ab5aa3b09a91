"""The audit of refusals (审计): every action the permissions matrix refuses is written down,
who tried what on which record at which terminal, and reaches the hall store with the next
sync so the managers see refusals from every counter (`deskapp refusals`).

A refusal is written in a transaction of its own after the refused one has rolled back: the
refused action leaves nothing, its audit entry stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.actor import Actor
from deskapp.domain.permissions import Permission, PermissionRefused, require
from deskapp.services.desk import Desk
from deskapp.store.models import Refusal, Staff


def record_refusal(desk: Desk, refused: PermissionRefused) -> None:
    """Write the audit entry of `refused` once. Inside a write transaction nothing is written
    here: that transaction will roll back, and Desk.write records the refusal after it."""
    if refused.recorded or desk.writing:
        return
    terminal = desk.terminal()
    with desk.write(refused.actor.id) as session:
        session.add(Refusal(
            at=desk.clock.now(), actor_id=refused.actor.id, role=refused.actor.role.value,
            permission=refused.permission.value, subject=refused.subject[:40],
            hall_code=terminal.hall_code, terminal_code=terminal.terminal_code,
        ))  # fmt: skip
    refused.recorded = True


def enforce(
    desk: Desk,
    actor: Actor,
    permission: Permission,
    field: str = "actor",
    *,
    key: str = "error.permission.denied",
    subject: str = "",
) -> None:
    """`require`, with the audit entry (written at once outside a transaction, after the
    rollback inside one)."""
    try:
        require(actor, permission, field, key=key, subject=subject)
    except PermissionRefused as refused:
        record_refusal(desk, refused)
        raise


@dataclass(frozen=True)
class RefusalView:
    at: datetime
    work_no: str
    name: str
    role: str
    permission: str
    subject: str
    terminal: str


def recent_refusals(desk: Desk, since: datetime, limit: int = 200) -> list[RefusalView]:
    """The refusals since `since`, newest first, with the names of those refused."""
    with desk.read() as session:
        rows = session.execute(
            sa.select(Refusal, col(Staff.work_no), col(Staff.name))
            .outerjoin(Staff, col(Staff.id) == Refusal.actor_id)
            .where(col(Refusal.at) >= since)
            .order_by(col(Refusal.at).desc())
            .limit(limit)
        ).all()
    return [
        RefusalView(
            at=r.at,
            work_no=work_no or "",
            name=name or r.actor_id,
            role=r.role,
            permission=r.permission,
            subject=r.subject,
            terminal=f"{r.hall_code}-{r.terminal_code}",
        )
        for r, work_no, name in rows
    ]
