"""The tests' clock start (tests/clock.py): this week's Monday unless DEALROOM_TEST_CLOCK_START names another."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests import clock


def test_the_start_is_nine_utc_on_the_monday_of_the_week() -> None:
    monday = datetime(2027, 10, 25, 9, 0, tzinfo=UTC)
    for day in range(7):
        assert clock.monday_of(date(2027, 10, 25) + timedelta(days=day)) == monday
    assert clock.monday_of(date(2027, 11, 1)) == monday + timedelta(days=7)


def test_the_start_follows_the_wall_clock_unless_the_variable_names_a_monday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(clock.ENV, raising=False)
    assert timedelta(0) <= datetime.now(UTC) - clock.start() + timedelta(hours=9) < timedelta(days=7)
    monkeypatch.setenv(clock.ENV, "2027-10-25T09:00:00Z")
    assert clock.fake_clock().now() == datetime(2027, 10, 25, 9, 0, tzinfo=UTC)
    monkeypatch.setenv(clock.ENV, " ")
    assert clock.start() == clock.monday_of(datetime.now(UTC).date())


@pytest.mark.parametrize(("text", "start"), [
    ("2027-10-25T09:00:00Z", datetime(2027, 10, 25, 9, 0, tzinfo=UTC)),
    ("2027-10-25", datetime(2027, 10, 25, 9, 0, tzinfo=UTC)),
    ("2027-03-22T08:30:00+01:00", datetime(2027, 3, 22, 7, 30, tzinfo=UTC)),
])
def test_a_start_is_an_instant_or_a_date(text: str, start: datetime) -> None:
    assert clock.parse(text) == start
    assert clock.parse(clock.format_start(start)) == start


@pytest.mark.parametrize(("text", "reason"), [
    ("next monday", "not an ISO 8601"),
    ("2027-10-25T09:00:00", "say which zone"),
    ("2027-10-29", "is a Friday"),
    ("2027-10-25T01:00:00+02:00", "is a Sunday"),
])
def test_a_start_that_is_not_a_monday_instant_is_refused(text: str, reason: str) -> None:
    with pytest.raises(clock.StartError, match=reason):
        clock.parse(text)


def test_the_run_ahead_lands_in_a_week_berlin_changes_its_clocks() -> None:
    assert clock.week_of_a_clock_change(date(2026, 12, 7)) == datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    assert clock.week_of_a_clock_change(date(2027, 3, 28)) == datetime(2027, 10, 25, 9, 0, tzinfo=UTC)
    assert clock.week_of_a_clock_change(date(2027, 11, 1)) == datetime(2028, 3, 20, 9, 0, tzinfo=UTC)


def test_a_running_clock_moves_on_from_the_start() -> None:
    start = datetime(2027, 10, 25, 9, 0, tzinfo=UTC)
    running = clock.RunningClock(start)
    assert timedelta(0) <= running.now() - start < timedelta(seconds=5)
