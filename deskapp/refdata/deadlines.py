"""The reference files the deadlines read: data/time_limits.toml and data/holidays.toml, loaded
with the deadline rules behind them only when a deadline is first computed (deskapp/refdata)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from pydantic import Field, model_validator

from deskapp.domain.deadlines import ClockKind, Limit, TimeLimits, TimeUnit
from deskapp.domain.worktime import HolidayOverrides, YearSchedule
from deskapp.refdata import StrictModel


class ClockLimit(StrictModel):
    amount: Decimal = Field(gt=0)
    unit: TimeUnit
    times: int = Field(1, ge=1)

    def to_domain(self) -> Limit:
        return Limit(Fraction(self.amount), self.unit, self.times)


class WarningSection(StrictModel):
    due_soon_minutes: int = Field(15, gt=0)
    highlight_minutes: int = Field(60, gt=0)


class CareSection(StrictModel):
    # 后续服务 after every external (customer) complaint once solved (the rulebook); false
    # leaves out the complaints solved on the spot.
    after_on_spot: bool = True


class TimeLimitsFile(StrictModel):
    """data/time_limits.toml. A missing clock is an error: every limit is stated in the file."""

    clock: dict[ClockKind, ClockLimit]  # every kind but `promise`
    warning: WarningSection = WarningSection()
    care: CareSection = CareSection()

    @model_validator(mode="after")
    def _complete(self) -> TimeLimitsFile:
        self.to_domain()  # every clock present, whole numbers where the unit needs them
        return self

    def to_domain(self) -> TimeLimits:
        return TimeLimits(
            clocks={k: v.to_domain() for k, v in self.clock.items()},
            due_soon=timedelta(minutes=self.warning.due_soon_minutes),
            highlight=timedelta(minutes=self.warning.highlight_minutes),
            care_after_on_spot=self.care.after_on_spot,
        )


class YearScheduleEntry(StrictModel):
    source: str = ""
    holidays: list[date] = []
    makeup_workdays: list[date] = []


class HolidaysFile(StrictModel):
    """data/holidays.toml: [year.2027] tables of published schedules the library lacks."""

    year: dict[int, YearScheduleEntry] = {}

    @model_validator(mode="after")
    def _consistent(self) -> HolidaysFile:
        self.to_domain()  # dates in their year, make-up days on weekends, no date twice
        return self

    def to_domain(self) -> HolidayOverrides:
        return HolidayOverrides(
            years={
                y: YearSchedule(y, frozenset(e.holidays), frozenset(e.makeup_workdays), e.source)
                for y, e in self.year.items()
            }
        )
