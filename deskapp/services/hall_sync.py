"""Synchronizing this terminal with the hall store, as the screens and the CLI ask for it: the
one door from them to deskapp/sync (settling a conflict: deskapp/services/conflicts.py)."""

from __future__ import annotations

# Re-exported, one name a line (`import X as X`: mypy's explicit re-export), so this door does
# not repeat deskapp/sync/__init__.py's list.
from deskapp.sync.batch import DEFAULT_BATCH as DEFAULT_BATCH
from deskapp.sync.run import DEFAULT_WINDOW_DAYS as DEFAULT_WINDOW_DAYS
from deskapp.sync.run import SyncOutcome as SyncOutcome
from deskapp.sync.run import SyncResult as SyncResult
from deskapp.sync.run import SyncStatus as SyncStatus
from deskapp.sync.run import sync as sync
from deskapp.sync.run import sync_status as sync_status
