"""Report periods (SPEC 8): a week, month, quarter or year of local dates, and the UTC instants it spans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIOD_KINDS = ("week", "month", "quarter")


@dataclass(frozen=True)
class Period:
    kind: str  # week | month | quarter | year
    first_day: date  # local dates, inclusive
    last_day: date
    start: datetime  # UTC instants: [start, end)
    end: datetime


def period_first_day(kind: str, day: date) -> date:
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if kind == "year":
        return date(day.year, 1, 1)
    raise ValueError(f"unknown period {kind!r}")


def _next_first_day(kind: str, first: date) -> date:
    if kind == "week":
        return first + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    index = first.month - 1 + months
    return date(first.year + index // 12, index % 12 + 1, 1)


def period_from(kind: str, first_day: date, tz: ZoneInfo) -> Period:
    following = _next_first_day(kind, first_day)
    return Period(kind=kind, first_day=first_day, last_day=following - timedelta(days=1),
                  start=local_midnight(first_day, tz), end=local_midnight(following, tz))


def current_period(kind: str, now: datetime, tz: ZoneInfo) -> Period:
    """The period of this kind that contains `now` in the zone `tz`."""
    return period_from(kind, period_first_day(kind, now.astimezone(tz).date()), tz)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(ZoneInfo("UTC"))


def day_span(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """One local day as UTC instants [start, end) (23 or 25 hours long on a DST change)."""
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
