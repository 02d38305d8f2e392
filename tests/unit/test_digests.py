"""Digest figures against the hand-built book, and digests on time in each manager's own zone,
exactly once, across a daylight-saving change, on SQLite and PostgreSQL (the tick is called
directly with a FakeClock)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.blocks.text import Message
from bot.delivery import events
from bot.delivery.kinds.notices import compose
from bot.runtime.runner import Unit
from models.infra.clock import FakeClock
from models.infra.db import create_engine, session_factory
from models.infra.tables import Deal, OutboxMessage, User, UserRole
from models.pipeline import load_pipeline
from models.pipeline.workspace import Workspace
from models.reporting.digests import DealLine, Move, Tally, daily_digest, managers, weekly_report
from models.reporting.metrics import period_from
from scheduler.digests import DigestRules, send_digests_now, send_due_digests
from tests.db.metrics_fixture import A, B, M, seed

BERLIN = ZoneInfo("Europe/Berlin")
PIPELINE = load_pipeline("standard")
WS = Workspace(pipeline=PIPELINE)
RULES = DigestRules(at=time(9, 0))


async def due(sessions, clock: FakeClock, rules: DigestRules) -> list[str]:  # type: ignore[no-untyped-def]
    """One digest tick, as the runner runs it: the DM lane of each digest queued."""
    unit = Unit(sessions)
    await send_due_digests(unit, WS, clock, rules)
    return unit.lanes


async def by_hand(sessions, clock: FakeClock, manager_id: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """`dealroom digest --now`: the DM lane of each digest queued."""
    unit = Unit(sessions)
    await send_digests_now(unit, WS, clock, manager_id)
    return unit.lanes


@pytest.fixture
async def sessions(db_url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(db_url)
    yield session_factory(engine)
    await engine.dispose()


async def test_a_managers_digest_matches_the_hand_computed_figures(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions.begin() as session:
        await seed(session)
        await session.execute(update(Deal).where(Deal.id == 2).values(close_at=datetime(2026, 11, 15, tzinfo=UTC)))
    async with sessions() as session:
        assert await managers(session) == [(M, "Europe/Berlin")]
        # Friday 20 November, 09:30 in Berlin: yesterday deal 1 was won.
        friday = await daily_digest(session, PIPELINE, M, now=datetime(2026, 11, 20, 8, 30, tzinfo=UTC), tz=BERLIN)
        assert friday.team_ids == {M, A, B}
        assert friday.moves == (Move(1, "Deal 1", "proposal", "won", A),) and friday.moves_count == 1
        assert (friday.new, friday.won, friday.lost) == (Tally(0, Decimal("0.00")), Tally(1, Decimal("1000.00")),
                                                         Tally(0, Decimal("0.00")))
        assert friday.overdue_by_rep == ()
        # Deal 2 sits in Negotiation (stale after 7 days) since 10 November; its close date was the 15th.
        assert friday.stale == (DealLine(2, "Deal 2", A, "negotiation", Decimal("2000.00"),
                                         datetime(2026, 11, 10, 10, tzinfo=UTC)),)
        assert friday.past_close_count == 1 and friday.past_close[0].number == 2
        assert (friday.pipe.open_count, friday.pipe.open_value, friday.pipe.weighted) == (
            2, Decimal("2000.00"), Decimal("1400.00"))
        assert [(r.user_id, r.won_value, r.quota) for r in friday.reps] == [
            (A, Decimal("1000.00"), Decimal("5000.00")), (B, Decimal("0.00"), None), (M, Decimal("0.00"), None)]
        assert not friday.quiet
        # Monday 23 November: a quiet Sunday, but A's follow-up on deal 2 (due the 22nd) is overdue.
        monday = await daily_digest(session, PIPELINE, M, now=datetime(2026, 11, 23, 8, tzinfo=UTC), tz=BERLIN)
        assert monday.moves_count == 0 and monday.won.count == 0
        assert monday.overdue_by_rep == ((A, 1),)
        alone = await daily_digest(session, PIPELINE, "U0NOBODY", now=datetime(2026, 11, 23, 8, tzinfo=UTC), tz=BERLIN)
        assert alone.quiet

        week = await weekly_report(session, PIPELINE, A, period_from("week", date(2026, 11, 16), BERLIN))
        assert week.new == Tally(0, Decimal("0.00"))
        assert week.entered == (("won", 1), ("lost", 1))  # deal 1 won on the 19th, deal 7 lost on the 16th
        assert week.won == Tally(1, Decimal("1000.00")) and week.won_deals[0].number == 1


async def _people(sessions) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    async with sessions.begin() as session:
        session.add_all([User(id="U0BERLIN", tz="Europe/Berlin", created_at=at),
                         User(id="U0NY", tz="America/New_York", created_at=at),
                         User(id="U0DEFAULT", tz=None, created_at=at)])
        await session.flush()
        session.add(User(id="U0REP", tz="Asia/Shanghai", manager_id="U0BERLIN", created_at=at))
        session.add_all([UserRole(user_id="U0NY", role="manager"), UserRole(user_id="U0DEFAULT", role="manager")])


async def _queued(sessions) -> list[tuple[str, Message]]:  # type: ignore[no-untyped-def]
    """(user, message as delivery words it) of every queued digest DM, in order."""
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(events.KINDS))
                                     .order_by(OutboxMessage.id))
        return [(r.payload["user"], compose(r.kind, r.payload, WS)) for r in rows]


async def _sent(sessions) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(user, first words) of every queued DM, in order."""
    return [(user, message.text.split(" ·")[0].split(":")[0]) for user, message in await _queued(sessions)]


async def test_digests_come_at_nine_in_each_managers_own_zone_once_a_workday(sessions) -> None:  # type: ignore[no-untyped-def]
    await _people(sessions)
    clock = FakeClock(datetime(2026, 11, 24, 7, 59, tzinfo=UTC))  # Tuesday, 08:59 in Berlin
    tick = lambda: due(sessions, clock, RULES)  # noqa: E731
    assert await tick() == []
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    assert await tick() == ["dm:U0BERLIN"]
    assert await tick() == []  # once a day
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # 09:00 UTC: the manager with no zone (UTC fallback)
    assert await tick() == ["dm:U0DEFAULT"]
    clock.set(datetime(2026, 11, 24, 13, 59, tzinfo=UTC))
    assert await tick() == []
    clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # 09:00 in New York
    assert await tick() == ["dm:U0NY"]
    assert [who for who, _ in await _sent(sessions)] == ["U0BERLIN", "U0DEFAULT", "U0NY"]
    assert {text for _, text in await _sent(sessions)} == {"Daily digest"}

    clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # Saturday: nothing
    assert await tick() == []
    clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))  # Thanksgiving, with US holidays: nothing
    assert await due(sessions, clock, DigestRules(at=time(9, 0), holidays="US")) == []


async def test_the_digest_follows_new_york_across_the_end_of_summer_time(sessions) -> None:  # type: ignore[no-untyped-def]
    await _people(sessions)
    clock = FakeClock(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    tick = lambda: due(sessions, clock, RULES)  # noqa: E731
    clock.set(datetime(2026, 10, 30, 12, 59, tzinfo=UTC))  # Friday, EDT (UTC-4): 08:59
    assert "dm:U0NY" not in await tick()
    clock.set(datetime(2026, 10, 30, 13, 0, tzinfo=UTC))
    assert "dm:U0NY" in await tick()
    clock.set(datetime(2026, 11, 2, 13, 30, tzinfo=UTC))  # Monday, EST (UTC-5) since Sunday: 08:30
    assert "dm:U0NY" not in await tick()
    clock.set(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))
    assert await tick() == ["dm:U0NY", "dm:U0NY"]  # daily + the monthly review (first workday of November)


async def test_mondays_bring_the_weekly_reports_and_the_first_workday_the_monthly_review(sessions) -> None:  # type: ignore[no-untyped-def]
    await _people(sessions)
    clock = FakeClock(datetime(2026, 11, 2, 0, 59, tzinfo=UTC))  # Monday 2 November, 08:59 in Shanghai
    assert await due(sessions, clock, RULES) == []
    clock.set(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    assert await due(sessions, clock, RULES) == ["dm:U0REP"]  # the rep's own week
    clock.set(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    assert await due(sessions, clock, RULES) == ["dm:U0BERLIN"] * 3
    sent = await _sent(sessions)
    assert sent == [("U0REP", "Your week"), ("U0BERLIN", "Daily digest"), ("U0BERLIN", "Report"),
                    ("U0BERLIN", "Your team's week")]
    review = (await _queued(sessions))[2][1]
    assert "October 2026" in review.text and "monthly review" in str(review.blocks)
    team_week = (await _queued(sessions))[3][1]
    assert "2026-10-26 to 2026-11-01" in team_week.text and "<@U0REP>" in str(team_week.blocks)
    async with sessions() as session:
        (chart,) = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "report_chart"))).all()
    assert chart.lane == "dm:U0BERLIN" and chart.payload["first_day"] == "2026-10-01"
    assert chart.payload["owners"] == ["U0BERLIN", "U0REP"]
    clock.set(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))  # Tuesday: the daily digest only
    assert await due(sessions, clock, RULES) == ["dm:U0BERLIN"]


async def test_two_app_instances_send_each_digest_exactly_once(db_url: str) -> None:
    engines = [create_engine(db_url) for _ in range(2)]
    first, second = (session_factory(e) for e in engines)
    try:
        await _people(first)
        clock = FakeClock(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # every manager is due
        rounds = []
        for _ in range(3):
            results = await asyncio.gather(*(due(s, clock, RULES)
                                             for s in (first, second, first, second)))
            rounds.append(sorted(lane for lanes in results for lane in lanes))
            clock.advance(timedelta(minutes=1))
        assert rounds == [["dm:U0BERLIN", "dm:U0DEFAULT", "dm:U0NY"], [], []]
        assert sorted(who for who, _ in await _sent(first)) == ["U0BERLIN", "U0DEFAULT", "U0NY"]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_digest_now_ignores_the_clock_and_counts_as_todays(sessions) -> None:  # type: ignore[no-untyped-def]
    await _people(sessions)
    clock = FakeClock(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))  # Saturday night
    assert await by_hand(sessions, clock, "U0NY") == ["dm:U0NY"]
    assert sorted(await by_hand(sessions, clock)) == ["dm:U0BERLIN", "dm:U0DEFAULT", "dm:U0NY"]
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))  # Friday 09:00 in New York, already sent by hand
    await by_hand(sessions, clock, "U0NY")
    assert await due(sessions, clock, RULES) == ["dm:U0BERLIN", "dm:U0DEFAULT"]
