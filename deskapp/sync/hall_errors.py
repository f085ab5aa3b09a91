"""What the hall store refuses, and why (the keys are those of the string catalogue)."""

from __future__ import annotations

from typing import Any


class HallStoreError(RuntimeError):
    """The hall store cannot be used as given (bad URL, network filesystem, too new)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}")
        self.key = key
        self.params = params


class BatchRefused(HallStoreError):
    """A malformed, tampered or oversized batch; nothing of it was written
    (the checks themselves are in sync/validate.py)."""

    def __init__(self, reason: str) -> None:
        super().__init__("sync.error.bad_batch", reason=reason[:300])


class PushGapError(RuntimeError):
    """A batch does not continue where the hall's high-water mark for the terminal stands."""
