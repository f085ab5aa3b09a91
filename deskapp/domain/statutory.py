"""全体公民放假的节日 of 《全国年节及纪念日放假办法》 (as revised in force from 2025): the fixed
statutory holidays, known years ahead, from which a year whose State Council schedule is not
published yet starts (DOMAIN.md, Time limits). Only the make-up working days (调休) and the
bridging days are unknown for such a year; the calendar still marks it provisional.

The days of the law in force: New Year's Day 1 (January 1), the Spring Festival 4 (the lunar
New Year's Eve and the first three days of the first lunar month), Qingming 1 (the day of the
solar term), Labour Day 2 (May 1–2), the Dragon Boat Festival 1 (5th of the 5th lunar month),
Mid-Autumn 1 (15th of the 8th lunar month), National Day 3 (October 1–3). Lunar dates come
from the maintained `lunardate` calendar library."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from lunardate import LunarDate

# The Qingming solar term, 清明: day of April = floor(Y × 0.2422 + C) − floor(Y / 4), Y the
# year's last two digits, C = 4.81 for the years 2000–2099 (the usual solar-term formula).
_QINGMING_C = 4.81


def qingming(year: int) -> date:
    if not 2000 <= year <= 2099:
        raise ValueError(f"the Qingming formula holds for 2000–2099, not {year}")
    y = year % 100
    return date(year, 4, int(y * 0.2422 + _QINGMING_C) - y // 4)


def _lunar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()  # type: ignore[no-any-return]


@cache
def statutory_holidays(year: int) -> dict[date, str]:
    """The fixed statutory holidays of `year` (2000–2099), date → name."""
    new_year = _lunar(year, 1, 1)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    for offset in (-1, 0, 1, 2):  # 除夕 and 初一 to 初三
        days[new_year + timedelta(days=offset)] = "春节"
    days[qingming(year)] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    for d in (1, 2, 3):
        days.setdefault(date(year, 10, d), "国庆节")
    return days


def statutory_holiday(day: date) -> str | None:
    """The statutory holiday on `day`, if any. (The lunar New Year falls on January 21 at the
    earliest, so its eve is always in the festival's own year.)"""
    if not 2000 <= day.year <= 2099:
        return None  # outside the solar-term formula's years (the library knows those)
    return statutory_holidays(day.year).get(day)
