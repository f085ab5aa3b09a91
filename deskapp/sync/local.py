"""What the sync needs of a terminal's store handle. The services' `Desk`
(deskapp/services/desk.py) is one, but the sync sits below the services and may not import it
(the import-linter layers in pyproject.toml), so the sync names the part it uses here and the
type checker holds the `Desk` to it wherever the services hand one over."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deskapp.clock import Clock
from deskapp.store.models import Terminal


class LocalStore(Protocol):
    @property
    def engine(self) -> sa.Engine: ...

    @property
    def clock(self) -> Clock: ...

    def read(self) -> AbstractContextManager[Session]:
        """A session for reading the terminal's store."""
        ...

    def terminal(self) -> Terminal:
        """This terminal's identity (hall, terminal code, node id)."""
        ...
