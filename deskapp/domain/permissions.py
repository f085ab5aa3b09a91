"""Who may do what (权限). Enforced in the service layer, whatever screen or command asks;
the matrix is documented in docs/permissions.md and walked whole by a test."""

from __future__ import annotations

from enum import StrEnum

from deskapp.domain.actor import Actor
from deskapp.domain.enums import Role
from deskapp.domain.errors import RuleViolation


class Permission(StrEnum):
    APPROVE_REFUND_BEYOND_RULE = "approve_refund_beyond_rule"  # 超规则退费审批
    FILE_HANDOVER = "file_handover"  # 交接班备案
    SIGN_OFF_DAY = "sign_off_day"  # 结束营业签字
    REOPEN_DAY = "reopen_day"  # 已签字日期的补录审批
    SETTLE_CONFLICT = "settle_conflict"  # 处理同步冲突
    REASSIGN_ANY = "reassign_any"  # 转派他人名下的工单
    SEE_FULL_PHONE = "see_full_phone"  # 查看完整号码
    EXPORT_REPORTS = "export_reports"  # 导出统计报表
    # 问责数据: the hall's accountability figures (压单 amounts per handler, department, hall)
    # and the own-staff complaints per staff member: the hall's managers' own review
    SEE_ACCOUNTABILITY = "see_accountability"
    # 重点客户名单: add, change or retire a watch-list entry (B类/疑难/敏感客户)
    MANAGE_WATCH_LIST = "manage_watch_list"
    # 批量投诉: open a batch incident (or a campaign's complaint plan) and close it
    MANAGE_BATCH = "manage_batch"
    # 案例库: mark a closed ticket as a teaching case for the morning meeting
    MARK_CASE = "mark_case"
    # 员工管理: add staff, change a role, deactivate, reset a PIN, unlock a locked work number
    MANAGE_STAFF = "manage_staff"
    # 结案他人名下的工单: close a ticket the actor neither owns nor first took (首问负责)
    CLOSE_ANY = "close_any"
    # 逐级上报: report a ticket one level up the chain; held by every level of the chain, and
    # each reports up only from the level the ticket is at or a lower one (`check_escalation_by`)
    ESCALATE = "escalate"
    # 延期审批: approve or refuse a handler's request to move a ticket's deadline
    APPROVE_EXTENSION = "approve_extension"


_MANAGERS = frozenset(Permission) - {Permission.MANAGE_STAFF}
_SUPERVISORS = frozenset(
    {
        Permission.SEE_FULL_PHONE,
        Permission.REASSIGN_ANY,
        Permission.EXPORT_REPORTS,
        Permission.ESCALATE,
    }
)

MATRIX: dict[Role, frozenset[Permission]] = {
    # A handler calls customers back (so sees their numbers) and passes on their own tickets.
    Role.HANDLER: frozenset({Permission.SEE_FULL_PHONE, Permission.ESCALATE}),
    Role.DUTY_MANAGER: _MANAGERS,
    Role.HALL_MANAGER: frozenset(Permission),
    # 督办: the branch's supervisors follow the tickets at their level (the "supervised by me"
    # queue), may move a stalled one to someone else, report it up from their level, and take
    # the figures out; they do not close a handler's ticket (no `close_any`).
    Role.QA_MANAGER: _SUPERVISORS,
    Role.SERVICE_HEAD: _SUPERVISORS,
}


def allowed(actor: Actor, permission: Permission) -> bool:
    return permission in MATRIX[actor.role]


class PermissionRefused(RuleViolation):
    """A refusal by the matrix. Besides the words for the screen it carries what the audit
    entry needs (services/audit.py writes one for every refusal)."""

    def __init__(
        self, actor: Actor, permission: Permission, field: str, key: str, subject: str
    ) -> None:
        super().__init__(RuleViolation.single(
            field, key, permission=permission.value, role=actor.role.value).errors)  # fmt: skip
        self.actor = actor
        self.permission = permission
        self.subject = subject
        self.recorded = False


def require(
    actor: Actor,
    permission: Permission,
    field: str = "actor",
    *,
    key: str = "error.permission.denied",
    subject: str = "",
) -> None:
    """Refuse, in words the handler understands, when the actor's role lacks the permission.
    `subject`: the ticket, shift or day the action was on, for the audit entry."""
    if not allowed(actor, permission):
        raise PermissionRefused(actor, permission, field, key, subject)


def check_escalation_by(
    actor: Actor, actor_level: int | None, current_level: int, subject: str = ""
) -> None:
    """逐级上报: a ticket goes one level up, reported by whoever holds the level it is at (or
    a higher one): a handler reports it to the duty manager, the duty manager to the hall
    manager, and so on; a role holding no level of the chain, or a lower one, is refused
    (a refusal of `escalate`, audited like every refusal)."""
    require(actor, Permission.ESCALATE, "level", subject=subject)
    if actor_level is None or actor_level < current_level:
        raise PermissionRefused(
            actor, Permission.ESCALATE, "level", "error.escalate.not_your_level", subject
        )
