"""投诉级别: the channel sets a floor (an external body means 重大); the handler may raise
the level freely, and may go below the floor only with a written reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from deskapp.domain.enums import Channel, ClaimedTo, Severity
from deskapp.domain.errors import RuleViolation


def severity_floor(channel: Channel, floors: Mapping[Channel, Severity]) -> Severity:
    return floors.get(channel, Severity.GENERAL)


def below(chosen: Severity, than: Severity) -> bool:
    """Whether `chosen` is a lower level than `than` (一般 < 严重 < 重大)."""
    return chosen.rank < than.rank


def claimed_floor(claimed: ClaimedTo | None, floors: Mapping[ClaimedTo, Severity]) -> Severity:
    """声称升级: the floor of the body the customer says they will go to."""
    return floors.get(claimed, Severity.GENERAL) if claimed is not None else Severity.GENERAL


def highest(*levels: Severity) -> Severity:
    return max(levels, key=lambda s: s.rank)


def check_severity(
    chosen: Severity,
    channel: Channel,
    floors: Mapping[Channel, Severity],
    reason: str,
    at_least: Severity = Severity.GENERAL,
) -> None:
    """A level below the floor needs a reason; the floor is the channel's, or `at_least` (a
    claimed escalation's, `claimed_floor`) when that is higher."""
    floor = highest(severity_floor(channel, floors), at_least)
    if below(chosen, floor) and not reason.strip():
        raise RuleViolation.single(
            "severity_reason", "error.severity.below_floor_needs_reason", floor=floor.value
        )


def requires_major_report(severity: Severity) -> bool:
    """A 重大 complaint needs the 《重大投诉处理申报表》 and is escalated level by level."""
    return severity is Severity.MAJOR


def check_severity_change(current: Severity, target: Severity, reason: str) -> None:
    """变更级别 on a ticket: to another level; lowering it needs a reason."""
    if target is current:
        raise RuleViolation.single("severity", "error.severity.unchanged")
    if below(target, current) and not reason.strip():
        raise RuleViolation.single("reason", "error.severity.lower_needs_reason")


def closing_blocked(
    severity: Severity,
    level: int,
    required: Mapping[Severity, int],
    report_filed: bool,
) -> tuple[str, int] | None:
    """Why a complaint may not be closed yet, as (reason, level index needed), or None.
    A 严重 or 重大 complaint is closed only once escalated to its level (data/escalation.toml);
    a 重大 one also only with its report form filed."""
    needed = required.get(severity)
    if needed is not None and level < needed:
        return ("level", needed)
    if requires_major_report(severity) and not report_filed:
        return ("report", needed or 0)
    return None


def chain_level(chain_roles: Sequence[str], role: str) -> int | None:
    """The index of the escalation chain's level (data/escalation.toml, lowest first, each
    level's desk role) that `role` holds; None when the role holds no level."""
    for index, held_by in enumerate(chain_roles):
        if held_by and held_by == role:
            return index
    return None
