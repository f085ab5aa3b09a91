"""The store's record types, its one fault type and its checks of a store file, as the services
hand them to the screens and the CLI (both reach the store only through services: import-linter
contracts of pyproject.toml). The services return these rows; the screens read their fields and
never write them."""

from __future__ import annotations

from deskapp.store.engine import cannot_be_written, on_read_only_filesystem
from deskapp.store.failures import StoreUnavailable, failure_key
from deskapp.store.models import BatchIncident, Complaint, Draft, HandoverItem, Shift, Staff

__all__ = [
    "BatchIncident",
    "Complaint",
    "Draft",
    "HandoverItem",
    "Shift",
    "Staff",
    "StoreUnavailable",
    "cannot_be_written",
    "failure_key",
    "on_read_only_filesystem",
]
