"""Synchronizing this terminal with the hall store, as the screens and the CLI ask for it: the
one door from them to deskapp/sync (settling a conflict: deskapp/services/conflicts.py)."""

from __future__ import annotations

from deskapp.sync import (
    DEFAULT_WINDOW_DAYS,
    SyncOutcome,
    SyncResult,
    SyncStatus,
    sync,
    sync_status,
)
from deskapp.sync.batch import DEFAULT_BATCH

__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_WINDOW_DAYS",
    "SyncOutcome",
    "SyncResult",
    "SyncStatus",
    "sync",
    "sync_status",
]
