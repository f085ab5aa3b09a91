"""Reference data from `data/`: the numbers and trees the rules read. Loaded once per desk."""

from __future__ import annotations

import errno
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from deskapp.domain.clean_input import text_problem
from deskapp.domain.enums import Channel, ClaimedTo, Severity
from deskapp.domain.worktime import ChineseCalendarLibrary, OpeningHours, WorkCalendar, parse_period

# The files the deadlines read (deskapp/refdata/deadlines.py), the causes and the accountability
# rules are imported when first read: a command that reads only hall.toml (the staff commands)
# does not load the deadline, cause and indicator rules behind them (issue 22).
if TYPE_CHECKING:
    from deskapp.domain.accountability import Penalties
    from deskapp.domain.categories import CauseTree
    from deskapp.domain.deadlines import TimeLimits
    from deskapp.domain.worktime import HolidayOverrides


def default_data_dir() -> Path:
    """`data/` beside the package in a checkout or editable install; `_data` in a wheel."""
    here = Path(__file__).resolve().parent.parent  # deskapp/
    for candidate in (here / "_data", here.parent / "data"):
        if (candidate / "hall.toml").is_file():
            return candidate
    raise FileNotFoundError("reference data directory not found (expected data/hall.toml)")


class StrictModel(BaseModel):
    """A model of a reference data file: unknown keys are refused, values cannot change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HallSection(StrictModel):
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """Every time the desk shows or reads is in this zone: an unknown one is refused
        when the desk opens, not at the first time shown."""
        try:
            ZoneInfo(value)
        except (ValueError, KeyError):  # (ZoneInfoNotFoundError is a KeyError)
            raise ValueError(f"不认识的时区 {value!r}(应如 Asia/Shanghai)") from None
        return value


class TextLimits(StrictModel):
    customer_name: int = Field(40, gt=0)
    content: int = Field(2000, gt=0)
    demand: int = Field(1000, gt=0)
    outcome: int = Field(2000, gt=0)
    severity_reason: int = Field(500, gt=0)
    approval_reason: int = Field(500, gt=0)


class IntakeSection(StrictModel):
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


class RefundSection(StrictModel):
    max_amount: Decimal = Decimal("50000.00")


class SigninSection(StrictModel):
    max_failures: int = Field(5, gt=0)
    lock_minutes: int = Field(5, gt=0)
    pin_min_length: int = Field(4, ge=4)
    pin_max_length: int = Field(12, le=64)


_STANDARD_DAY = ["08:30-12:00", "13:30-17:30"]
_WEEKEND_DAY = ["09:00-17:00"]


class OpeningHoursSection(StrictModel):
    """营业时间, hall.toml [opening_hours]: periods per weekday ("08:30-12:00"), lunch break
    as the gap. Working time is these periods on national working days (see the file)."""

    monday: list[str] = _STANDARD_DAY
    tuesday: list[str] = _STANDARD_DAY
    wednesday: list[str] = _STANDARD_DAY
    thursday: list[str] = _STANDARD_DAY
    friday: list[str] = _STANDARD_DAY
    saturday: list[str] = _WEEKEND_DAY
    sunday: list[str] = _WEEKEND_DAY
    makeup_workday: Literal["monday", "tuesday", "wednesday", "thursday", "friday"] = "monday"

    @field_validator("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    @classmethod
    def _periods(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_period(text)  # raises ValueError with the offending text
        return value

    @model_validator(mode="after")
    def _whole_week(self) -> OpeningHoursSection:
        self.to_domain()  # order, overlaps, at least one weekday with hours
        return self

    def to_domain(self) -> OpeningHours:
        days = self.model_dump(exclude={"makeup_workday"})
        return OpeningHours.from_texts(days, self.makeup_workday)


class FollowupSection(StrictModel):
    # Unreached contact attempts (since the last time the customer was reached) before the
    # clocks may be paused as "customer unreachable".
    unreachable_attempts: int = Field(2, ge=1)
    max_pause_days: int = Field(30, gt=0)
    # 延期申请: how far ahead of now an extended deadline may lie (beyond it is not an extension)
    max_extension_days: int = Field(30, gt=0)
    # How far ahead a queue notification looks while the desk is open, in seconds between looks.
    notify_every_seconds: int = Field(30, gt=0)


class ImportsSection(StrictModel):
    # A file larger than this is refused before it is read (docs/import.md).
    max_file_mb: int = Field(50, gt=0)


class HallSettings(StrictModel):
    hall: HallSection = HallSection()
    opening_hours: OpeningHoursSection = OpeningHoursSection()
    intake: IntakeSection = IntakeSection()
    refund: RefundSection = RefundSection()
    signin: SigninSection = SigninSection()
    followup: FollowupSection = FollowupSection()
    imports: ImportsSection = ImportsSection()
    severity_floor: dict[Channel, Severity] = {}


class Department(StrictModel):
    code: str
    name: str
    contact: str = ""  # 专(兼)职接口人: the department's contact person for complaints


class RefundErrorType(StrictModel):
    """退费差错类型 (data/refund_errors.toml): `double` for the six billing errors of the job
    manual (收费误差,双倍返还); any other refunds the difference itself."""

    code: str
    name: str
    double: bool = False


class _RefundErrorsFile(StrictModel):
    error_type: list[RefundErrorType] = Field(min_length=1)


class _OverdueAmounts(StrictModel):
    per_ticket: Decimal = Field(default=Decimal("50"), ge=0)
    per_further_day: Decimal = Field(default=Decimal("50"), ge=0)


class _RepeatGrade(StrictModel):
    times: int = Field(default=3, ge=2)


class _AccountabilityFile(StrictModel):
    """data/accountability.toml: the rulebook's amounts (deskapp/domain/accountability.py)."""

    overdue: _OverdueAmounts = Field(default_factory=_OverdueAmounts)
    repeat: _RepeatGrade = Field(default_factory=_RepeatGrade)


class EscalationLevel(StrictModel):
    code: str
    name: str
    role: str = ""


class _Script(StrictModel):
    cause: str = Field(min_length=1)
    text: str


@dataclass(frozen=True)
class DataProblem:
    """One thing wrong in a reference file, for the catalogue (deskapp.incidents.data_words):
    `key` under [data] of deskapp/locales, `entry` the [[table]] entry it is in (1-based, 0:
    none), `table` that entry's table, `setting` the key within it (or the dotted path)."""

    key: str
    table: str = ""
    entry: int = 0
    setting: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    # In the cause tree (data/categories.toml): the parent's code of the entry (`entry` its
    # place among its siblings), "" for a [[category]]; None elsewhere.
    under: str | None = None
    code: str = ""  # (the cause tree's entry's own code, once it has one)


class ReferenceDataError(ValueError):
    """A file under data/ the desk cannot use: its name and what is wrong, for the words the
    command and the desk show (never an incident). `detail` is the parser's own words (the
    log); `problems` what the catalogue says of it; `path` the file as the desk read it (in
    the data directory given, `--data-dir`, or the one shipped)."""

    def __init__(
        self,
        name: str,
        detail: str,
        problems: list[DataProblem] | None = None,
        path: Path | None = None,
    ) -> None:
        super().__init__(f"{path or name}: {detail}")
        self.name = name
        self.path = str(path) if path is not None else f"data/{name}"
        self.detail = detail
        self.problems = problems or [DataProblem("data.detail", params={"detail": detail})]


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_T = TypeVar("_T")


def _syntax_problem(error: tomllib.TOMLDecodeError, path: Path) -> DataProblem:
    """The line and column tomllib names; "at end of document" is the file's last line."""
    found = _TOML_AT.search(str(error))
    if found is None:
        try:
            last = max(1, len(path.read_bytes().splitlines()))
        except OSError:
            last = 0
        return DataProblem("data.syntax_end", params={"line": last})
    return DataProblem("data.syntax", params={"line": int(found[1]), "column": int(found[2])})


def _validation_problem(error: Mapping[str, Any]) -> DataProblem:
    """A pydantic error by where it is: ("script", 2, "cause") is entry 3 of [[script]]."""
    loc = list(error["loc"])
    table, entry = "", 0
    for i, part in enumerate(loc[:-1]):
        if isinstance(part, str) and isinstance(loc[i + 1], int):
            table, entry = part, loc[i + 1] + 1
            loc = loc[i + 2 :]
            break
    field_path = ".".join(str(p) for p in loc)
    kind = error["type"]
    if kind == "missing":
        return DataProblem("data.missing", table, entry, field_path)
    if kind == "extra_forbidden":
        return DataProblem("data.unknown_key", table, entry, field_path)
    # The words are the catalogue's, never pydantic's (English, "Value error, " before a
    # validator's own words): a validator's words where they are the desk's language, the
    # kind of value wanted for pydantic's own checks, else that the value cannot be used.
    ctx = error.get("ctx") or {}
    value = _shown_value(error.get("input"))
    if kind in ("value_error", "assertion_error"):
        words = str(ctx.get("error", ""))
        if _CJK.search(words):
            return DataProblem("data.bad_value", table, entry, field_path, {"detail": words})
        return DataProblem("data.bad_value_plain", table, entry, field_path, {"value": value})
    if kind in _PYDANTIC_WORDS:  # what is wanted, with the limit pydantic's context holds
        limits = {name: str(ctx[name]) for name in _LIMITS if name in ctx}
        if "expected" in limits:  # ("'a', 'b' or 'c'": pydantic's English "or")
            quoted = re.findall(r"'[^']*'", limits["expected"])
            limits["expected"] = "、".join(quoted) if quoted else limits["expected"]
        return DataProblem(f"data.wanted.{_PYDANTIC_WORDS[kind]}", table, entry, field_path,
                           limits)  # fmt: skip
    return DataProblem("data.bad_value_plain", table, entry, field_path, {"value": value})


_CJK = re.compile(r"[\u4e00-\u9fff]")
# pydantic's error types the reference models can raise, said by the catalogue under
# [data.wanted] (with the limit from pydantic's context: gt, ge, min_length…).
_PYDANTIC_WORDS = {
    "greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt",
    "less_than_equal": "le", "too_short": "min_length", "too_long": "max_length",
    "string_too_short": "min_length", "string_too_long": "max_length",
    "int_parsing": "int", "int_type": "int", "int_from_float": "int",
    "float_parsing": "number", "float_type": "number", "decimal_parsing": "number",
    "decimal_type": "number", "string_type": "string", "bool_type": "bool",
    "bool_parsing": "bool", "list_type": "list", "dict_type": "table", "model_type": "table",
    "model_attributes_type": "table", "literal_error": "one_of", "enum": "one_of",
    "date_parsing": "date", "date_type": "date", "date_from_datetime_parsing": "date",
    "date_from_datetime_inexact": "date", "decimal_max_places": "decimal_places",
}  # fmt: skip

_LIMITS = ("gt", "ge", "lt", "le", "expected", "min_length", "max_length", "decimal_places")


def _shown_value(value: object) -> str:
    """The refused value as written, short (a table or a list: not repeated)."""
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int)) for v in value):
        text = "、".join(str(v) for v in value)  # (an opening day's periods)
    elif isinstance(value, (dict, list, tuple)) or value is None:
        return ""
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _read_problem(error: OSError) -> DataProblem:
    """The system's reason, and its errno name for the catalogue's words ([oserror])."""
    name = errno.errorcode.get(error.errno, "") if isinstance(error.errno, int) else ""
    return DataProblem("data.unreadable",
                       params={"reason": error.strerror or str(error), "errno": name})  # fmt: skip


def read_reference(path: Path, parse: Callable[[], _T]) -> _T:
    """`parse()`, which reads the reference file `path`; what is wrong with the file is raised
    as a ReferenceDataError naming it and where in it (the line, the entry), never as the
    parser's own exception: the desk and the commands say it in words (issue 18)."""
    name = path.name
    try:
        return parse()
    except ReferenceDataError:
        raise
    except tomllib.TOMLDecodeError as error:
        raise ReferenceDataError(name, str(error), [_syntax_problem(error, path)], path) from error
    except ValidationError as error:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        problems = [_validation_problem(e) for e in error.errors()]
        raise ReferenceDataError(name, detail, problems, path) from error
    except UnicodeDecodeError as error:
        raise ReferenceDataError(name, str(error), [DataProblem("data.not_utf8")], path) from error
    except ValueError as error:  # the cause tree's and the calendar's own checks
        raise ReferenceDataError(name, str(error), _tree_problems(error), path) from error
    except OSError as error:
        raise ReferenceDataError(name, str(error), [_read_problem(error)], path) from error


def _tree_problems(error: ValueError) -> list[DataProblem] | None:
    """The cause tree's mistake in the catalogue's words (the entry's place in the tree and
    the key); None for another check's (its own words)."""
    from deskapp.domain.categories import CauseTreeError

    if not isinstance(error, CauseTreeError):
        return None
    return [DataProblem(f"data.tree.{error.key}", "cause", error.index, error.setting,
                        error.params, under=error.parent, code=error.code)]  # fmt: skip


class _ScriptsFile(StrictModel):
    script: list[_Script] = []


class _DepartmentsFile(StrictModel):
    department: list[Department] = Field(min_length=1)


class _EscalationFile(StrictModel):
    level: list[EscalationLevel] = Field(min_length=2)
    # 声称升级: the severity floor each threatened body means
    claim_floor: dict[ClaimedTo, Severity] = {}
    # the level (a `code` of the chain) a complaint of each severity must reach before closing
    required_level: dict[Severity, str] = {}

    @model_validator(mode="after")
    def _known_levels(self) -> _EscalationFile:
        codes = [lv.code for lv in self.level]
        for severity, code in self.required_level.items():
            if code not in codes:
                raise ValueError(f"required_level.{severity.value}: no level {code!r}")
        return self


@dataclass(frozen=True)
class EscalationRules:
    """data/escalation.toml beyond the chain itself."""

    claim_floor: Mapping[ClaimedTo, Severity]
    required_level: Mapping[Severity, int]  # index in the chain


class RefData:
    """Everything under one data directory, parsed and validated on first use."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir or default_data_dir()
        self._calendars: dict[str, WorkCalendar] = {}

    def _toml(self, name: str) -> dict:
        with (self.data_dir / name).open("rb") as fh:
            return tomllib.load(fh)

    def _optional_toml(self, name: str) -> dict | None:
        return self._toml(name) if (self.data_dir / name).is_file() else None

    def _read(self, name: str, parse: Callable[[], _T]) -> _T:
        return read_reference(self.data_dir / name, parse)

    @cached_property
    def settings(self) -> HallSettings:
        name = "hall.toml"
        return self._read(name, lambda: HallSettings.model_validate(self._toml(name)))

    @cached_property
    def causes(self) -> CauseTree:
        from deskapp.domain.categories import CauseTree

        name = "categories.toml"
        return self._read(name, lambda: CauseTree.from_mapping(self._toml(name)))

    @cached_property
    def scripts(self) -> dict[str, str]:
        """data/scripts.toml: 标准话术 by cause code (none when the file is absent). Refused
        (ReferenceDataError) for a cause that is not a code of data/categories.toml, a cause
        written twice, or a text the desk cannot show cleanly (a control character: an ESC
        would reach the terminal raw; domain/clean_input.py's rule, as for typed text)."""
        name = "scripts.toml"
        parsed = self._read(
            name, lambda: _ScriptsFile.model_validate(self._optional_toml(name) or {})
        )
        causes = self.causes
        problems: list[DataProblem] = []
        first: dict[str, int] = {}
        for number, item in enumerate(parsed.script, start=1):
            code = item.cause
            if code not in causes:
                problems.append(DataProblem("data.unknown_cause", "script", number, "cause",
                                            {"code": code}))  # fmt: skip
            elif code in first:
                problems.append(DataProblem("data.duplicate_cause", "script", number, "cause",
                                            {"code": code, "first": first[code]}))  # fmt: skip
            else:
                first[code] = number
            if problem := text_problem(item.text, multiline=True):
                key = "data." + problem.removeprefix("error.")  # data.text.control, ...
                problems.append(DataProblem(key, "script", number, "text", {"code": code}))
        if problems:
            detail = "; ".join(f"script {p.entry}: {p.key} {dict(p.params)}" for p in problems)
            raise ReferenceDataError(name, detail, problems, self.data_dir / name)
        return {item.cause: item.text.strip() for item in parsed.script if item.text.strip()}

    def check(self) -> None:
        """Load every file the desk reads now, so a wrongly written one is refused in words
        (ReferenceDataError) when the desk opens, before anyone signs in, not at the first
        complaint, report or sign-in that reads it (issue 18)."""
        _ = self.settings
        _ = self.scripts  # and the cause tree it is checked against
        _ = self.time_limits
        _ = self.holiday_overrides
        _ = self.departments
        _ = self.refund_errors
        _ = self.accountability
        _ = self.escalation_rules

    @cached_property
    def opening_hours(self) -> OpeningHours:
        return self.settings.opening_hours.to_domain()

    @cached_property
    def time_limits(self) -> TimeLimits:
        """data/time_limits.toml; the docs/domain.md defaults when a data directory has no
        such file."""
        from deskapp.domain.deadlines import DEFAULT_LIMITS
        from deskapp.refdata.deadlines import TimeLimitsFile

        name = "time_limits.toml"

        def parse() -> TimeLimits:
            raw = self._optional_toml(name)
            if raw is None:
                return DEFAULT_LIMITS
            return TimeLimitsFile.model_validate(raw).to_domain()

        return self._read(name, parse)

    @cached_property
    def holiday_overrides(self) -> HolidayOverrides:
        """data/holidays.toml; none when a data directory has no such file."""
        from deskapp.refdata.deadlines import HolidaysFile

        name = "holidays.toml"
        return self._read(
            name, lambda: HolidaysFile.model_validate(self._optional_toml(name) or {}).to_domain()
        )

    @cached_property
    def work_calendar(self) -> WorkCalendar:
        """The hall's working-time calendar in hall.toml's time zone (see `work_calendar_for`)."""
        return self.work_calendar_for(ZoneInfo(self.settings.hall.timezone))

    def work_calendar_for(self, tz: ZoneInfo) -> WorkCalendar:
        """The working-time calendar in `tz` (a desk uses its terminal's zone, `Desk.tz`): the
        opening hours, the overrides of data/holidays.toml, then the holiday library. One per
        zone, so its memoised days are shared by every deadline computed on this desk."""
        found = self._calendars.get(tz.key)
        if found is None:
            found = self._calendars[tz.key] = WorkCalendar(
                tz, self.opening_hours, self.holiday_overrides, ChineseCalendarLibrary()
            )
        return found

    @cached_property
    def departments(self) -> dict[str, Department]:
        """data/departments.toml: the cooperating departments (协查部门), by code."""
        name = "departments.toml"
        parsed = self._read(name, lambda: _DepartmentsFile.model_validate(self._toml(name)))
        return {d.code: d for d in parsed.department}

    @cached_property
    def refund_errors(self) -> dict[str, RefundErrorType]:
        """data/refund_errors.toml: the error types a refund is recorded under, by code."""
        name = "refund_errors.toml"
        parsed = self._read(name, lambda: _RefundErrorsFile.model_validate(self._toml(name)))
        return {e.code: e for e in parsed.error_type}

    @cached_property
    def accountability(self) -> Penalties:
        """data/accountability.toml: 压单 amounts and the repeat grade; the rulebook's defaults
        when a data directory has no such file."""
        from deskapp.domain.accountability import Penalties

        name = "accountability.toml"
        parsed = self._read(
            name, lambda: _AccountabilityFile.model_validate(self._optional_toml(name) or {})
        )
        return Penalties(parsed.overdue.per_ticket, parsed.overdue.per_further_day,
                         parsed.repeat.times)  # fmt: skip

    @cached_property
    def _escalation_file(self) -> _EscalationFile:
        name = "escalation.toml"
        return self._read(name, lambda: _EscalationFile.model_validate(self._toml(name)))

    @cached_property
    def escalation(self) -> list[EscalationLevel]:
        """data/escalation.toml: the 逐级上报 chain, lowest level first."""
        return self._escalation_file.level

    @cached_property
    def escalation_rules(self) -> EscalationRules:
        parsed = self._escalation_file
        codes = [lv.code for lv in parsed.level]
        return EscalationRules(
            claim_floor=dict(parsed.claim_floor),
            required_level={s: codes.index(c) for s, c in parsed.required_level.items()},
        )
