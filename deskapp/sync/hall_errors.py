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


class CopiedStore(HallStoreError):
    """Two stores write under one terminal identity (a store file copied to another machine):
    the hall holds other changes under the numbers this store sends."""

    def __init__(self, node_id: str, seq: int) -> None:
        super().__init__("sync.error.copied_store", seq=seq)
        self.node_id = node_id


def change_stamp(hlc: str, entity_id: str) -> str:
    """One change told apart from another of the same number: its stamp and its record (two
    copies of a store can stamp alike under a stopped clock, never for the same new record)."""
    return f"{hlc} {entity_id}"


def check_same_identity(node_id: str, pushed: dict[int, str], held: dict[int, str]) -> None:
    """Raise CopiedStore at the first number whose change the hall holds differently."""
    for seq in sorted(pushed):
        if seq in held and held[seq] != pushed[seq]:
            raise CopiedStore(node_id, seq)
