"""Pure rules of reminders: button values, snooze arithmetic, SLA windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.ids import parse_reminder_value, reminder_value
from models.deals.scoring import score_bant
from models.followups.nudges import start_sla
from models.followups.reminders import snooze_until
from models.infra.tables import Deal

ZONES = st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Shanghai", "Australia/Sydney", "UTC"])
INSTANTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                        timezones=st.just(UTC))


@given(st.integers(min_value=1, max_value=2**53), st.sampled_from(["early", "due"]), INSTANTS)
def test_reminder_values_round_trip(followup_id: int, which: str, at: datetime) -> None:
    value = reminder_value(followup_id, which, at)
    assert len(value) <= 2000
    assert parse_reminder_value(value) == (followup_id, which, at)


@given(st.one_of(st.text(max_size=60), st.from_regex(r"-?[0-9]{1,4}:[a-z]:-?[0-9]{1,18}", fullmatch=True)))
def test_anything_else_is_refused_not_crashed(value: str) -> None:
    try:
        followup_id, which, at = parse_reminder_value(value)
    except ValueError:
        return
    assert followup_id >= 1 and which in ("early", "due") and at.tzinfo is not None


@pytest.mark.parametrize("value", ["", "7", "7:d", "7:x:1", "0:d:1", "7:d:-1", "7:d:1.5", "a:d:1", "7:d:1:2",
                                   "7:d:999999999999999999999"])
def test_malformed_values_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        parse_reminder_value(value)


@given(INSTANTS, ZONES)
def test_a_days_snooze_keeps_the_local_wall_time(now: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    until = snooze_until(now, "day", tz)
    local_now, local_until = now.astimezone(tz), until.astimezone(tz)
    assert until.tzinfo is not None and until > now
    assert local_until.date() == local_now.date() + timedelta(days=1)
    # the same wall time, unless that time does not exist tomorrow (a spring-forward gap)
    if (local_until.hour, local_until.minute) != (local_now.hour, local_now.minute):
        assert abs(until - now - timedelta(days=1)) <= timedelta(hours=1)


@given(INSTANTS)
def test_an_hours_snooze_is_an_hour(now: datetime) -> None:
    assert snooze_until(now, "hour", ZoneInfo("Europe/Berlin")) - now == timedelta(hours=1)


def test_the_day_before_berlin_springs_forward_is_23_hours_long() -> None:
    now = datetime(2027, 3, 27, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    assert snooze_until(now, "day", ZoneInfo("Europe/Berlin")) - now == timedelta(hours=23)


@pytest.mark.parametrize(("budget", "authority", "need", "timing", "warn_h", "due_h", "nurture_days"), [
    ("200000", True, True, 10, 18, 24, None),
    ("200000", True, False, 90, 36, 48, None),
    ("1000", False, False, 90, None, None, 90),
])
def test_a_score_starts_its_contact_window(budget: str, authority: bool, need: bool, timing: int,
                                           warn_h: int | None, due_h: int | None, nurture_days: int | None) -> None:
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    deal = Deal(sla_met_at=now, sla_escalated_at=now)
    start_sla(deal, score_bant(budget=Decimal(budget), authority=authority, need=need, timing_days=timing), now=now)
    assert deal.sla_warn_at == (now + timedelta(hours=warn_h) if warn_h else None)
    assert deal.sla_due_at == (now + timedelta(hours=due_h) if due_h else None)
    assert deal.nurture_due_at == (now + timedelta(days=nurture_days) if nurture_days else None)
    assert deal.sla_met_at is None and deal.sla_escalated_at is None
