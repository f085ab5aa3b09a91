"""重复投诉: the same customer (by contact phone) complaining again within the look-back window."""

from __future__ import annotations

from datetime import datetime, timedelta


def repeat_window_start(received_at: datetime, window_days: int) -> datetime:
    return received_at - timedelta(days=window_days)


def is_within_repeat_window(
    earlier_received_at: datetime, received_at: datetime, window_days: int
) -> bool:
    return repeat_window_start(received_at, window_days) <= earlier_received_at <= received_at
