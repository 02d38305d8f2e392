"""Metrics against a hand-built book (tests/db/metrics_fixture.py) whose answers were worked out
by hand, on SQLite and on PostgreSQL. November 2026 in Europe/Berlin (UTC+1) runs from
2026-10-31 23:00 UTC to 2026-11-30 23:00 UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from models.infra.db import create_engine, session_factory
from models.pipeline import load_pipeline
from models.reporting.metrics import (
    FunnelStep,
    ReasonCount,
    SourceCount,
    StageTime,
    build_report,
    current_period,
    period_from,
)
from tests.db.metrics_fixture import A, B, C, seed

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_periods_are_local_calendar_periods() -> None:
    month = current_period("month", NOW, BERLIN)
    assert (month.first_day, month.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (month.start, month.end) == (datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2026, 11, 30, 23, tzinfo=UTC))
    week = current_period("week", NOW, BERLIN)
    assert (week.first_day, week.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
    quarter = current_period("quarter", NOW, BERLIN)
    assert quarter.start == datetime(2026, 9, 30, 22, tzinfo=UTC)  # 1 October, summer time
    assert quarter.end == datetime(2026, 12, 31, 23, tzinfo=UTC)
    dst_week = period_from("week", date(2026, 10, 19), BERLIN)  # summer time ends on Sunday 25 October
    assert (dst_week.start, dst_week.end) == (datetime(2026, 10, 18, 22, tzinfo=UTC),
                                              datetime(2026, 10, 25, 23, tzinfo=UTC))
    assert current_period("month", datetime(2026, 12, 31, 23, 30, tzinfo=UTC), BERLIN).first_day == date(2027, 1, 1)


@pytest.fixture
async def session(db_url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(db_url)
    async with session_factory(engine).begin() as s:
        await seed(s)
        yield s
    await engine.dispose()


async def test_team_report_matches_the_hand_computed_figures(session) -> None:  # type: ignore[no-untyped-def]
    report = await build_report(session, load_pipeline("standard"), current_period("month", NOW, BERLIN), {A, B})
    assert report.funnel == (
        FunnelStep("lead", 5, None), FunnelStep("qualified", 2, 0.4), FunnelStep("discovery", 2, 1.0),
        FunnelStep("proposal", 2, 1.0), FunnelStep("negotiation", 2, 1.0), FunnelStep("won", 1, 0.5),
    )
    assert report.stage_times == (
        StageTime("lead", 7.5, 3), StageTime("qualified", 10.5, 2), StageTime("discovery", 5.0, 1),
        StageTime("proposal", 10.0, 1),
    )
    assert (report.won_count, report.won_value, report.lost_count, report.new_count) == (1, Decimal("1000.00"), 2, 4)
    assert report.win_rate == pytest.approx(1 / 3)
    assert report.avg_cycle_days == 17.0
    assert report.new_by_source == (
        SourceCount("web", 2, Decimal("1500.00")), SourceCount(None, 1, Decimal("0.00")),
        SourceCount("referral", 1, Decimal("4000.00")),
    )
    assert report.lost_reasons == (ReasonCount("price", 2),)
    assert (report.pipe.open_count, report.pipe.open_value, report.pipe.weighted) == (
        2, Decimal("2000.00"), Decimal("1400.00"))
    assert report.quota == Decimal("5000.00")  # B's quota is for the quarter, not the month
    assert report.attainment == pytest.approx(0.2)
    rep_a, rep_b = report.reps
    assert (rep_a.user_id, rep_a.open_count, rep_a.open_value, rep_a.weighted, rep_a.new_count, rep_a.won_count,
            rep_a.won_value, rep_a.lost_count, rep_a.quota) == (
        A, 1, Decimal("2000.00"), Decimal("1400.00"), 2, 1, Decimal("1000.00"), 1, Decimal("5000.00"))
    assert (rep_b.user_id, rep_b.open_count, rep_b.open_value, rep_b.new_count, rep_b.won_count, rep_b.lost_count,
            rep_b.quota, rep_b.attainment) == (B, 1, Decimal("0.00"), 2, 0, 1, None, None)


async def test_everyone_and_other_periods(session) -> None:  # type: ignore[no-untyped-def]
    pipeline = load_pipeline("standard")
    everyone = await build_report(session, pipeline, current_period("month", NOW, BERLIN), None)
    assert everyone.funnel[0] == FunnelStep("lead", 6, None)
    assert (everyone.pipe.open_count, everyone.pipe.open_value, everyone.pipe.weighted) == (
        3, Decimal("11999.00"), Decimal("2399.90"))
    assert [r.user_id for r in everyone.reps] == [A, B, C]
    # In New York's October (until 1 November 04:00 UTC) deal 5 is won and deal 3 is new.
    new_york_october = period_from("month", date(2026, 10, 1), ZoneInfo("America/New_York"))
    october = await build_report(session, pipeline, new_york_october, {B})
    assert (october.won_count, october.won_value, october.new_count) == (1, Decimal("3000.00"), 1)
    assert october.avg_cycle_days == pytest.approx(60.94, abs=0.01)  # 1 Sep 00:00 → 31 Oct 22:30
    quarter = await build_report(session, pipeline, current_period("quarter", NOW, BERLIN), {B})
    assert quarter.quota == Decimal("9000.00")
    assert quarter.won_value == Decimal("3000.00")  # deal 5, won on 31 October (Berlin), is in Q4
    assert quarter.attainment == pytest.approx(1 / 3)
