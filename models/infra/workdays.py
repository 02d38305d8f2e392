"""Business days: not a weekend and not a public holiday of DEALROOM_HOLIDAYS (the `holidays` package)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def is_workday(day: date, country: str | None = None) -> bool:
    if day.weekday() >= 5:
        return False
    return not (country and day in _calendar(country))


def first_workday_of_month(day: date, country: str | None = None) -> date:
    first = day.replace(day=1)
    while not is_workday(first, country):
        first += timedelta(days=1)
    return first
