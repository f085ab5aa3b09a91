"""Which tickets a report counts and against which customer base: this terminal, the hall, or
an area of halls (data/customer_base.toml, overridden by the request)."""

from __future__ import annotations

from deskapp.domain.errors import RuleViolation
from deskapp.services.customer_base import CustomerBase, Unit, customer_base
from deskapp.services.desk import Desk
from deskapp.services.reports.model import ReportRequest, Scope, ScopeKind


def resolve_scope(desk: Desk, request: ReportRequest) -> Scope:
    base = customer_base(desk.refdata.data_dir)
    terminal = desk.terminal()
    if request.scope is ScopeKind.AREA:
        area = base.areas.get(request.area) if request.area else base.area_of(terminal.hall_code)
        if area is None:
            raise RuleViolation.single(
                "area", "error.report.area_unknown", area=request.area or terminal.hall_code
            )
        units = tuple(base.halls[h] for h in area.halls)
        return _scope(request, ScopeKind.AREA, area.code, area.name, area.halls, None, area, units)
    hall_code = (request.hall or terminal.hall_code).upper()
    hall = base.halls.get(hall_code)
    unit = hall or Unit(hall_code, "", None, None, _default_per_10k(base), (hall_code,))
    if request.scope is ScopeKind.TERMINAL:
        code = f"{terminal.hall_code}-{terminal.terminal_code}"
        mine = base.halls.get(terminal.hall_code) or Unit(
            terminal.hall_code, "", None, None, _default_per_10k(base), (terminal.hall_code,)
        )
        return _scope(
            request, ScopeKind.TERMINAL, code, mine.name, (terminal.hall_code,),
            terminal.terminal_code, mine, (mine,),
        )  # fmt: skip
    return _scope(request, ScopeKind.HALL, hall_code, unit.name, (hall_code,), None, unit, (unit,))


def _default_per_10k(base: CustomerBase) -> float | None:
    return next((u.per_10k for u in base.halls.values()), None) or 25.0


def _scope(
    request: ReportRequest,
    kind: ScopeKind,
    code: str,
    name: str,
    halls: tuple[str, ...],
    terminal: str | None,
    unit: Unit,
    units: tuple[Unit, ...],
) -> Scope:
    customers, source = unit.customers, "data" if unit.customers else "none"
    if request.customers is not None:
        customers, source = request.customers, "option"
    return Scope(
        kind=kind,
        code=code,
        name=name,
        halls=halls,
        terminal=terminal,
        customers=customers,
        customers_from=source,
        control=request.control if request.control is not None else unit.control,
        per_10k=request.per_10k_control if request.per_10k_control is not None else unit.per_10k,
        units=units,
    )
