"""筛选: what F4 (the follow-up queue) and F3 (search) narrow their tickets to: severity, the
level of the escalation chain reached, a flag (hidden risk, claimed escalation, media, internal,
repeat, difficult customer) and channel. Each is one choice or none; all chosen ones hold."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.enums import Channel, ClaimedTo, Severity
from deskapp.domain.errors import RuleViolation
from deskapp.store.models import Complaint


class Flag(StrEnum):
    HIDDEN_RISK = "hidden_risk"  # 隐患投诉 (a claimed escalation is one too)
    CLAIMED = "claimed"  # 声称升级
    MEDIA = "media"  # a media complaint, by channel or by claim
    INTERNAL = "internal"  # 内部投诉
    REPEAT = "repeat"  # 重复投诉
    DIFFICULT = "difficult"  # B类/疑难客户


@dataclass(frozen=True)
class TicketFilter:
    severity: Severity | None = None
    level: int | None = None  # the escalation chain's level reached (data/escalation.toml)
    flag: Flag | None = None
    channel: Channel | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.severity, self.level, self.flag, self.channel))

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found: list[sa.ColumnElement[bool]] = []
        if self.severity is not None:
            found.append(col(Complaint.severity) == self.severity.value)
        if self.level is not None:
            found.append(col(Complaint.escalation_level) == self.level)
        if self.channel is not None:
            found.append(col(Complaint.channel) == self.channel.value)
        if self.flag is not None:
            found.append(_FLAGS[self.flag]())
        return found

    def apply(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        return stmt.where(*self.conditions()) if self.active else stmt


_FLAGS: dict[Flag, Callable[[], sa.ColumnElement[bool]]] = {
    Flag.HIDDEN_RISK: lambda: col(Complaint.hidden_risk).is_(True),
    Flag.CLAIMED: lambda: col(Complaint.claimed_to) != "",
    Flag.MEDIA: lambda: sa.or_(
        col(Complaint.channel) == Channel.MEDIA.value,
        col(Complaint.claimed_to) == ClaimedTo.MEDIA.value,
    ),
    Flag.INTERNAL: lambda: col(Complaint.internal).is_(True),
    Flag.REPEAT: lambda: col(Complaint.is_repeat).is_(True),
    Flag.DIFFICULT: lambda: col(Complaint.difficult_customer).is_(True),
}

NO_FILTER = TicketFilter()


def read_filter(values: Mapping[str, Any], levels: int) -> TicketFilter:
    """The filter dialog's choices ("" or None: any); `levels`: how many levels the chain has.
    RuleViolation at the field for a value that is none of its choices."""

    def chosen(name: str) -> str:
        value = values.get(name)
        return "" if value is None else str(value)

    def enum_of(name: str, kind: Any) -> Any:
        text = chosen(name)
        if not text:
            return None
        try:
            return kind(text)
        except ValueError:
            raise RuleViolation.single(name, "error.required") from None

    level_text = chosen("level")
    level: int | None = None
    if level_text:
        if not (level_text.isascii() and level_text.isdigit()) or int(level_text) >= levels:
            raise RuleViolation.single("level", "error.required")
        level = int(level_text)
    return TicketFilter(
        severity=enum_of("severity", Severity),
        level=level,
        flag=enum_of("flag", Flag),
        channel=enum_of("channel", Channel),
    )
