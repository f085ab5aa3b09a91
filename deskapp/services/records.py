"""The store's record types and its one fault type, as the services hand them to the screens
(screens reach the store only through services: an import-linter contract of pyproject.toml).
The services return these rows; the screens read their fields and never write them."""

from __future__ import annotations

from deskapp.store.failures import StoreUnavailable
from deskapp.store.models import Complaint, Draft, Shift, Staff

__all__ = ["Complaint", "Draft", "Shift", "Staff", "StoreUnavailable"]
