"""Reference data from `data/`: the numbers and trees the rules read. Loaded once per desk."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from deskapp.domain.categories import CauseTree
from deskapp.domain.enums import Channel, Severity


def default_data_dir() -> Path:
    """`data/` beside the package in a checkout or editable install; `_data` in a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parent / "data"):
        if (candidate / "hall.toml").is_file():
            return candidate
    raise FileNotFoundError("reference data directory not found (expected data/hall.toml)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HallSection(_Strict):
    timezone: str = "Asia/Shanghai"


class TextLimits(_Strict):
    customer_name: int = Field(40, gt=0)
    content: int = Field(2000, gt=0)
    demand: int = Field(1000, gt=0)
    outcome: int = Field(2000, gt=0)
    severity_reason: int = Field(500, gt=0)
    approval_reason: int = Field(500, gt=0)


class IntakeSection(_Strict):
    repeat_window_days: int = Field(30, gt=0)
    max_received_age_days: int = Field(30, gt=0)
    max_promise_days: int = Field(60, gt=0)
    text_limits: TextLimits = TextLimits()

    @property
    def max_received_age(self) -> timedelta:
        return timedelta(days=self.max_received_age_days)

    @property
    def max_promise_ahead(self) -> timedelta:
        return timedelta(days=self.max_promise_days)


class RefundSection(_Strict):
    max_amount: Decimal = Decimal("50000.00")


class SigninSection(_Strict):
    max_failures: int = Field(5, gt=0)
    lock_minutes: int = Field(5, gt=0)
    pin_min_length: int = Field(4, ge=4)
    pin_max_length: int = Field(12, le=64)


class HallSettings(_Strict):
    hall: HallSection = HallSection()
    intake: IntakeSection = IntakeSection()
    refund: RefundSection = RefundSection()
    signin: SigninSection = SigninSection()
    severity_floor: dict[Channel, Severity] = {}


class RefData:
    """Everything under one data directory, parsed and validated on first use."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir or default_data_dir()

    def _toml(self, name: str) -> dict:
        with (self.data_dir / name).open("rb") as fh:
            return tomllib.load(fh)

    @cached_property
    def settings(self) -> HallSettings:
        return HallSettings.model_validate(self._toml("hall.toml"))

    @cached_property
    def causes(self) -> CauseTree:
        return CauseTree.from_mapping(self._toml("categories.toml"))
