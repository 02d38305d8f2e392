"""Business days and local wall times (models/infra/calendar.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.infra.calendar import BusinessCalendar, add_business_days, add_calendar_days, at_local

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
ZONES = [ZoneInfo(z) for z in ("UTC", "Europe/Berlin", "America/New_York", "Asia/Shanghai", "Australia/Sydney",
                               "America/Sao_Paulo", "Pacific/Chatham")]
CALENDARS = [BusinessCalendar(None), BusinessCalendar("CN"), BusinessCalendar("US"), BusinessCalendar("DE")]

instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31),
                        timezones=st.just(UTC))


def test_friday_goes_to_monday_at_the_same_local_time() -> None:
    friday = datetime(2026, 11, 27, 14, 30, tzinfo=BERLIN)
    due = add_business_days(friday.astimezone(UTC), 1, BERLIN, BusinessCalendar())
    assert due.astimezone(BERLIN) == datetime(2026, 11, 30, 14, 30, tzinfo=BERLIN)


def test_saturday_and_sunday_go_to_monday() -> None:
    for day in (28, 29):
        start = datetime(2026, 11, day, 10, 0, tzinfo=BERLIN).astimezone(UTC)
        assert add_business_days(start, 1, BERLIN, BusinessCalendar()).astimezone(BERLIN).date() == date(2026, 11, 30)


def test_chinese_national_day_and_its_substituted_days_off_are_skipped() -> None:
    start = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert add_business_days(start, 1, SHANGHAI, BusinessCalendar("CN")).astimezone(SHANGHAI) == datetime(
        2026, 10, 8, 10, 0, tzinfo=SHANGHAI)
    assert add_business_days(start, 1, SHANGHAI, BusinessCalendar(None)).astimezone(SHANGHAI).date() == date(
        2026, 10, 1)


def test_us_independence_day_observed_on_friday() -> None:
    start = datetime(2026, 7, 2, 16, 0, tzinfo=NEW_YORK).astimezone(UTC)
    due = add_business_days(start, 1, NEW_YORK, BusinessCalendar("us"))
    assert due.astimezone(NEW_YORK) == datetime(2026, 7, 6, 16, 0, tzinfo=NEW_YORK)


def test_over_the_spring_forward_weekend_the_wall_time_stays_and_the_gap_is_an_hour() -> None:
    friday = datetime(2026, 3, 27, 9, 0, tzinfo=BERLIN).astimezone(UTC)
    monday = add_business_days(friday, 1, BERLIN, BusinessCalendar())
    assert monday.astimezone(BERLIN).time() == time(9, 0)
    assert monday - friday == timedelta(hours=71)


def test_three_calendar_days_keep_the_local_time_across_the_autumn_change() -> None:
    start = datetime(2026, 10, 30, 9, 0, tzinfo=NEW_YORK).astimezone(UTC)  # US clocks go back on Nov 1
    later = add_calendar_days(start, 3, NEW_YORK)
    assert later.astimezone(NEW_YORK) == datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK)
    assert later - start == timedelta(days=3, hours=1)


def test_a_wall_time_in_the_spring_gap_comes_out_shifted_by_the_gap() -> None:
    at = at_local(date(2026, 3, 29), time(2, 30), BERLIN)  # 02:30 does not exist in Berlin that day
    assert at.astimezone(BERLIN).time() == time(3, 30)


def test_an_unknown_country_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="not a country code"):
        BusinessCalendar("XX")


def test_days_must_be_positive() -> None:
    with pytest.raises(ValueError):
        add_business_days(datetime(2026, 1, 1, tzinfo=UTC), 0, BERLIN, BusinessCalendar())


def _gap_on(day: date, tz: ZoneInfo) -> bool:
    """The day has a daylight-saving change (so a wall time may not exist or be repeated)."""
    return at_local(day, time(0), tz).utcoffset() != at_local(day + timedelta(days=1), time(0), tz).utcoffset() or (
        datetime.combine(day, time(0), tzinfo=tz).utcoffset()
        != datetime.combine(day, time(23, 59), tzinfo=tz).utcoffset()
    )


@settings(max_examples=300, deadline=None)
@given(start=instants, days=st.integers(1, 5), tz=st.sampled_from(ZONES), calendar=st.sampled_from(CALENDARS))
def test_business_days_land_on_a_business_day_strictly_later_skipping_only_non_business_days(
    start: datetime, days: int, tz: ZoneInfo, calendar: BusinessCalendar,
) -> None:
    due = add_business_days(start, days, tz, calendar)
    local_start, local_due = start.astimezone(tz), due.astimezone(tz)
    assert calendar.is_business_day(local_due.date())
    assert due > start
    between = [local_start.date() + timedelta(days=i) for i in range(1, (local_due.date() - local_start.date()).days)]
    assert sum(calendar.is_business_day(d) for d in between) == days - 1, "exactly days-1 business days in between"
    skipped = sum(not calendar.is_business_day(d) for d in between)
    assert (local_due.date() - local_start.date()).days == days + skipped
    if not _gap_on(local_due.date(), tz):
        assert local_due.time().replace(fold=0) == local_start.time().replace(fold=0)


@settings(max_examples=300, deadline=None)
@given(start=instants, days=st.integers(1, 30), tz=st.sampled_from(ZONES))
def test_calendar_days_keep_the_local_date_step_and_wall_time(start: datetime, days: int, tz: ZoneInfo) -> None:
    later = add_calendar_days(start, days, tz)
    local_start, local_later = start.astimezone(tz), later.astimezone(tz)
    assert (local_later.date() - local_start.date()).days == days
    assert later > start
    assert abs((later - start) - timedelta(days=days)) <= timedelta(hours=1)  # at most one DST change of an hour
    if not _gap_on(local_later.date(), tz):
        assert local_later.time().replace(fold=0) == local_start.time().replace(fold=0)
