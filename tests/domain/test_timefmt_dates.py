"""read_local tells a date or time of day that does not exist (2026-02-30, 25:00) from a text
in the wrong form, in its own words, for every time field of the desk (they all read through
it)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from deskapp.domain.timefmt import read_local
from deskapp.i18n import t

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("2026-02-30 10:00", "error.time.no_such_date", "没有 2026-02-30 这一天"),
        ("2026年2月29日 10:00", "error.time.no_such_date", "没有 2026-02-29 这一天"),
        ("13-01 10:00", "error.time.no_such_date", "没有 2026-13-01 这一天"),
        ("24:30", "error.time.no_such_time", "没有 24:30 这个时刻"),
        ("2026-11-24 09:61", "error.time.no_such_time", "没有 09:61 这个时刻"),
        ("下周一", "error.time.format", "时间格式"),
    ],
)
def test_a_date_that_does_not_exist_is_said_as_such(text: str, key: str, words: str) -> None:
    moment, error = read_local("started_at", text, TZ, NOW)
    assert moment is None and error is not None
    assert (error.field, error.key) == ("started_at", key)
    assert words in t(error.key, **error.params)


def test_a_real_date_is_read() -> None:
    moment, error = read_local("started_at", "2028-02-29 10:00", TZ, NOW)
    assert error is None and moment == datetime(2028, 2, 29, 2, 0, tzinfo=UTC)
