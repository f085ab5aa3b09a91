"""Who is doing something: a signed-in staff member, or the CLI/demo tooling."""

from __future__ import annotations

from dataclasses import dataclass

from deskapp.domain.enums import Role


@dataclass(frozen=True)
class Actor:
    id: str
    work_no: str
    name: str
    role: Role

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.DUTY_MANAGER, Role.HALL_MANAGER)
