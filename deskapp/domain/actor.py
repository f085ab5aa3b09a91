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

    @property
    def takes_over_tickets(self) -> bool:
        """Whether this role takes over a colleague's tickets at shift change (交接班): the
        counter's people (handlers, and the hall's managers who stand in at the counter), not
        the branch's supervising roles (督办), who follow tickets without owning them."""
        return self.role in (Role.HANDLER, Role.DUTY_MANAGER, Role.HALL_MANAGER)
