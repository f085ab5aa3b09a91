"""data/customer_base.toml: the customer base and monthly control figures of each hall and
area, and the teams of the weekly closed-ticket list. Read the way deskapp/refdata.py reads
its files: validated on load, a mistake stops with a message naming it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from pydantic import Field, model_validator

from deskapp.domain.ticket_number import CODE
from deskapp.refdata import StrictModel, read_reference

FILE = "customer_base.toml"

N = TypeVar("N", int, float)  # a sum of halls' figures is of their kind


class ControlSection(StrictModel):
    per_10k: float | None = Field(25, gt=0)  # complaints per 10,000 customers per month


class AreaEntry(StrictModel):
    code: str
    name: str
    customers: int | None = Field(None, gt=0)  # default: the sum over its halls
    control: float | None = Field(None, gt=0)  # default: the sum over its halls
    per_10k: float | None = Field(None, gt=0)


class HallEntry(StrictModel):
    code: str
    name: str
    area: str = ""
    customers: int | None = Field(None, gt=0)
    control: float | None = Field(None, gt=0)  # 投诉控制量, complaints per month
    per_10k: float | None = Field(None, gt=0)


class TeamEntry(StrictModel):
    name: str
    members: list[str] = []


class CustomerBaseFile(StrictModel):
    control: ControlSection = ControlSection()
    area: list[AreaEntry] = []
    hall: list[HallEntry] = []
    team: list[TeamEntry] = []

    @model_validator(mode="after")
    def _consistent(self) -> CustomerBaseFile:
        areas = [a.code for a in self.area]
        halls = [h.code for h in self.hall]
        for code in areas + halls:
            if not CODE.fullmatch(code):
                raise ValueError(f"code {code!r}: 2–8 uppercase letters or digits")
        for kind, codes in (("area", areas), ("hall", halls)):
            if len(set(codes)) != len(codes):
                raise ValueError(f"a {kind} code is listed twice")
        for hall in self.hall:
            if hall.area and hall.area not in areas:
                raise ValueError(f"hall {hall.code}: area {hall.area!r} is not listed")
        seen: dict[str, str] = {}
        for team in self.team:
            for work_no in team.members:
                if work_no in seen:
                    raise ValueError(f"work number {work_no} is in {seen[work_no]} and {team.name}")
                seen[work_no] = team.name
        return self


@dataclass(frozen=True)
class Unit:
    """A hall or an area, with its figures resolved (an area's sums filled in)."""

    code: str
    name: str
    customers: int | None
    control: float | None  # monthly complaint control amount
    per_10k: float | None  # monthly control per 10,000 customers
    halls: tuple[str, ...]  # a hall: itself; an area: its halls in file order
    area: str = ""


@dataclass(frozen=True)
class CustomerBase:
    halls: dict[str, Unit]
    areas: dict[str, Unit]
    teams: dict[str, str]  # work number -> team name
    team_order: tuple[str, ...]

    def area_of(self, hall: str) -> Unit | None:
        unit = self.halls.get(hall)
        return self.areas.get(unit.area) if unit and unit.area else None


def _sum(values: list[N | None]) -> N | None:
    known = [v for v in values if v is not None]
    return None if not values or len(known) < len(values) else sum(known)


def _resolve(parsed: CustomerBaseFile) -> CustomerBase:
    default = parsed.control.per_10k
    halls = {
        h.code: Unit(
            h.code, h.name, h.customers, h.control, h.per_10k or default, (h.code,), h.area
        )
        for h in parsed.hall
    }
    areas = {}
    for a in parsed.area:
        members = [h for h in halls.values() if h.area == a.code]
        areas[a.code] = Unit(
            a.code,
            a.name,
            a.customers or _sum([h.customers for h in members]),
            a.control or _sum([h.control for h in members]),
            a.per_10k or default,
            tuple(h.code for h in members),
        )
    teams = {work_no: t.name for t in parsed.team for work_no in t.members}
    return CustomerBase(halls, areas, teams, tuple(t.name for t in parsed.team))


@cache
def _load(path: Path, mtime_ns: int) -> CustomerBase:
    def parse() -> CustomerBase:
        with path.open("rb") as fh:
            return _resolve(CustomerBaseFile.model_validate(tomllib.load(fh)))

    return read_reference(path, parse)  # a mistake: ReferenceDataError, said in words


def customer_base(data_dir: Path) -> CustomerBase:
    """The file under `data_dir` (read again when it changes); an empty base when absent."""
    path = data_dir / FILE
    if not path.is_file():
        return _resolve(CustomerBaseFile())
    return _load(path, path.stat().st_mtime_ns)
