"""Pure rules of reports and targets: who sees which scope, who sets targets, which days are
workdays, what a target's period means."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.infra.errors import Refused
from models.infra.workdays import first_workday_of_month, is_workday
from models.people.permissions import Actor, ScopeRefused, quota_refusal, report_owner_ids
from models.reporting.quotas import target_period
from tests.shown import as_shown

REP = Actor("U0REP")
MANAGER = Actor("U0MGR", managed_ids=frozenset({"U0REP", "U0REP2"}))
ADMIN = Actor("U0ADMIN", is_admin=True)
OUTSIDER = "U0OTHER"

SCOPES = [
    # actor, scope, user, owners (None: everyone) or the start of the refusal
    (REP, "default", None, {"U0REP"}),
    (REP, "user", "U0REP", {"U0REP"}),
    (REP, "user", OUTSIDER, "manager or an admin can see that report"),
    (REP, "team", None, "Only managers can report on their team"),
    (MANAGER, "default", None, {"U0MGR", "U0REP", "U0REP2"}),
    (MANAGER, "team", None, {"U0MGR", "U0REP", "U0REP2"}),
    (MANAGER, "user", "U0REP2", {"U0REP2"}),
    (MANAGER, "user", OUTSIDER, "<@U0OTHER> is not on your team"),
    (ADMIN, "default", None, None),
    (ADMIN, "user", OUTSIDER, {OUTSIDER}),
    (ADMIN, "team", None, "Only managers can report on their team"),
]


@pytest.mark.parametrize(("actor", "scope", "user", "expected"), SCOPES)
def test_report_scopes(actor: Actor, scope: str, user: str | None, expected: object) -> None:
    if isinstance(expected, str):
        with pytest.raises(ScopeRefused) as refused:  # a Forbidden, told as Slack shows it
            report_owner_ids(actor, scope, user)
        assert re.search(expected.replace("/", "."), as_shown(refused.value.message))
    else:
        assert report_owner_ids(actor, scope, user) == (None if expected is None else frozenset(expected))


def test_targets_are_set_by_the_manager_or_an_admin() -> None:
    assert quota_refusal(MANAGER, "U0REP") is None
    assert quota_refusal(ADMIN, OUTSIDER) is None
    assert quota_refusal(MANAGER, OUTSIDER) and quota_refusal(MANAGER, "U0MGR")
    assert quota_refusal(REP, "U0REP")


def test_workdays_skip_weekends_and_the_countrys_holidays() -> None:
    assert is_workday(date(2026, 11, 26)) and not is_workday(date(2026, 11, 26), "US")  # Thanksgiving
    assert not is_workday(date(2026, 11, 28)) and not is_workday(date(2026, 11, 29))
    assert not is_workday(date(2026, 10, 1), "CN") and is_workday(date(2026, 10, 1))  # National Day
    assert first_workday_of_month(date(2026, 11, 20)) == date(2026, 11, 2)
    assert first_workday_of_month(date(2027, 1, 15), "US") == date(2027, 1, 4)  # 1 January is a Friday holiday


NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(("text", "kind", "first", "last"), [
    ("week", "week", date(2026, 11, 23), date(2026, 11, 29)),
    ("month", "month", date(2026, 11, 1), date(2026, 11, 30)),
    ("quarter", "quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("year", "year", date(2026, 1, 1), date(2026, 12, 31)),
    ("2027", "year", date(2027, 1, 1), date(2027, 12, 31)),
    ("2026-2", "month", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-q1", "quarter", date(2026, 1, 1), date(2026, 3, 31)),
])
def test_target_periods(text: str, kind: str, first: date, last: date) -> None:
    period = target_period(text, now=NOW, tz=BERLIN)
    assert (period.kind, period.first_day, period.last_day) == (kind, first, last)


@given(year=st.integers(2000, 2100), month=st.integers(1, 12))
def test_a_named_month_is_the_whole_calendar_month(year: int, month: int) -> None:
    period = target_period(f"{year}-{month:02d}", now=NOW, tz=BERLIN)
    assert period.first_day == date(year, month, 1)
    assert period.last_day.month == month and (period.last_day.day >= 28)
    assert period.start < period.end


def test_a_period_that_is_not_one_is_refused() -> None:
    with pytest.raises(Refused):
        target_period("2026-13", now=NOW, tz=BERLIN)


@pytest.mark.parametrize("text", ["0000", "9999", "2026-0", "2026-q5", "fortnight"])
def test_other_impossible_periods_are_refused(text: str) -> None:
    with pytest.raises(Refused):
        target_period(text, now=NOW, tz=BERLIN)
