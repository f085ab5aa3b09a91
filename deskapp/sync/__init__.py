"""Synchronization with the hall store (docs/architecture.md, Synchronization).

    sync(desk, hall_url, *, batch_size=2000, window_days=90) -> SyncResult
    sync_status(desk) -> SyncStatus          # the header: last good sync, changes waiting
    list_conflicts(desk) -> [ConflictView]   # for the duty manager's review

Settling a conflict is a service (deskapp/services/conflicts.py); the screens and the CLI reach
all of this through deskapp/services/hall_sync.py and that service."""

from __future__ import annotations

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
