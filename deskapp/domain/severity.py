"""投诉级别: the channel and a claimed escalation set a floor (an external body means 重大,
DOMAIN.md "at least 重大"); the level never goes below it. The handler may raise the level
freely; lowering needs a written reason, and lowering a 严重/重大 ticket is for the level that
supervises it (data/escalation.toml [required_level]), never the handler alone."""

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
    """A level below the floor is refused, whatever the reason: the floor is the channel's, or
    `at_least` (a claimed escalation's, `claimed_floor`) when that is higher (DOMAIN.md: a
    complaint that reached an external body is at least 重大). `reason` is kept on the
    record for a level chosen above the floor; it never lets one go below it."""
    del reason  # no reason lowers a complaint below what its channel or claim means
    floor = highest(severity_floor(channel, floors), at_least)
    if below(chosen, floor):
        raise RuleViolation.single("severity", "error.severity.below_floor", floor=floor.value)


def requires_major_report(severity: Severity) -> bool:
    """A 重大 complaint needs the 《重大投诉处理申报表》 and is escalated level by level."""
    return severity is Severity.MAJOR


def check_severity_change(
    current: Severity,
    target: Severity,
    reason: str,
    floor: Severity = Severity.GENERAL,
    actor_level: int | None = None,
    required: Mapping[Severity, int] | None = None,
) -> int | None:
    """变更级别 on a ticket: to another level, never below its floor (the channel's or the
    claim's); lowering needs a reason; lowering a 严重/重大 ticket needs the actor to hold the
    level that supervises it (`required`, data/escalation.toml), not the handler alone.
    Returns the level index that was needed when refused for it (else raises or None)."""
    if target is current:
        raise RuleViolation.single("severity", "error.severity.unchanged")
    if below(target, floor):
        raise RuleViolation.single("severity", "error.severity.below_floor", floor=floor.value)
    if below(target, current) and not reason.strip():
        raise RuleViolation.single("reason", "error.severity.lower_needs_reason")
    needed = (required or {}).get(current)
    lowering_supervised = below(target, current) and needed is not None
    if lowering_supervised and (actor_level is None or actor_level < (needed or 0)):
        return needed
    return None


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
