"""Synchronization with the hall store (docs/architecture.md, Synchronization).

    sync(desk, hall_url, *, batch_size=2000, window_days=90) -> SyncResult
    sync_status(desk) -> SyncStatus          # the header: last good sync, changes waiting
    list_conflicts(desk) -> [ConflictView]   # for the duty manager's review

Settling a conflict is a service (deskapp/services/conflicts.py); the screens and the CLI reach
all of this through deskapp/services/hall_sync.py and that service."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Imported when first used (PEP 562): `deskapp.sync.batch` and the other light modules load
# without SQLAlchemy's whole sync machinery, so the CLI's --help stays quick (issue 22).
_WHERE = {
    "Choice": "conflicts",
    "ConflictView": "conflicts",
    "QuarantineView": "conflicts",
    "list_conflicts": "conflicts",
    "list_quarantined": "conflicts",
    "HallStore": "hall",
    "DEFAULT_WINDOW_DAYS": "run",
    "SyncOutcome": "run",
    "SyncResult": "run",
    "SyncStatus": "run",
    "sync": "run",
    "sync_status": "run",
}

if TYPE_CHECKING:
    from deskapp.sync.conflicts import (
        Choice,
        ConflictView,
        QuarantineView,
        list_conflicts,
        list_quarantined,
    )
    from deskapp.sync.hall import HallStore
    from deskapp.sync.run import (
        DEFAULT_WINDOW_DAYS,
        SyncOutcome,
        SyncResult,
        SyncStatus,
        sync,
        sync_status,
    )


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "Choice",
    "ConflictView",
    "HallStore",
    "QuarantineView",
    "SyncOutcome",
    "SyncResult",
    "SyncStatus",
    "list_conflicts",
    "list_quarantined",
    "sync",
    "sync_status",
]
