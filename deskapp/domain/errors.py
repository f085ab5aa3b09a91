"""Errors the rules raise. They carry a message key and parameters, not text: the screens
and the CLI turn them into words through the string catalogue."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    key: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)  # (`field` is taken)


class RuleViolation(Exception):
    """One or more rules refused an action; nothing was written."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.key}" for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, field: str, key: str, **params: Any) -> RuleViolation:
        return cls([FieldError(field, key, params)])

    def keys(self) -> set[str]:
        return {e.key for e in self.errors}
