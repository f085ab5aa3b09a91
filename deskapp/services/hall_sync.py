"""Synchronizing this terminal with the hall store, as the screens and the CLI ask for it: the
one door from them to deskapp/sync (settling a conflict: deskapp/services/conflicts.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deskapp.sync.batch import DEFAULT_BATCH

# The rest is imported when first used (PEP 562): the CLI reads DEFAULT_BATCH for its --help
# without loading the sync machinery (issue 22).
_LAZY = ("DEFAULT_WINDOW_DAYS", "SyncOutcome", "SyncResult", "SyncStatus", "sync", "sync_status")

if TYPE_CHECKING:
    from deskapp.sync import (
        DEFAULT_WINDOW_DAYS,
        SyncOutcome,
        SyncResult,
        SyncStatus,
        sync,
        sync_status,
    )


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import deskapp.sync

    value = getattr(deskapp.sync, name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_WINDOW_DAYS",
    "SyncOutcome",
    "SyncResult",
    "SyncStatus",
    "sync",
    "sync_status",
]
