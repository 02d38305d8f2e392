"""Digests reach the manager's DM through the outbox and the emulator, at their own 09:00 (their
Slack time zone, looked up by the tick), within Block Kit's limits however big the team."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from slack_sdk.http_retry import FixedValueRetryIntervalCalculator
from sqlalchemy import select

from bot.delivery.directory import TZ_FRESH_FOR
from bot.runtime.deps import build_deps
from bot.runtime.runner import Unit
from models.infra.tables import Deal, FollowUp, StageChange, User
from scheduler.digests import DigestRules, learn_zones, send_due_digests
from scheduler.jobs import Ticks
from tests.scenario import dates
from tests.scenario.harness import BOT_TOKEN, MANAGER, REP, REP2, Bot
from tests.scenario.teams import make_team


async def _tick(bot: Bot) -> list[str]:
    deps = bot.deps

    async def tick(unit: Unit) -> None:
        await learn_zones(unit, deps.directory.tz_of, bot.clock.now(), fresh_for=TZ_FRESH_FOR)
        await send_due_digests(unit, deps.ws, bot.clock, DigestRules())

    lanes = await bot.job(tick)
    await bot.settle()
    return lanes




async def test_the_manager_gets_yesterdays_news_at_nine_in_berlin(bot: Bot) -> None:
    await make_team(bot, MANAGER, [REP, REP2])
    await bot.command(REP, "new Pilot customer:Acme amount:150k")  # Monday 09:00 UTC
    await bot.command(REP, "won D-1")
    await bot.command(REP2, "new Rollout amount:80k")
    await bot.command(REP2, "lost D-2 budget cut")

    nine = dates.day_at(bot.clock.now(), days=1, at=time(9, 0), tz="Europe/Berlin")  # Tuesday
    bot.clock.set(nine - timedelta(minutes=1))
    assert await _tick(bot) == []
    async with bot.deps.sessions() as session:  # the tick asked Slack for the manager's zone
        assert await session.scalar(select(User.tz).where(User.id == MANAGER)) == "Europe/Berlin"
    bot.clock.set(nine)
    assert await _tick(bot) == [f"dm:{MANAGER}"]
    assert await _tick(bot) == []
    (digest,) = bot.dms_to(MANAGER)
    text = digest.text + str(digest.blocks)
    assert f"Daily digest · {dates.digest_date(nine)}" in text
    assert "2 · 230,000" in text  # two new deals yesterday
    assert "1 · 150,000" in text  # one won
    assert "D-1" in text and "Lead → Won" in text and "Lead → Lost" in text


async def test_a_quiet_day_is_said_in_a_short_digest(bot: Bot) -> None:
    await make_team(bot, MANAGER, [REP])
    bot.clock.set(dates.day_at(bot.clock.now(), days=2, at=time(9, 0), tz="Europe/Berlin"))  # Wednesday
    assert await _tick(bot) == [f"dm:{MANAGER}"]
    (digest,) = bot.dms_to(MANAGER)
    assert "all quiet" in digest.text and len(digest.blocks) <= 4


async def test_a_big_team_is_summarised_within_the_block_limit(bot: Bot) -> None:
    reps = [f"U0BIG{i:03d}" for i in range(120)]
    await make_team(bot, MANAGER, reps)
    old = bot.clock.now() - timedelta(days=83)
    async with bot.deps.sessions.begin() as session:
        for i, rep in enumerate(reps * 3):
            deal = Deal(title=f"Deal {i}", owner_id=rep, created_by=rep, created_at=old, updated_at=old,
                        stage_key="proposal", last_open_stage_key="proposal", amount=Decimal(1000 + i),
                        close_at=old, custom_fields={})
            session.add(deal)
            await session.flush()
            session.add(StageChange(deal_id=deal.id, to_stage="proposal", actor_id=rep, probability=50,
                                    at=bot.clock.now() + timedelta(hours=3)))
            session.add(FollowUp(deal_id=deal.id, owner_id=rep, due_at=old, text="call", tz="UTC", created_by=rep,
                                 created_at=old, source="followup"))
    bot.clock.set(dates.day_at(bot.clock.now(), days=1, at=time(9, 1), tz="Europe/Berlin"))
    assert await _tick(bot) == [f"dm:{MANAGER}"]
    (digest,) = bot.dms_to(MANAGER)
    assert len(digest.blocks) < 15  # the bot fixture also checks every limit of the message
    text = str(digest.blocks)
    assert "Stale deals* (360)" in text and "Past their close date* (360)" in text
    assert "Overdue follow-ups* (360)" in text and "…and 110 more" in text


async def test_two_app_instances_deliver_each_digest_once(bot: Bot) -> None:
    """A second process (its own Deps: engine, deliverer, clock) on the same database and Slack."""
    await make_team(bot, MANAGER, [REP])
    await make_team(bot, REP2, [])  # a manager with nobody on the team yet
    other = build_deps(bot.settings, clock=bot.clock, retry_interval=FixedValueRetryIntervalCalculator(0.01))
    try:
        bot.clock.set(dates.day_at(bot.clock.now(), days=1, at=time(15, 0)))  # Berlin's and New York's 09:00 passed
        for _ in range(3):
            units = [Unit(deps.sessions) for deps in (bot.deps, other)]  # delivered below, not at each commit
            await asyncio.gather(*(send_due_digests(unit, deps.ws, deps.clock, DigestRules())
                                   for unit, deps in zip(units, (bot.deps, other), strict=True)))
            await asyncio.gather(*(deps.deliverer.drain([lane for unit in units for lane in unit.lanes])
                                   for deps in (bot.deps, other)))
            bot.clock.advance(timedelta(minutes=1))
        await asyncio.gather(bot.settle(), other.deliverer.drain())
    finally:
        await other.aclose()
    assert len(bot.dms_to(MANAGER)) == 1 and len(bot.dms_to(REP2)) == 1


async def test_the_schedulers_digest_job_sends_at_the_managers_nine(bot: Bot) -> None:
    await make_team(bot, MANAGER, [REP])
    ticks = Ticks(bot.deps)
    assert ticks.scheduler.get_job("digests") is not None
    nine = dates.day_at(bot.clock.now(), days=1, at=time(9, 0), tz="Europe/Berlin")
    bot.clock.set(nine - timedelta(minutes=30))  # 08:30 in Berlin: the tick learns the zone
    await ticks.send_digests()
    await bot.settle()
    assert bot.dms_to(MANAGER) == []
    bot.clock.set(nine)
    await ticks.send_digests()
    await bot.settle()
    assert len(bot.dms_to(MANAGER)) == 1


async def test_the_digest_command_runs_on_the_processs_clock(bot: Bot, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    """`dealroom digest --now` asks the clock it is given, like every command: the digest is the bot's today."""
    from bot.cli import main

    await make_team(bot, MANAGER, [REP])
    monkeypatch.chdir(tmp_path)
    for name, value in {"DATABASE_URL": bot.settings.database_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
                        "SLACK_API_URL": bot.slack.api_url}.items():
        monkeypatch.setenv(name, value)
    bot.clock.advance(timedelta(days=400))
    assert await asyncio.to_thread(main, ["digest", "--now", "--manager", MANAGER], clock=bot.clock) == 0
    (digest,) = bot.dms_to(MANAGER)
    assert f"Daily digest · {dates.digest_date(bot.clock.now())}" in digest.text + str(digest.blocks)
