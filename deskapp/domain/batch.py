"""批量投诉: one cause reaching many customers (an outage, a bad promotion), handled as one
incident whose tickets are linked, closed together and visited each."""

from __future__ import annotations

from datetime import datetime, timedelta

from deskapp.domain.errors import FieldError


def batch_matches(batch_cause: str, cause_code: str) -> bool:
    """A complaint's cause falls under a batch's cause when the batch's node (any level of the
    cause tree) is the complaint's cause or one of its ancestors: NET.OUTAGE takes
    NET.OUTAGE.AREA, not NET.COVER.INDOOR."""
    if not batch_cause or not cause_code:
        return False
    return cause_code == batch_cause or cause_code.startswith(batch_cause + ".")


# When a batch may start, from now (the batch form refuses a start outside these, in words).
# Ahead: a complaint plan is opened with its marketing campaign (投诉预案与营销案一并启动), which
# the hall announces at most about a quarter ahead; a start further out is a mistyped year.
START_LEAD = timedelta(days=92)
# Back: an outage or promotion the hall only now gathers complaints of may have begun some
# weeks ago, but intake takes no complaint received more than 30 days back, so a batch that
# started earlier than that would gather nothing new; a start older than this is a typing slip.
START_BACK = timedelta(days=30)


def check_start(started_at: datetime, now: datetime) -> FieldError | None:
    """A batch's start within START_BACK before now and START_LEAD after it."""
    if started_at > now + START_LEAD:
        return FieldError("started_at", "error.batch.start_ahead", {"days": START_LEAD.days})
    if started_at < now - START_BACK:
        return FieldError("started_at", "error.batch.start_back", {"days": START_BACK.days})
    return None
