"""统计报表: the hall's figures for a day, week, month or range of days, for this terminal,
the hall, or an area of several halls (on a synchronized store), as tables that the screen
shows and deskapp/services/exports.py writes to xlsx, csv and json.

Which tickets each figure counts (also stated beside every figure, on screen and in exports):

* **受理 received** (R): received in the period (`received_at` in `[start, end)`), whatever
  their state now. Counts, per 10,000 customers, control attainment, on-site resolution,
  repeat / escalated / batch / reopened counts, TOP10 causes, the service-process breakdown
  and the received line of the trend count R.
* **结案 closed** (C): closed in the period (`closed_at` in `[start, end)`) and still closed
  now (状态 已结案 or 已回访; a ticket reopened since has no closing time until it is closed
  again). Timeliness, satisfaction, the 已结案投诉级别统计表, the team tables and the closed line
  of the trend count C.
* **处理中 being handled**: any time of the period during which a ticket was open, dispatched
  or replied (not yet closed), from its intake time (受理时间, not the moment the form was
  saved: a complaint typed in later is overdue from its deadline, as F4 shows it). Overdue
  tickets and ticket-days count those stretches.

**Timeliness (及时率: closed within all limits)**, computed from each ticket's events: the
ticket was registered within the registration limit (10 minutes after receiving, clock time)
and, at no moment between its registration and its closing, was any of its running deadlines
past (dispatch, first contact, progress contact, department response and updates, internal
investigation, promises to the customer; pauses move them as the follow-up queue does). In
other words: the follow-up queue never showed it overdue (压单) before it was closed. Replayed
by deskapp/domain/replay.py (the `ticket_facts` the queue's clocks use) with the time limits of
data/time_limits.toml, so it is the same judgement the queue made at the time. Imported
tickets: one that arrived closed cannot be judged (its handling happened elsewhere) and is
left out of the rate, which says how many were left out; one that arrived open is judged from
its arrival on this desk, without the registration limit.

**Satisfaction (满意率)**: of the tickets in C whose customer gave a verdict, the share
satisfied or basically satisfied: (满意 + 基本满意) / (满意 + 基本满意 + 不满意). "客户未表态"
and tickets without a verdict yet (closed, return visit not made) are left out, and counted.

**Overdue ticket-days (超时工单·天)**: for each ticket, the time inside the period during which
it was being handled and past a running deadline, summed over tickets, in days of 24 hours.
The return visit and the care follow-ups after closing are not counted here (they are not
handling); imported tickets count from their arrival on this desk.

**Teams**: a ticket belongs to the team of its current owner (处理人), from the `[[team]]`
lists of data/customer_base.toml; an owner in no team is a team of one.

The package, a module a job: `model` (the request, scope, tables, figures and how a cell
reads), `scope` (which halls and customer base), `queries` (what is read from the store),
`history` (the domain's replay with this desk's calendar and limits), `tables` (the table
builders), `accountability` (issue 17's accountability figures and issue 18's batches: what
they mean is deskapp/domain/accountability.py's), `build` (`build_report`), `arguments` (the
period a person types).

**Accountability (问责数据)**, for the hall's own review (people decide): 压单 per handler,
department and hall with the rulebook's amounts (data/accountability.toml), the list of the
overdue tickets, and the own-staff complaints per staff member are shown only to a viewer
holding `see_accountability` (the duty and hall managers); the repeat grading (同一问题被投诉
三次以上) and the batch complaints by incident to everyone. Every indicator says how many batch
complaints (批量投诉) it includes.
"""

from deskapp.domain.replay import CLOSED_STATES, History
from deskapp.services.reports.accountability import RESTRICTED_TABLES
from deskapp.services.reports.arguments import parse_day, period_from_args
from deskapp.services.reports.build import (
    accountability_report,
    add_accountability,
    build_report,
)
from deskapp.services.reports.history import (
    earliest_deadline,
    lower_bound_calendar,
    ticket_history,
)
from deskapp.services.reports.model import (
    OVER_MARK,
    SCREEN_LIST_LIMIT,
    Column,
    Figures,
    Kind,
    Report,
    ReportRequest,
    Scope,
    ScopeKind,
    Table,
    Trend,
    format_cell,
    period_label,
)
from deskapp.services.reports.scope import resolve_scope

__all__ = [
    "CLOSED_STATES",
    "OVER_MARK",
    "RESTRICTED_TABLES",
    "SCREEN_LIST_LIMIT",
    "Column",
    "Figures",
    "History",
    "Kind",
    "Report",
    "ReportRequest",
    "Scope",
    "ScopeKind",
    "Table",
    "Trend",
    "accountability_report",
    "add_accountability",
    "build_report",
    "earliest_deadline",
    "format_cell",
    "lower_bound_calendar",
    "parse_day",
    "period_from_args",
    "period_label",
    "resolve_scope",
    "ticket_history",
]
