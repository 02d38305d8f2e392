"""Business days and local wall times (SPEC 7), pure: no database, no Slack.

A business day is a weekday that is not a public holiday of the configured country
(`DEALROOM_HOLIDAYS`, a country code of the `holidays` package; none: weekends only).
Times move by local dates and keep the local wall time, so 09:00 stays 09:00 across a
daylight-saving change; a wall time that does not exist that day (the spring-forward gap)
comes out shifted by the gap, as the clocks do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = ["BusinessCalendar", "add_business_days", "add_calendar_days", "at_local"]

MAX_SKIPPED_DAYS = 366  # a calendar where no day in a year is a business day is a bug, not a wait


class BusinessCalendar:
    def __init__(self, country: str | None = None) -> None:
        self.country = country.strip().upper() if country and country.strip() else None
        try:
            self._holidays = holidays.country_holidays(self.country) if self.country else None
        except NotImplementedError:
            raise ValueError(f"{country!r} is not a country code the holidays package knows (e.g. CN, US)") from None

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day) if self._holidays is not None else None

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and (self._holidays is None or day not in self._holidays)

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        for offset in range(1, MAX_SKIPPED_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError(f"no business day within {MAX_SKIPPED_DAYS} days after {day}")


def at_local(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """`day` at the local wall time `wall` in `tz`, as aware UTC (the earlier instant of a repeated hour)."""
    return datetime.combine(day, wall.replace(tzinfo=None, fold=0), tzinfo=tz).astimezone(UTC)


def add_business_days(start: datetime, days: int, tz: ZoneInfo, calendar: BusinessCalendar) -> datetime:
    """The same local wall time as `start`, `days` business days later (counted on local dates)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    local = start.astimezone(tz)
    day = local.date()
    for _ in range(days):
        day = calendar.next_business_day(day)
    return at_local(day, local.time(), tz)


def add_calendar_days(start: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The same local wall time as `start`, `days` local dates later."""
    local = start.astimezone(tz)
    return at_local(local.date() + timedelta(days=days), local.time(), tz)
