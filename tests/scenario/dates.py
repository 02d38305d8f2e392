"""Expected dates for scenario tests, derived from the test's clock (never from a calendar date written
in the test), and worded as the product words them in English and Chinese. The patterns are spelled
out here rather than asked of babel, so that a change in the product's wording shows in a test."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ZH_DAYS = "一二三四五六日"


def day_at(now: datetime, *, days: int = 0, at: time, tz: str = "UTC") -> datetime:
    """The instant it is `at` in `tz`, `days` after `now`'s date there (across daylight-saving changes)."""
    zone = ZoneInfo(tz)
    return datetime.combine(now.astimezone(zone).date() + timedelta(days=days), at, tzinfo=zone)


def month(day: date) -> str:
    """`November 2026`"""
    return f"{MONTHS[day.month - 1]} {day.year}"


def quarter(day: date) -> str:
    """`Q4 2026`"""
    return f"Q{(day.month - 1) // 3 + 1} {day.year}"


def quarter_key(day: date) -> str:
    """`2026-q4`, as typed in `/deal target`"""
    return f"{day.year}-q{(day.month - 1) // 3 + 1}"


def week_of(day: date) -> str:
    """`week of Nov 23, 2026`: the Monday of `day`'s week"""
    monday = day - timedelta(days=day.weekday())
    return f"week of {MONTHS[monday.month - 1][:3]} {monday.day}, {monday.year}"


def short_date(day: date) -> str:
    """`Tue 24 Nov 2026`, as in follow-ups and cards"""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def digest_date(day: date) -> str:
    """`Tue, Nov 24, 2026`, as in a digest's title"""
    return f"{DAYS[day.weekday()]}, {MONTHS[day.month - 1][:3]} {day.day}, {day.year}"


def zh_month(day: date) -> str:
    """`2026年11月`"""
    return f"{day.year}年{day.month}月"


def zh_date(day: date) -> str:
    """`2026年11月24日周二`"""
    return f"{day.year}年{day.month}月{day.day}日周{ZH_DAYS[day.weekday()]}"
