"""Amounts and times as users type them (models.values)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.values import (
    MAX_AMOUNT,
    AmountError,
    InputError,
    WhenError,
    format_amount,
    format_when,
    parse_amount,
    parse_when,
    split_when,
)

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
# Monday 23 Nov 2026, 10:00 in Berlin (09:00 UTC).
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def when(text: str, *, now: datetime = NOW, tz: ZoneInfo = BERLIN, future_only: bool = False) -> datetime:
    return parse_when(text, now=now, tz=tz, future_only=future_only)


# ---------------------------------------------------------------------------------------------
# Amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("150000", "150000"),
        ("150,000", "150000"),
        ("150k", "150000"),
        ("150K", "150000"),
        ("1.5m", "1500000"),
        ("1.5M", "1500000"),
        ("$150,000", "150000"),
        ("¥150,000", "150000"),
        ("￥150,000", "150000"),
        ("€150k", "150000"),
        ("15万", "150000"),
        ("1.5亿", "150000000"),
        ("2b", "2000000000"),
        ("2bn", "2000000000"),
        ("１５０ｋ", "150000"),
        ("  150k  ", "150000"),
        ("$ 150 k", "150000"),
        ("150000.456", "150000.46"),
        ("0.5k", "500"),
        (".5k", "500"),
        ("15w", "150000"),
        ("150万元", "1500000"),
        ("+150", "150"),
        ("1,500万", "15000000"),
    ],
)
def test_parse_amount_accepts(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert value == Decimal(expected)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "0", "0k", "0.001", "-5", "-150k", "$-5", "nan", "NaN", "inf", "Infinity", "1e999", "1e6",
     "1,50,000", "150kk", "k", "万", "1.2.3", "150 000", "１" * 70, "5%", "--5"],
)  # fmt: skip
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(text)
    message = str(info.value)
    assert message and "\n" not in message and message.endswith(".")


def test_amount_errors_say_what_was_wrong() -> None:
    with pytest.raises(AmountError, match='could not read "abc" as an amount'):
        parse_amount("abc")
    with pytest.raises(AmountError, match="positive"):
        parse_amount("-5")
    with pytest.raises(AmountError, match="more than zero"):
        parse_amount("0")
    with pytest.raises(AmountError, match="too large"):
        parse_amount("2000000000000000")
    assert parse_amount("1000000000000000") == MAX_AMOUNT


def test_amount_errors_are_input_errors() -> None:
    assert issubclass(AmountError, InputError) and issubclass(InputError, ValueError)
    assert issubclass(WhenError, InputError)


@pytest.mark.parametrize(
    ("amount", "locale", "expected"),
    [
        ("150000", "en", "150,000"),
        ("150000.5", "en", "150,000.50"),
        ("1234.56", "en", "1,234.56"),
        ("12", "en", "12"),
        ("150000", "zh-CN", "15万"),
        ("1500000", "zh-CN", "150万"),
        ("150000000", "zh-CN", "1.5亿"),
        ("100000000", "zh-CN", "1亿"),
        ("10000", "zh-CN", "1万"),
        ("150500", "zh-CN", "150,500"),
        ("5000", "zh-CN", "5,000"),
        ("150000.50", "zh-CN", "150,000.50"),
        ("150000", "zh_CN", "15万"),
    ],
)
def test_format_amount(amount: str, locale: str, expected: str) -> None:
    assert format_amount(Decimal(amount), locale) == expected


amounts = st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2, allow_nan=False)


@given(amounts, st.sampled_from(["en", "zh-CN"]))
@settings(max_examples=200)
def test_format_then_parse_round_trips(amount: Decimal, locale: str) -> None:
    assert parse_amount(format_amount(amount, locale)) == amount


@given(st.integers(min_value=1, max_value=10**9))
def test_k_and_wan_multiply(n: int) -> None:
    assert parse_amount(f"{n}k") == Decimal(n) * 1000
    assert parse_amount(f"{n}万") == Decimal(n) * 10**4
    assert parse_amount(f"{n:,}") == Decimal(n)


@given(st.text(max_size=80))
@settings(max_examples=300)
def test_parse_amount_raises_only_amount_error(text: str) -> None:
    try:
        value = parse_amount(text)
    except AmountError as e:
        assert str(e)
    else:
        assert Decimal(0) < value <= MAX_AMOUNT


# ---------------------------------------------------------------------------------------------
# Times: the forms SPEC section 2 names (now = Monday 23 Nov 2026, 10:00 Berlin)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", berlin(2026, 12, 1, 9, 0)),
        ("2026-12-01 14:00", berlin(2026, 12, 1, 14, 0)),
        ("2026-12-01T14:00", berlin(2026, 12, 1, 14, 0)),
        ("2026-12-01T14:00Z", utc(2026, 12, 1, 14, 0)),
        ("in 90m", NOW + timedelta(minutes=90)),
        ("in 90 min", NOW + timedelta(minutes=90)),
        ("in 2h", NOW + timedelta(hours=2)),
        ("in 2 hours", NOW + timedelta(hours=2)),
        ("in 1h30m", NOW + timedelta(minutes=90)),
        ("in 3d", berlin(2026, 11, 26, 10, 0)),
        ("in 3 days", berlin(2026, 11, 26, 10, 0)),
        ("in 2w", berlin(2026, 12, 7, 10, 0)),
        ("in 2 weeks", berlin(2026, 12, 7, 10, 0)),
        ("in 1mo", berlin(2026, 12, 23, 10, 0)),
        ("in 1 month", berlin(2026, 12, 23, 10, 0)),
        ("in two weeks", berlin(2026, 12, 7, 10, 0)),
        ("in an hour", NOW + timedelta(hours=1)),
        ("2 days from now", berlin(2026, 11, 25, 10, 0)),
        ("tomorrow 10:00", berlin(2026, 11, 24, 10, 0)),
        ("Tomorrow 3pm", berlin(2026, 11, 24, 15, 0)),
        ("tomorrow at 3:30 pm", berlin(2026, 11, 24, 15, 30)),
        ("3pm tomorrow", berlin(2026, 11, 24, 15, 0)),
        ("tomorrow", berlin(2026, 11, 24, 9, 0)),
        ("today 17:00", berlin(2026, 11, 23, 17, 0)),
        ("17:00", berlin(2026, 11, 23, 17, 0)),
        ("tomorrow noon", berlin(2026, 11, 24, 12, 0)),
        ("day after tomorrow", berlin(2026, 11, 25, 9, 0)),
        ("next monday", berlin(2026, 11, 30, 9, 0)),
        ("next friday", berlin(2026, 11, 27, 9, 0)),
        ("monday", berlin(2026, 11, 30, 9, 0)),  # today's 09:00 has passed: the coming one
        ("monday 15:00", berlin(2026, 11, 23, 15, 0)),  # still ahead today
        ("wed", berlin(2026, 11, 25, 9, 0)),
        ("next friday at 3pm", berlin(2026, 11, 27, 15, 0)),
        ("at 15:00 on monday", berlin(2026, 11, 23, 15, 0)),
        ("at 10:00 on monday", berlin(2026, 11, 30, 10, 0)),  # 10:00 today is now, not ahead
        ("dec 1", berlin(2026, 12, 1, 9, 0)),
        ("December 1st", berlin(2026, 12, 1, 9, 0)),
        ("1 dec 2026 14:00", berlin(2026, 12, 1, 14, 0)),
        ("dec 1, 2027 at 3pm", berlin(2027, 12, 1, 15, 0)),
        ("1st of december", berlin(2026, 12, 1, 9, 0)),
        ("nov 1", berlin(2027, 11, 1, 9, 0)),  # passed this year: next year
        ("12am tomorrow", berlin(2026, 11, 24, 0, 0)),
        ("12pm tomorrow", berlin(2026, 11, 24, 12, 0)),
    ],
)
def test_parse_when_english(text: str, expected: datetime) -> None:
    result = when(text)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天17点", berlin(2026, 11, 23, 17, 0)),
        ("明天", berlin(2026, 11, 24, 9, 0)),
        ("明天下午3点", berlin(2026, 11, 24, 15, 0)),
        ("明天下午三点", berlin(2026, 11, 24, 15, 0)),
        ("明天上午10点半", berlin(2026, 11, 24, 10, 30)),
        ("后天中午12点", berlin(2026, 11, 25, 12, 0)),
        ("明天晚上8点15分", berlin(2026, 11, 24, 20, 15)),
        ("明天 15:00", berlin(2026, 11, 24, 15, 0)),
        ("明天１５：００", berlin(2026, 11, 24, 15, 0)),
        ("明天3点", berlin(2026, 11, 24, 3, 0)),  # bare H点 is 24-hour
        ("明天15点", berlin(2026, 11, 24, 15, 0)),
        ("下午3点", berlin(2026, 11, 23, 15, 0)),
        ("今晚", berlin(2026, 11, 23, 19, 0)),
        ("明天下午", berlin(2026, 11, 24, 15, 0)),
        ("30分钟后", NOW + timedelta(minutes=30)),
        ("2小时后", NOW + timedelta(hours=2)),
        ("半小时后", NOW + timedelta(minutes=30)),
        ("3天后", berlin(2026, 11, 26, 10, 0)),
        ("三天后", berlin(2026, 11, 26, 10, 0)),
        ("2周后", berlin(2026, 12, 7, 10, 0)),
        ("3天后下午2点", berlin(2026, 11, 26, 14, 0)),
        ("下周一", berlin(2026, 11, 30, 9, 0)),
        ("下周三", berlin(2026, 12, 2, 9, 0)),  # next calendar week, not the coming Wednesday
        ("下星期五上午10点", berlin(2026, 12, 4, 10, 0)),
        ("下周日", berlin(2026, 12, 6, 9, 0)),
        ("星期三", berlin(2026, 11, 25, 9, 0)),  # the coming one
        ("周五下午3点", berlin(2026, 11, 27, 15, 0)),
        ("12月1日", berlin(2026, 12, 1, 9, 0)),
        ("12月1号下午3点", berlin(2026, 12, 1, 15, 0)),
        ("2027年1月5日", berlin(2027, 1, 5, 9, 0)),
        ("2026年12月1日 14:00", berlin(2026, 12, 1, 14, 0)),
        ("１２月１日", berlin(2026, 12, 1, 9, 0)),
    ],
)
def test_parse_when_chinese_in_every_locale(text: str, expected: datetime) -> None:
    for locale in ("en", "zh-CN"):
        assert parse_when(text, now=NOW, tz=BERLIN, locale=locale, future_only=False) == expected


def test_m_is_minutes_and_mo_is_months() -> None:
    assert when("in 5m") == NOW + timedelta(minutes=5)
    assert when("in 5 min") == NOW + timedelta(minutes=5)
    assert when("in 5 minutes") == NOW + timedelta(minutes=5)
    assert when("in 5mo") == berlin(2027, 4, 23, 10, 0)
    assert when("in 5 months") == berlin(2027, 4, 23, 10, 0)


def test_months_clamp_to_the_end_of_the_month() -> None:
    jan31 = berlin(2027, 1, 31, 10, 0)
    assert when("in 1mo", now=jan31) == berlin(2027, 2, 28, 10, 0)


def test_other_time_zones() -> None:
    assert when("tomorrow 10:00", tz=SHANGHAI) == utc(2026, 11, 24, 2, 0)
    assert when("明天下午3点", tz=NEW_YORK) == utc(2026, 11, 24, 20, 0)
    # 23 Nov 09:00 UTC is 17:00 in Shanghai and 04:00 in New York: "today" follows the caller.
    assert when("today 20:00", tz=SHANGHAI) == utc(2026, 11, 23, 12, 0)
    assert when("today 20:00", tz=NEW_YORK) == utc(2026, 11, 24, 1, 0)


# ---------------------------------------------------------------------------------------------
# DST (Europe/Berlin springs forward on 29 Mar 2026 at 02:00, falls back on 25 Oct 2026 at 03:00)


def test_dst_tomorrow_morning_after_spring_forward() -> None:
    now = utc(2026, 3, 28, 10, 0)
    assert when("tomorrow 09:00", now=now) == utc(2026, 3, 29, 7, 0)
    assert when("明天上午9点", now=now) == utc(2026, 3, 29, 7, 0)
    assert when("tomorrow", now=now) == utc(2026, 3, 29, 7, 0)


def test_dst_calendar_days_keep_the_wall_time() -> None:
    now = utc(2026, 3, 27, 10, 0)  # 11:00 CET
    assert when("in 3d", now=now) == utc(2026, 3, 30, 9, 0)  # 11:00 CEST
    assert when("3天后", now=now) == utc(2026, 3, 30, 9, 0)
    autumn = utc(2026, 10, 23, 9, 0)  # 11:00 CEST
    assert when("in 1w", now=autumn) == utc(2026, 10, 30, 10, 0)  # 11:00 CET


def test_dst_hours_are_exact() -> None:
    now = utc(2026, 3, 29, 0, 30)  # 01:30 CET
    assert when("in 2h", now=now) == utc(2026, 3, 29, 2, 30)  # 04:30 CEST


def test_dst_gap_shifts_forward_and_ambiguous_takes_the_first() -> None:
    assert when("2026-03-29 02:30") == utc(2026, 3, 29, 1, 30)  # = 03:30 CEST
    assert when("2026-10-25 02:30") == utc(2026, 10, 25, 0, 30)  # the first 02:30 (CEST)


# ---------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize("text", ["yesterday", "today 09:00", "2026-11-01", "in 0m", "last friday"])
def test_past_is_refused_when_future_only(text: str) -> None:
    with pytest.raises(WhenError, match="in the past") as info:
        parse_when(text, now=NOW, tz=BERLIN)
    assert "(Europe/Berlin)" in str(info.value)  # names the resolved time
    assert when(text) <= NOW  # allowed when the past is fine (close dates)


def test_past_message_names_the_resolved_time() -> None:
    with pytest.raises(WhenError) as info:
        parse_when("today 09:00", now=NOW, tz=BERLIN)
    assert str(info.value) == '"today 09:00" is in the past: Mon 23 Nov 2026, 09:00 (Europe/Berlin).'


@pytest.mark.parametrize(
    "text",
    ["", "abc", "tomorrow call the CFO", "call the cfo tomorrow", "10", "2026", "monday 10", "1/12/2026",
     "tomorrow 10:00 and", "in 5 parsecs", "may", "x" * 300, "明天打电话", "next", "the 1st"],
)  # fmt: skip
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(WhenError):
        when(text)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "25:00", "tomorrow 13pm", "2月30日", "明天25点"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(WhenError, match="not a real date"):
        when(text)


def test_dateparser_handles_the_english_long_tail() -> None:
    assert when("in a fortnight") == berlin(2026, 12, 7, 10, 0)
    assert when("this coming friday") == berlin(2026, 11, 27, 9, 0)
    assert when("a week from now") == berlin(2026, 11, 30, 10, 0)
    assert when("two weeks ago") == berlin(2026, 11, 9, 10, 0)


@given(st.text(max_size=40))
@settings(max_examples=150, deadline=None)
def test_parse_when_raises_only_when_error(text: str) -> None:
    try:
        result = when(text)
    except WhenError as e:
        assert str(e)
    else:
        assert result.tzinfo is UTC


@given(
    st.lists(
        st.sampled_from(["in", "2", "h", "tomorrow", "at", "10:00", "next", "monday", "dec", "1", "明天", "下午",
                         "3点", "the", "of", "pm", "call", "周一", "天后", ":", "mo", "m"]),
        max_size=6,
    )
)  # fmt: skip
@settings(max_examples=150, deadline=None)
def test_parse_when_on_word_salad(words: list[str]) -> None:
    with contextlib.suppress(WhenError):
        when(" ".join(words))


# ---------------------------------------------------------------------------------------------
# split_when


def test_split_when_takes_the_longest_time() -> None:
    due, rest = split_when(["tomorrow", "10:00", "send", "the", "contract"], now=NOW, tz=BERLIN)
    assert due == berlin(2026, 11, 24, 10, 0)
    assert rest == ["send", "the", "contract"]


def test_split_when_relative_and_chinese() -> None:
    assert split_when(["in", "2h", "call"], now=NOW, tz=BERLIN) == (NOW + timedelta(hours=2), ["call"])
    due, rest = split_when(["明天下午3点", "打电话"], now=NOW, tz=BERLIN)
    assert (due, rest) == (berlin(2026, 11, 24, 15, 0), ["打电话"])
    due, rest = split_when(["明天下午3点打电话给客户"], now=NOW, tz=BERLIN)
    assert (due, rest) == (berlin(2026, 11, 24, 15, 0), ["打电话给客户"])
    due, rest = split_when(["3天后回访"], now=NOW, tz=BERLIN)
    assert (due, rest) == (berlin(2026, 11, 26, 10, 0), ["回访"])


def test_split_when_needs_a_what() -> None:
    with pytest.raises(WhenError, match="Say what the follow-up is"):
        split_when(["tomorrow", "10:00"], now=NOW, tz=BERLIN)


def test_split_when_needs_a_when() -> None:
    with pytest.raises(WhenError, match="could not read a time"):
        split_when(["call", "the", "CFO"], now=NOW, tz=BERLIN)
    with pytest.raises(WhenError):
        split_when([], now=NOW, tz=BERLIN)


def test_split_when_refuses_the_past() -> None:
    with pytest.raises(WhenError, match="in the past"):
        split_when(["yesterday", "call"], now=NOW, tz=BERLIN)
    with pytest.raises(WhenError, match="in the past"):
        split_when(["today", "09:00", "call"], now=NOW, tz=BERLIN)


# ---------------------------------------------------------------------------------------------
# format_when


def test_format_when() -> None:
    dt = berlin(2026, 12, 1, 14, 0)
    assert format_when(dt, BERLIN) == "Tue 1 Dec 2026, 14:00 (Europe/Berlin)"
    assert format_when(dt, BERLIN, "zh-CN") == "2026年12月1日 14:00"
    assert format_when(dt, SHANGHAI, "zh-CN") == "2026年12月1日 21:00"
    assert format_when(dt, NEW_YORK) == "Tue 1 Dec 2026, 08:00 (America/New_York)"


_ZONES = st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Shanghai", "Australia/Sydney", "UTC"])
_NOW = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))


@given(_NOW, _ZONES, st.integers(min_value=1, max_value=500), st.sampled_from([("m", 1), ("h", 60)]))
def test_minutes_and_hours_from_now_are_exact(now: datetime, zone: str, n: int, unit: tuple[str, int]) -> None:
    suffix, minutes = unit
    assert parse_when(f"in {n}{suffix}", now=now, tz=ZoneInfo(zone)) == now + timedelta(minutes=n * minutes)


@given(_NOW, _ZONES, st.integers(min_value=1, max_value=500))
def test_days_from_now_keep_the_local_wall_time(now: datetime, zone: str, n: int) -> None:
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    parsed = parse_when(f"in {n}d", now=now, tz=tz).astimezone(tz)
    assert parsed.date() == local.date() + timedelta(days=n)
    if (parsed.hour, parsed.minute) != (local.hour, local.minute):  # only when that wall time does not exist
        assert abs(parsed.astimezone(UTC) - now - timedelta(days=n)) <= timedelta(hours=1)


@given(_NOW, _ZONES, st.integers(min_value=1, max_value=800), st.integers(min_value=0, max_value=23),
       st.sampled_from([0, 15, 30, 45]))
def test_an_iso_time_is_that_wall_time_in_the_callers_zone(now: datetime, zone: str, days: int, hour: int,
                                                           minute: int) -> None:
    """Across daylight-saving changes too: 09:00 means 09:00 local, whatever the offset that day."""
    tz = ZoneInfo(zone)
    day = (now.astimezone(tz) + timedelta(days=days)).date()
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    if wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return  # a time that does not exist that day (the spring-forward gap)
    parsed = parse_when(f"{day.isoformat()} {hour:02d}:{minute:02d}", now=now, tz=tz)
    assert parsed.tzinfo is not None
    assert parsed.astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None)


@given(_NOW, _ZONES)
def test_a_date_alone_is_nine_in_the_morning_local(now: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    day = (now.astimezone(tz) + timedelta(days=3)).date()
    parsed = parse_when(day.isoformat(), now=now, tz=tz).astimezone(tz)
    assert (parsed.date(), parsed.hour, parsed.minute) == (day, 9, 0)
