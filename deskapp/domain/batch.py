"""批量投诉: one cause reaching many customers (an outage, a bad promotion), handled as one
incident whose tickets are linked, closed together and visited each."""

from __future__ import annotations


def batch_matches(batch_cause: str, cause_code: str) -> bool:
    """A complaint's cause falls under a batch's cause when the batch's node (any level of the
    cause tree) is the complaint's cause or one of its ancestors: NET.OUTAGE takes
    NET.OUTAGE.AREA, not NET.COVER.INDOOR."""
    if not batch_cause or not cause_code:
        return False
    return cause_code == batch_cause or cause_code.startswith(batch_cause + ".")
