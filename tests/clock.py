"""When the tests' clocks start.

Tests never depend on today's date, and their clock does not wander far from it either: by default it
starts at 09:00 UTC on the Monday of the current week, so what runs on real time beside it (PostgreSQL,
Slack's request timestamps, a `dealroom` subprocess) is never more than a week away. To run the suite
in another week, say which Monday:

    DEALROOM_TEST_CLOCK_START=2027-10-25T09:00:00Z make test

A run picks its start once (tests/conftest.py), so every xdist worker shares it, and names it when a
test fails. Scenario tests derive their dates from `bot.clock.now()`; a test about one calendar fact
(a holiday, a month end, a daylight-saving change) sets its clock to that date itself.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from models.infra.clock import FakeClock

ENV = "DEALROOM_TEST_CLOCK_START"
START_TIME = timedelta(hours=9)  # 09:00 UTC: office hours in Berlin and London, a Monday evening in Shanghai


class StartError(ValueError):
    pass


def monday_of(day: date) -> datetime:
    """09:00 UTC on the Monday of `day`'s week."""
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC) + START_TIME


def parse(text: str) -> datetime:
    """An ISO 8601 instant with its offset (`2027-10-25T09:00:00Z`), or a date (`2027-10-25`, 09:00 UTC).
    It must be a Monday: scenario tests start a working week."""
    text = text.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise StartError(f"{ENV}={text!r}: not an ISO 8601 date or instant (e.g. 2027-10-25T09:00:00Z)") from None
    if len(text) == 10:  # a date alone
        when = when.replace(tzinfo=UTC) + START_TIME
    if when.tzinfo is None:
        raise StartError(f"{ENV}={text!r}: say which zone, e.g. {text}Z for UTC")
    when = when.astimezone(UTC)
    if when.weekday() != 0:
        raise StartError(f"{ENV}={text!r}: is a {when:%A} in UTC; tests start on a Monday")
    return when


def format_start(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def week_of_a_clock_change(after: date, zone: str = "Europe/Berlin") -> datetime:
    """The start (Monday 09:00 UTC) of the week in which `zone` next changes its clocks after `after`:
    `make test-dates` runs a year ahead in such a week."""
    tz = ZoneInfo(zone)

    def offset(day: date) -> timedelta | None:
        return datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()

    day = after
    while offset(day) == offset(day + timedelta(days=1)):
        day += timedelta(days=1)
    return monday_of(day + timedelta(days=1))  # the change happens overnight: its week is the next day's


def start() -> datetime:
    """This run's start: DEALROOM_TEST_CLOCK_START, else this week's Monday 09:00 UTC."""
    chosen = os.environ.get(ENV, "").strip()
    return parse(chosen) if chosen else monday_of(datetime.now(UTC).date())


def fake_clock() -> FakeClock:
    """A fake clock at this run's start, for a test to move."""
    return FakeClock(start())


class RunningClock:
    """Real time passing, but from this run's start: for a process under test that runs its own ticks
    (the playground) and so needs time to move by itself."""

    def __init__(self, started: datetime | None = None) -> None:
        self._started, self._at = started or start(), time.monotonic()

    def now(self) -> datetime:
        return self._started + timedelta(seconds=time.monotonic() - self._at)


if __name__ == "__main__":  # `python -m tests.clock --year-ahead`: the start `make test-dates` uses
    if sys.argv[1:] != ["--year-ahead"]:
        sys.exit("usage: python -m tests.clock --year-ahead")
    print(format_start(week_of_a_clock_change(datetime.now(UTC).date() + timedelta(days=365))))
