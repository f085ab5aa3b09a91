"""Synchronization with the hall store (docs/architecture.md, Synchronization).

    sync(desk, hall_url, *, batch_size=2000, window_days=90) -> SyncResult
    sync_status(desk) -> SyncStatus          # the header: last good sync, changes waiting
    list_conflicts(desk) -> [ConflictView]   # for the duty manager's review
    settle_conflict(desk, actor, conflict_id, "a" | "b") -> ConflictView

The store layer imports deskapp.sync.hlc at start-up, so the rest is loaded lazily here."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskapp.sync.conflicts import (
        Choice,
        ConflictView,
        QuarantineView,
        list_conflicts,
        list_quarantined,
        settle_conflict,
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

_EXPORTS = {
    "sync": "deskapp.sync.run",
    "sync_status": "deskapp.sync.run",
    "SyncResult": "deskapp.sync.run",
    "SyncOutcome": "deskapp.sync.run",
    "SyncStatus": "deskapp.sync.run",
    "DEFAULT_WINDOW_DAYS": "deskapp.sync.run",
    "list_conflicts": "deskapp.sync.conflicts",
    "list_quarantined": "deskapp.sync.conflicts",
    "QuarantineView": "deskapp.sync.conflicts",
    "settle_conflict": "deskapp.sync.conflicts",
    "Choice": "deskapp.sync.conflicts",
    "ConflictView": "deskapp.sync.conflicts",
    "HallStore": "deskapp.sync.hall",
}
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
    "settle_conflict",
    "sync",
    "sync_status",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(name)
    return getattr(import_module(_EXPORTS[name]), name)
