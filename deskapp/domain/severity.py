"""投诉级别: the channel sets a floor (an external body means 重大); the handler may raise
the level freely, and may go below the floor only with a written reason."""

from __future__ import annotations

from collections.abc import Mapping

from deskapp.domain.enums import Channel, Severity
from deskapp.domain.errors import RuleViolation


def severity_floor(channel: Channel, floors: Mapping[Channel, Severity]) -> Severity:
    return floors.get(channel, Severity.GENERAL)


def check_severity(
    chosen: Severity, channel: Channel, floors: Mapping[Channel, Severity], reason: str
) -> None:
    floor = severity_floor(channel, floors)
    if chosen.rank < floor.rank and not reason.strip():
        raise RuleViolation.single(
            "severity_reason", "error.severity.below_floor_needs_reason", floor=floor.value
        )


def requires_major_report(severity: Severity) -> bool:
    """A 重大 complaint needs the 《重大投诉处理申报表》 and is escalated level by level."""
    return severity is Severity.MAJOR
